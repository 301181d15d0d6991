#!/usr/bin/env bash
# Development bearer tokens for the Streamtune services (README "Security"); not for production, where tokens come
# from your identity provider.
#
#   deploy/local/token.sh --subject alice --groups operator      # a token signed with the demo's key (.demo/jwt)
#   deploy/local/token.sh --subject app-1 --groups client --ttl PT1H
#   deploy/local/token.sh keys --dir DIR                         # a new key pair: DIR/jwt-private.pem, jwt-public.pem
#   deploy/local/token.sh mint --key DIR/jwt-private.pem --subject ... --groups ... [--issuer ...] [--audience ...]
#
# Roles (the token's "groups" claim): operator (train, promote, roll back), viewer (read trainer status and models),
# client (POST /classify). The token is printed alone on stdout, e.g. curl -H "Authorization: Bearer $(...)".
set -euo pipefail
cd "$(dirname "$0")/../.."

module=deploy/embedded-kafka
classpath_file=$module/target/runtime-classpath.txt
if [[ ! -f "$classpath_file" || ! -d "$module/target/classes" ]]; then
  ./mvnw -B -q -pl "$module" -am package dependency:build-classpath \
    -Dmaven.test.skip=true -Dspotless.check.skip=true \
    -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime >&2
fi

case "${1:-}" in
  keys | mint | -h | --help | -V | --version) args=("$@") ;;
  *) args=(mint --key "${STREAMTUNE_JWT_KEY:-.demo/jwt/jwt-private.pem}" "$@") ;;
esac

exec java -cp "$module/target/classes:$(cat "$classpath_file")" dev.streamtune.kafka.token.DevToken "${args[@]}"
