#!/usr/bin/env bash
# Builds the service images on a machine without a Docker daemon or a reachable registry: the local Debian base
# (deploy/local/base-image.sh, reused when present) and the Maven build with -Pimages on it (Jib, tar:// base).
#
#   deploy/local/images.sh [more Maven arguments]
#
# Writes docker-archive tars (load them with podman/docker load, copy them anywhere with skopeo):
#   inference-service/target/inference-service-<version>.tar     image streamtune/inference-service:<version>
#   trainer-service/target/trainer-service-<version>-cpu.tar     image streamtune/trainer-service:<version>-cpu
# <version> is the project version without -SNAPSHOT. With a registry, build on production's bases instead:
# ./mvnw -B -Pimages package -DskipTests (README "Images").
set -euo pipefail
cd "$(dirname "$0")/../.."

base=$(deploy/local/base-image.sh)
start=$(date +%s)
./mvnw -B -ntp -q -Pimages package -DskipTests -Dspotless.check.skip=true -Djib.from.image="tar://$base" "$@"
echo "[images] built in $(($(date +%s) - start)) s on $base:" >&2
ls -1 inference-service/target/inference-service-*.tar trainer-service/target/trainer-service-*.tar >&2
