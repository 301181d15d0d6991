#!/usr/bin/env bash
# Runs the standalone single-node Kafka (KRaft) with the Streamtune topics until Ctrl+C / SIGTERM.
# Data lives in data/kafka (kept across restarts). Flags: deploy/local/kafka.sh --help
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

exec java ${STREAMTUNE_KAFKA_JAVA_OPTS:--Xmx1g} \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$module/target/classes:$(cat "$classpath_file")" \
  dev.streamtune.kafka.standalone.StreamtuneKafka "$@"
