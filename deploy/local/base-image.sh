#!/usr/bin/env bash
# The local base image for the service images on a machine without a Docker daemon or a reachable registry: Debian
# bookworm (debootstrap, minbase) with openjdk-17-jre-headless, made into an image with buildah and written as
#   $STREAMTUNE_IMAGE_DIR/base-oci.tar      (oci-archive; for podman, buildah, skopeo)
#   $STREAMTUNE_IMAGE_DIR/base-docker.tar   (docker-archive; Jib's tar:// base reads only this layout)
# STREAMTUNE_IMAGE_DIR defaults to ~/.cache/streamtune/images (outside git). Idempotent: existing tars are reused
# (--rebuild makes them again; the debootstrapped rootfs is reused unless --clean). Prints the docker-archive's path
# last. Needs root (debootstrap, chroot) and Debian's packages; installs the tools it lacks with apt-get.
# Production images start from a real base instead (README "Images"); this one is for local builds and the
# container smoke test (deploy/local/container-smoke.sh).
set -euo pipefail

dir="${STREAMTUNE_IMAGE_DIR:-$HOME/.cache/streamtune/images}"
image=localhost/streamtune-base:bookworm-jre17
rebuild=0
clean=0
for a in "$@"; do
  case "$a" in
    --rebuild) rebuild=1 ;;
    --clean) rebuild=1 clean=1 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "base-image: unknown argument $a (--rebuild, --clean)" >&2; exit 2 ;;
  esac
done

oci="$dir/base-oci.tar"
docker="$dir/base-docker.tar"
if [[ "$rebuild" == 0 && -s "$oci" && -s "$docker" ]]; then
  echo "[base-image] reusing $oci" >&2
  echo "$docker"
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "[base-image] needs root (debootstrap, chroot)" >&2
  exit 1
fi

log() { echo "[base-image] $(date +%T) $*" >&2; }
start=$(date +%s)

tools=(debootstrap buildah umoci podman runc skopeo uidmap containernetworking-plugins conmon)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The Debian mirror apt already uses here (STREAMTUNE_DEBIAN_MIRROR overrides): the first source of "bookworm".
mirror="${STREAMTUNE_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }
    /^$/ { uri = "" }')
fi
if [[ -z "$mirror" ]]; then
  mirror=$(cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' || true)
fi
if [[ -z "$mirror" ]]; then
  echo "[base-image] no bookworm source in /etc/apt; set STREAMTUNE_DEBIAN_MIRROR" >&2
  exit 1
fi

mkdir -p "$dir"
rootfs="$dir/rootfs"
if [[ "$clean" == 1 ]]; then rm -rf "$rootfs"; fi
if [[ ! -f "$rootfs/.streamtune-rootfs-complete" ]]; then
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase bookworm from the mirror apt uses (about 2-3 min)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$dir/debootstrap.log" 2>&1 \
    || { tail -20 "$dir/debootstrap.log" >&2; exit 1; }

  # the same sources apt uses here (updates and security included), then the JRE
  rm -f "$rootfs/etc/apt/sources.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && cp "$f" "$rootfs${f}"
  done
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  mount -t proc proc "$rootfs/proc"
  mount --bind /dev "$rootfs/dev"
  trap 'umount "$rootfs/dev" 2>/dev/null || true; umount "$rootfs/proc" 2>/dev/null || true' EXIT
  log "installing openjdk-17-jre-headless in the rootfs (about 1 min)"
  chroot "$rootfs" /bin/sh -c '
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get upgrade -y -qq
    apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /usr/share/doc/* /usr/share/man/*
  ' >"$dir/chroot-install.log" 2>&1 || { tail -20 "$dir/chroot-install.log" >&2; exit 1; }
  umount "$rootfs/dev" "$rootfs/proc"
  trap - EXIT
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  : >"$rootfs/etc/resolv.conf"
  touch "$rootfs/.streamtune-rootfs-complete"
fi

java_home=$(dirname "$(dirname "$(readlink -f "$rootfs/usr/bin/java" | sed "s|^$rootfs||")")")
[[ -x "$rootfs$java_home/bin/java" ]] || { echo "[base-image] no java in the rootfs" >&2; exit 1; }
jre_version=$(chroot "$rootfs" dpkg-query -W -f='${Version}' openjdk-17-jre-headless)

# buildah keeps its storage in the work folder, away from the machine's own
buildah=(buildah --root "$dir/storage" --runroot "$dir/run")
log "making the image $image (openjdk-17-jre-headless $jre_version)"
ctr=$("${buildah[@]}" from scratch)
mnt=$("${buildah[@]}" mount "$ctr")
tar -C "$rootfs" --exclude=./.streamtune-rootfs-complete -cf - . | tar -C "$mnt" -xf -
"${buildah[@]}" umount "$ctr" >/dev/null
"${buildah[@]}" config \
  --env JAVA_HOME="$java_home" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env LANG=C.UTF-8 \
  --label org.opencontainers.image.title=streamtune-base \
  --label org.opencontainers.image.description="Debian bookworm minbase + openjdk-17-jre-headless $jre_version" \
  --cmd /bin/sh "$ctr"
"${buildah[@]}" commit --quiet --rm "$ctr" "$image" >/dev/null

rm -f "$oci.tmp" "$docker.tmp"
"${buildah[@]}" push --quiet "$image" "oci-archive:$oci.tmp:$image"
"${buildah[@]}" push --quiet "$image" "docker-archive:$docker.tmp:$image"
mv "$oci.tmp" "$oci"
mv "$docker.tmp" "$docker"
"${buildah[@]}" rmi "$image" >/dev/null

log "done in $(($(date +%s) - start)) s: $oci ($(du -h "$oci" | cut -f1)), $docker"
echo "$docker"
