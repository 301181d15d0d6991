#!/usr/bin/env bash
# Runs a local 3-node Kafka cluster (KRaft, every node broker and controller, replication 3, min ISR 2) with the
# Streamtune topics until Ctrl+C / SIGTERM: ports 9092/9094/9096 (controllers on the next port of each).
# Data and each node's console.log live in data/kafka-cluster/node-N (kept across restarts).
# Flags: deploy/local/kafka-cluster.sh --help
# Set STREAMTUNE_SKIP_BUILD=1 to reuse the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."

module=deploy/embedded-kafka
classpath_file=$module/target/runtime-classpath.txt

if [[ "${STREAMTUNE_SKIP_BUILD:-0}" != 1 || ! -f "$classpath_file" ]]; then
  ./mvnw -B -q -pl "$module" -am package dependency:build-classpath \
    -Dmaven.test.skip=true -Dspotless.check.skip=true \
    -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
fi

exec java ${STREAMTUNE_KAFKA_JAVA_OPTS:--Xmx256m} \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$module/target/classes:$(cat "$classpath_file")" \
  dev.streamtune.kafka.standalone.StreamtuneKafkaCluster "$@"
