#!/usr/bin/env bash
# The whole pipeline on this machine: a KRaft broker with the Streamtune topics, the trainer and the inference
# service (as built jars), and demo traffic: labelled support tickets -> a fine-tuned 2-layer MiniLM published as a
# signed model -> hot-loaded by the inference service -> unseen tickets classified exactly once, malformed ones in the
# DLQ. Everything stays up afterwards until Ctrl+C (--exit to stop when the traffic is done).
#
#   deploy/local/demo.sh [--exit] [demo options, e.g. --examples 800 --texts 300; see --help]
#
# State lives in .demo/ (broker data, trainer work dir, models, signing secret, the development token key pair in
# .demo/jwt): a second run reuses it, the trainer publishes the next version and the inference service swaps to it.
# rm -rf .demo for a clean start. Both REST APIs need bearer tokens: deploy/local/token.sh signs them with the demo's
# key (README "Security").
# Ports: Kafka 9092 (controller 9093), trainer 8080 (management: health, metrics, OpenAPI on 9000), inference 8081
# (management 9001). Logs: .demo/logs/.
# STREAMTUNE_SKIP_BUILD=1 reuses the last build.
#
# On real data: deploy/local/demo.sh --real [--exit] (or --scenario spamassassin; the default is --scenario tickets)
# streams SpamAssassin emails (npm corpus, converted by trainer-service/bin/spamassassin.sh into .cache/) through the
# same services with the streamtune command line: v1 trained with a progress bar, a held-out stream scored live
# against its labels, then a shift to mostly spam that raises a drift alert, the trainer retrains on it and the
# inference service swaps while the stream flows; a closing table and the model console's URL. It always starts from
# a clean .demo/spamassassin (its own broker data, models and logs; the signing secret and token keys are shared).
# Needs curl, jq and python3. Its sizes, rates and short drift settings are the sa_* / DEMO_* variables below.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
started_at=$(date +%s)
state="$root/.demo"
jwt_dir="$state/jwt"
secret_file="$state/signing-secret"

exit_after=0
scenario=tickets
args=()
while (($#)); do
  case "$1" in
    --exit) exit_after=1 ;;
    --real) scenario=spamassassin ;;
    --scenario) scenario="$2"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
case "$scenario" in
  tickets | spamassassin) ;;
  *) echo "[demo] unknown scenario '$scenario' (tickets or spamassassin)" >&2; exit 2 ;;
esac

# the services' training settings (DEMO_* override them); the real scenario's data sizes, pacing and its short drift
# settings (a demo needs alerts within a minute, production keeps the 5-minute windows and 3-window runs)
sa_examples="${DEMO_EXAMPLES:-400}" sa_heldout="${DEMO_HELDOUT:-300}" sa_shift_texts="${DEMO_SHIFT_TEXTS:-1200}"
sa_shift_examples="${DEMO_SHIFT_EXAMPLES:-150}" sa_spam_share="${DEMO_SPAM_SHARE:-0.9}" sa_rate="${DEMO_RATE:-5}"
sa_drift_window="${DEMO_DRIFT_WINDOW:-15s}" sa_drift_windows="${DEMO_DRIFT_WINDOWS:-2}"
sa_after_swap=20 sa_train_timeout=600 sa_shift_timeout=600
sa_max_length="${DEMO_MAX_LENGTH:-64}" sa_epochs="${DEMO_EPOCHS:-3}"
trainer_opts=(-Dstreamtune.trainer.training.max-length=64 -Dstreamtune.trainer.training.epochs=5
  -Dstreamtune.trainer.training.learning-rate=2e-4)
inference_opts=()
if [[ "$scenario" == spamassassin ]]; then
  for tool in curl jq python3; do
    command -v "$tool" >/dev/null || { echo "[demo] --real needs $tool" >&2; exit 2; }
  done
  state="$root/.demo/spamassassin"
  rm -rf "$state"
  trainer_opts=(-Dstreamtune.trainer.training.max-length="$sa_max_length"
    -Dstreamtune.trainer.training.epochs="$sa_epochs" -Dstreamtune.trainer.training.learning-rate=2e-4
    -Dstreamtune.trainer.triggers.drift-cooldown=PT10M -Dstreamtune.trainer.gate.tolerance=0.03)
  inference_opts=(-Dstreamtune.drift.window="$sa_drift_window" -Dstreamtune.drift.grace=2s
    -Dstreamtune.drift.min-count=30 -Dstreamtune.drift.consecutive-windows="$sa_drift_windows")
fi
mkdir -p "$state/logs"

if [[ "${STREAMTUNE_SKIP_BUILD:-0}" != 1 ]]; then
  echo "[demo] building (./mvnw package, tests skipped) ..."
  # -DskipTests, not maven.test.skip: the services' test scope needs common's test jar to resolve
  ./mvnw -B -q package dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
    -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime
fi

# one signing secret for this demo's trainer and inference service, kept with the models it signed
mkdir -p "$(dirname "$secret_file")"
if [[ ! -s "$secret_file" ]]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=+/' > "$secret_file")
fi
secret="$(cat "$secret_file")"

# a development key pair for bearer tokens: the services trust the public key, token.sh and the demo sign with the
# private one (kept across runs, like the secret)
java -cp "deploy/embedded-kafka/target/classes:$(cat deploy/embedded-kafka/target/runtime-classpath.txt)" \
  dev.streamtune.kafka.token.DevToken keys --dir "$jwt_dir" --keep
export MP_JWT_VERIFY_PUBLICKEY_LOCATION="$jwt_dir/jwt-public.pem"

pids=()
cleanup() {
  echo "[demo] stopping ..."
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() { # url, what, seconds (curl when present, else only the port)
  local hostport="${1#http://}"; hostport="${hostport%%/*}"
  for _ in $(seq "$3"); do
    if command -v curl >/dev/null; then
      if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    elif (exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}") 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  echo "[demo] $2 did not come up; see $state/logs" >&2
  exit 1
}

if [[ "$scenario" == spamassassin ]]; then
  source deploy/local/demo-spamassassin.sh
  # the BERT command line's class path is the trainer's runtime class path, which the build above just wrote
  if [[ ! -s trainer-service/target/bert-cli.classpath ]]; then
    cp trainer-service/target/runtime-classpath.txt trainer-service/target/bert-cli.classpath
  fi
  STREAMTUNE_SKIP_BUILD=1 spamassassin_data
fi

logs="${state#"$root"/}/logs"
echo "[demo] starting Kafka (logs: $logs/kafka.log) ..."
STREAMTUNE_SKIP_BUILD=1 deploy/local/kafka.sh --data-dir "$state/kafka" >"$state/logs/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  if grep -q "ready" "$state/logs/kafka.log" 2>/dev/null; then break; fi
  sleep 1
done

export OMP_WAIT_POLICY=PASSIVE THP_MEM_ALLOC_ENABLE=1
echo "[demo] starting the trainer on :8080 (logs: $logs/trainer.log) ..."
STREAMTUNE_TRAINER_SIGNING_HMAC_SECRET="$secret" java -Xmx3g \
  -Dkafka.bootstrap.servers=localhost:9092 -Dquarkus.http.port=8080 -Dquarkus.management.port=9000 \
  -Dstreamtune.trainer.work-dir="$state/trainer" \
  -Dstreamtune.trainer.store.filesystem.root="$state/models" \
  -Dstreamtune.trainer.triggers.automatic=false \
  -Dstreamtune.trainer.training.layers="${DEMO_LAYERS:-2}" \
  "${trainer_opts[@]}" \
  -jar trainer-service/target/quarkus-app/quarkus-run.jar >"$state/logs/trainer.log" 2>&1 &
pids+=($!)

echo "[demo] starting the inference service on :8081 (logs: $logs/inference.log) ..."
STREAMTUNE_SIGNING_SECRET="$secret" java -Xmx2g \
  -Dkafka.bootstrap.servers=localhost:9092 -Dquarkus.http.port=8081 -Dquarkus.management.port=9001 \
  -Dstreamtune.model.cache-dir="$state/inference-cache" \
  -Dstreamtune.store.filesystem.root="$state/models" \
  ${inference_opts[@]+"${inference_opts[@]}"} \
  -jar inference-service/target/quarkus-app/quarkus-run.jar >"$state/logs/inference.log" 2>&1 &
pids+=($!)

wait_for http://localhost:9000/q/health/ready "the trainer" 180
wait_for http://localhost:9001/q/health/live "the inference service" 180

if [[ "$scenario" == spamassassin ]]; then
  spamassassin_scenario
else
  java -cp "deploy/embedded-kafka/target/classes:common/target/classes:$(cat deploy/embedded-kafka/target/runtime-classpath.txt)" \
    dev.streamtune.kafka.demo.DemoTraffic --trainer-url http://localhost:8080 --token-key "$jwt_dir/jwt-private.pem" \
    ${args[@]+"${args[@]}"}
fi

sample='my parcel never arrived'
[[ "$scenario" == spamassassin ]] && sample='Claim your FREE vacation now, limited offer!'
cat <<TXT
[demo] try (tokens signed with the demo's key; roles: operator, viewer, client):
  client=\$(deploy/local/token.sh --subject me --groups client)
  curl -s localhost:8081/classify -H "Authorization: Bearer \$client" -H 'Content-Type: application/json' \\
    -d '{"texts": ["$sample"]}'
  operator=\$(deploy/local/token.sh --subject me --groups operator)
  curl -s localhost:8080/trainer/status -H "Authorization: Bearer \$operator"   # dataset, runs, champion
  curl -s -XPOST localhost:8080/trainer/train -H "Authorization: Bearer \$operator" \\
    -H 'Content-Type: application/json' -d '{"reason": "try it"}'                # retrain -> hot swap (audited)
  curl -s localhost:9001/q/metrics | grep streamtune                            # management port: no token
TXT
echo "[demo] $((($(date +%s) - started_at) / 60)) min $((($(date +%s) - started_at) % 60)) s since the script started"
if [[ "$exit_after" == 1 ]]; then exit 0; fi
echo "[demo] running; Ctrl+C stops everything"
wait
