#!/usr/bin/env bash
# Container smoke test: the service images run as the Kubernetes StatefulSets run them, against a broker on the host.
#
#   deploy/local/container-smoke.sh [--keep]      # STREAMTUNE_SKIP_BUILD=1 reuses the images and jars already built
#
# 1. builds the images (deploy/local/images.sh: local Debian base + Jib) and the broker's jars, unless skipped;
# 2. starts the standalone KRaft broker on the host with a SASL_SSL (SCRAM-SHA-512) listener like Strimzi's;
# 3. runs trainer-service:<version>-cpu and inference-service:<version> with podman (runc, host network) as the dev
#    overlay's pods: read-only root filesystem, uid/gid 1001, no capabilities, no new privileges; the ConfigMaps'
#    application.properties unchanged at /deployments/config; the Kafka CA (PEM) at /etc/streamtune/kafka-ca; /tmp,
#    the trainer's state (/var/lib/streamtune) and the models volume (/models; read-only for inference) as volumes;
#    the StatefulSets' environment (model name, SCRAM JAAS config, thread sizing, signing, store);
# 4. drives them with the demo's traffic driver: labelled tickets, a training run (2-layer MiniLM, 64 tokens), the
#    model LIVE on streamtune.models, unseen tickets classified exactly once, malformed ones dead-lettered; then
#    POST /classify with a client token, the inference pod's readiness, committed predictions counted with kcat
#    (when installed), and a write to the read-only root refused;
# 5. prints timings; removes the containers and stops the broker on exit (--keep leaves them up until Ctrl+C).
# Work folder: target/container-smoke (logs in logs/); podman's storage: ~/.cache/streamtune/podman.
# Needs root, podman, runc (deploy/local/base-image.sh installs them), curl, a JDK 17+. CI runs it after the tests
# (.ci/run): about 4 minutes on 2 cores with a cold base, of which the smoke itself is under 2 (README "Images").
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
work="${STREAMTUNE_SMOKE_DIR:-$root/target/container-smoke}"
store="${STREAMTUNE_PODMAN_DIR:-$HOME/.cache/streamtune/podman}"
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1

# Ports on the host (host network): away from the defaults so that a running demo does not collide.
kafka_port=${SMOKE_KAFKA_PORT:-29092}
controller_port=${SMOKE_CONTROLLER_PORT:-29093}
sasl_port=${SMOKE_SASL_PORT:-29094}
trainer_http=${SMOKE_TRAINER_PORT:-28080}
trainer_mgmt=${SMOKE_TRAINER_MANAGEMENT_PORT:-29000}
inference_http=${SMOKE_INFERENCE_PORT:-28081}
inference_mgmt=${SMOKE_INFERENCE_MANAGEMENT_PORT:-29001}
model=streamtune-classifier

t0=$(date +%s)
timings=()
mark() { timings+=("$(printf '%-44s %4d s' "$1" $(($(date +%s) - $2)))"); }
say() { echo "[smoke] $(date +%T) $*"; }
fail() { echo "[smoke] FAILED: $*" >&2; exit 1; }

version=$(awk -F'[<>]' '/<artifactId>streamtune-parent<\/artifactId>/ { p = 1 } p && /<version>/ { print $3; exit }' pom.xml)
tag=${version%-SNAPSHOT}
trainer_tar=trainer-service/target/trainer-service-$tag-cpu.tar
inference_tar=inference-service/target/inference-service-$tag.tar

if [[ "${STREAMTUNE_SKIP_BUILD:-0}" != 1 ]]; then
  t=$(date +%s)
  say "building the images and jars (deploy/local/images.sh) ..."
  deploy/local/images.sh dependency:build-classpath \
    -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
  mark "base image + Maven build with images" "$t"
fi
for f in "$trainer_tar" "$inference_tar" deploy/embedded-kafka/target/runtime-classpath.txt; do
  [[ -f "$f" ]] || fail "$f is missing: run without STREAMTUNE_SKIP_BUILD=1"
done

podman=(podman --root "$store/root" --runroot "$store/run" --cgroup-manager=cgroupfs --events-backend=file
  --runtime runc)
containers=(st-smoke-trainer st-smoke-inference)
broker_pid=

rm -rf "$work"
mkdir -p "$work/logs"
cleanup() {
  local rc=$?
  say "removing the containers, stopping the broker (logs: $work/logs)"
  for c in "${containers[@]}"; do
    "${podman[@]}" logs "$c" >"$work/logs/$c.log" 2>&1 || true
    "${podman[@]}" rm -f -t 10 "$c" >/dev/null 2>&1 || true
  done
  if [[ -n "$broker_pid" ]]; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for c in "${containers[@]}"; do "${podman[@]}" rm -f "$c" >/dev/null 2>&1 || true; done

t=$(date +%s)
say "loading $trainer_tar and $inference_tar into podman ($store) ..."
trainer_image=$("${podman[@]}" load -q -i "$trainer_tar" | sed -n 's/^Loaded image: //p' | head -1)
inference_image=$("${podman[@]}" load -q -i "$inference_tar" | sed -n 's/^Loaded image: //p' | head -1)
[[ "$trainer_image" == *"/streamtune/trainer-service:$tag-cpu" ]] || fail "trainer image is '$trainer_image'"
[[ "$inference_image" == *"/streamtune/inference-service:$tag" ]] || fail "inference image is '$inference_image'"
"${podman[@]}" image prune -f >/dev/null # earlier builds' layers, untagged by these
mark "podman load (both images)" "$t"
say "images: $trainer_image, $inference_image"

# ---- the broker on the host: PLAINTEXT for the traffic driver, SASL_SSL + SCRAM for the pods (as Strimzi's) ----
t=$(date +%s)
kafka_password=$(head -c 24 /dev/urandom | base64 | tr -d '\n=+/')
say "starting the broker (PLAINTEXT :$kafka_port, SASL_SSL :$sasl_port) ..."
STREAMTUNE_SKIP_BUILD=1 STREAMTUNE_KAFKA_PASSWORD="$kafka_password" deploy/local/kafka.sh \
  --data-dir "$work/kafka" --port "$kafka_port" --controller-port "$controller_port" \
  --sasl-port "$sasl_port" --sasl-user streamtune >"$work/logs/kafka.log" 2>&1 &
broker_pid=$!
for _ in $(seq 90); do
  grep -q "Kafka ready" "$work/logs/kafka.log" 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || fail "the broker stopped; see $work/logs/kafka.log"
  sleep 1
done
grep -q "Kafka ready" "$work/logs/kafka.log" || fail "the broker did not start; see $work/logs/kafka.log"
mark "broker ready" "$t"

# The pods trust the cluster CA as PEM (ssl.truststore.type=PEM): export the broker's certificate as Strimzi's ca.crt.
tls="$work/kafka/tls"
truststore_password=$(sed -n 's/^ssl.truststore.password=//p' "$tls/client-sasl.properties")
mkdir -p "$work/secrets/kafka-ca" "$work/secrets/jwt"
keytool -exportcert -rfc -alias streamtune-embedded-kafka -keystore "$tls/client.truststore.p12" \
  -storetype PKCS12 -storepass "$truststore_password" -file "$work/secrets/kafka-ca/ca.crt" >/dev/null 2>&1 \
  || fail "cannot export the broker's certificate"
scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"streamtune\" password=\"$kafka_password\";"

# Bearer tokens: the pods get the public key, the traffic driver and curl sign with the private one.
deploy/local/token.sh keys --dir "$work/jwt" >/dev/null
cp "$work/jwt/jwt-public.pem" "$work/secrets/jwt/jwt-public.pem"
hmac_secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n=+/')

# Volumes as the StatefulSets mount them; the writable ones belong to the pods' uid 1001 (fsGroup 1001).
for d in trainer/tmp trainer/state inference/tmp models; do mkdir -p "$work/$d"; done
mkdir -p "$work/trainer/config" "$work/inference/config"
cp deploy/kubernetes/model/trainer/application.properties "$work/trainer/config/"
cp deploy/kubernetes/model/inference/application.properties "$work/inference/config/"
chown -R 1001:1001 "$work/trainer/tmp" "$work/trainer/state" "$work/inference/tmp" "$work/models"
chmod -R a+rX "$work/secrets" "$work/trainer/config" "$work/inference/config"

# What every pod gets from its securityContext (runAsNonRoot, uid/gid 1001, readOnlyRootFilesystem, drop ALL,
# allowPrivilegeEscalation false; no tmpfs besides the volumes). Host network: the broker is on the host's loopback.
pod=(run -d --network host --read-only --read-only-tmpfs=false --user 1001:1001 --cap-drop ALL
  --security-opt no-new-privileges --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
# What the manifests cannot know here: the broker's address, and ports apart (both pods share the host's network).
# The JWT key and the inference service's store root are not in the manifests yet (deploy/kubernetes/SECURITY.md).
smoke_env=(-e KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$sasl_port"
  -e MP_JWT_VERIFY_PUBLICKEY_LOCATION=/etc/streamtune/jwt/jwt-public.pem)

t=$(date +%s)
say "starting the trainer container ..."
# model/trainer/60-statefulset-trainer.yaml + components cpu-trainer, hmac-signing, filesystem-store (dev overlay)
"${podman[@]}" "${pod[@]}" --name st-smoke-trainer --hostname streamtune-trainer-0 --memory 6g \
  -v "$work/trainer/config:/deployments/config:ro" \
  -v "$work/secrets/kafka-ca:/etc/streamtune/kafka-ca:ro" \
  -v "$work/secrets/jwt:/etc/streamtune/jwt:ro" \
  -v "$work/trainer/state:/var/lib/streamtune" \
  -v "$work/trainer/tmp:/tmp" \
  -v "$work/models:/models" \
  -e STREAMTUNE_TRAINER_MODEL="$model" \
  -e SCRAM_JAAS_CONFIG="$scram_jaas" \
  -e CPU_REQUEST=2 -e JAVA_TOOL_OPTIONS=-XX:ActiveProcessorCount=2 -e OMP_NUM_THREADS=2 -e OMP_WAIT_POLICY=PASSIVE -e THP_MEM_ALLOC_ENABLE=1 \
  -e STREAMTUNE_TRAINER_TRAINING_DEVICE=cpu \
  -e STREAMTUNE_TRAINER_SIGNING_ALGORITHM=hmac -e STREAMTUNE_TRAINER_SIGNING_KEY_ID=hmac-1 \
  -e STREAMTUNE_TRAINER_SIGNING_HMAC_SECRET="$hmac_secret" \
  -e STREAMTUNE_TRAINER_STORE_TYPE=filesystem -e STREAMTUNE_TRAINER_STORE_FILESYSTEM_ROOT=/models \
  "${smoke_env[@]}" \
  -e QUARKUS_HTTP_PORT="$trainer_http" -e QUARKUS_MANAGEMENT_PORT="$trainer_mgmt" \
  -e STREAMTUNE_TRAINER_TRAINING_LAYERS=2 -e STREAMTUNE_TRAINER_TRAINING_MAX_LENGTH=64 \
  -e STREAMTUNE_TRAINER_TRAINING_EPOCHS=5 -e STREAMTUNE_TRAINER_TRAINING_LEARNING_RATE=2e-4 \
  "$trainer_image" >/dev/null

say "starting the inference container ..."
# model/inference/71-statefulset-inference.yaml + components hmac-signing, filesystem-store; dev overlay's 1 CPU, 2 Gi
"${podman[@]}" "${pod[@]}" --name st-smoke-inference --hostname streamtune-inference-0 --memory 2g \
  -v "$work/inference/config:/deployments/config:ro" \
  -v "$work/secrets/kafka-ca:/etc/streamtune/kafka-ca:ro" \
  -v "$work/secrets/jwt:/etc/streamtune/jwt:ro" \
  -v "$work/inference/tmp:/tmp" \
  -v "$work/models:/models:ro" \
  -e STREAMTUNE_MODEL_NAME="$model" \
  -e STREAMTUNE_INSTANCE=streamtune-inference-0 \
  -e SCRAM_JAAS_CONFIG="$scram_jaas" \
  -e CPU_REQUEST=1 -e JAVA_TOOL_OPTIONS=-XX:ActiveProcessorCount=1 \
  -e STREAMTUNE_ONNX_INTRA_OP_THREADS=1 -e STREAMTUNE_ONNX_INTER_OP_THREADS=1 -e OMP_NUM_THREADS=1 \
  -e JAVA_OPTS="-XX:MaxRAMPercentage=50 -Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true" \
  -e STREAMTUNE_SIGNING_ALGORITHM=hmac -e STREAMTUNE_SIGNING_KEY_ID=hmac-1 \
  -e STREAMTUNE_SIGNING_SECRET="$hmac_secret" \
  -e STREAMTUNE_STORE_FILESYSTEM_ROOT=/models \
  "${smoke_env[@]}" \
  -e QUARKUS_HTTP_PORT="$inference_http" -e QUARKUS_MANAGEMENT_PORT="$inference_mgmt" \
  "$inference_image" >/dev/null

await() { # url, what, seconds, container
  for _ in $(seq "$3"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    [[ "$("${podman[@]}" inspect -f '{{.State.Running}}' "$4" 2>/dev/null)" == true ]] \
      || { "${podman[@]}" logs --tail 40 "$4" >&2 || true; fail "$2 stopped"; }
    sleep 1
  done
  "${podman[@]}" logs --tail 40 "$4" >&2 || true
  fail "$2 did not come up in $3 s"
}
await "http://127.0.0.1:$inference_mgmt/q/health/started" "the inference service" 180 st-smoke-inference
mark "inference container started (waits for a model)" "$t"
await "http://127.0.0.1:$trainer_mgmt/q/health/ready" "the trainer" 300 st-smoke-trainer
mark "trainer container ready" "$t"

if "${podman[@]}" exec st-smoke-trainer sh -c 'echo x > /deployments/written' 2>/dev/null; then
  fail "the trainer's root filesystem is writable"
fi

# ---- traffic: examples -> training -> LIVE -> texts -> predictions (the demo's driver, exit code checked) ----
t=$(date +%s)
classpath="deploy/embedded-kafka/target/classes:common/target/classes:$(cat deploy/embedded-kafka/target/runtime-classpath.txt)"
say "traffic: 240 labelled tickets, a training run, 100 unseen tickets (log: $work/logs/traffic.log) ..."
if ! java -cp "$classpath" dev.streamtune.kafka.demo.DemoTraffic \
  --bootstrap-servers "127.0.0.1:$kafka_port" --trainer-url "http://127.0.0.1:$trainer_http" \
  --token-key "$work/jwt/jwt-private.pem" --model "$model" --examples 240 --texts 100 --timeout PT10M \
  2>&1 | tee "$work/logs/traffic.log"; then
  fail "the traffic driver failed"
fi
grep -q "demo OK" "$work/logs/traffic.log" || fail "the traffic driver did not report OK"
mark "examples -> model LIVE -> 100 texts classified" "$t"

# ---- the inference pod's own view: ready with the model, REST classify, committed predictions ----
curl -fsS "http://127.0.0.1:$inference_mgmt/q/health/ready" >/dev/null || fail "the inference service is not ready"
client_token=$(STREAMTUNE_JWT_KEY="$work/jwt/jwt-private.pem" deploy/local/token.sh --subject smoke --groups client)
answer=$(curl -fsS "http://127.0.0.1:$inference_http/classify" -H "Authorization: Bearer $client_token" \
  -H 'Content-Type: application/json' -d '{"texts": ["I was charged twice for my subscription"]}') \
  || fail "POST /classify failed"
say "POST /classify: $answer"
grep -q '"label"' <<<"$answer" || fail "POST /classify answered without a label"
if ! command -v kcat >/dev/null && [[ "${CI:-}" == true ]]; then
  # in CI the check by a client nobody here wrote is not optional
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat; } >&2 \
    || fail "kcat could not be installed"
fi
if command -v kcat >/dev/null; then
  committed=$(kcat -C -b "127.0.0.1:$kafka_port" -t streamtune.predictions -o beginning -e -q \
    -X isolation.level=read_committed -f '%k\n' | grep -c '^demo-text-' || true)
  live=$(kcat -C -b "127.0.0.1:$kafka_port" -t streamtune.models -o beginning -e -q -f '%k %s\n' \
    | grep -o "^$model {[^,]*,[^,]*,[^,]*" | tail -1 || true)
  say "kcat: $committed committed predictions on streamtune.predictions; last $model record: $live ..."
  ((committed >= 100)) || fail "kcat found $committed committed predictions, expected 100"
else
  say "kcat not installed (apt-get install -y kcat): topic check skipped"
fi

mark "total" "$t0"
say "timings:"
printf '  %s\n' "${timings[@]}"
say "container smoke test OK"
if [[ "$keep" == 1 ]]; then
  say "kept running (--keep): trainer :$trainer_http (management :$trainer_mgmt), inference :$inference_http" \
    "(management :$inference_mgmt), Kafka :$kafka_port; tokens: STREAMTUNE_JWT_KEY=$work/jwt/jwt-private.pem" \
    "deploy/local/token.sh --subject me --groups client; Ctrl+C stops everything"
  trap 'exit 0' INT TERM
  while true; do sleep 1; done
fi
