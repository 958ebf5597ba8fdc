#!/usr/bin/env bash
# Makes the local base image that stands in for debian:bookworm-slim where no registry is
# reachable: debootstrap's minbase of Debian bookworm, slimmed as the official slim image is
# (no documentation, manual pages, locales or apt lists), imported into podman.
#   deploy/images/base.sh [IMAGE]        (default localhost/erp-debian:bookworm-slim)
# Kept when the image exists already (remove it to make it again). Needs root and debootstrap.
set -euo pipefail
image=${1:-localhost/erp-debian:bookworm-slim}
if podman image exists "$image"; then
  echo "base image $image: exists"
  exit 0
fi
root=$(mktemp -d /var/tmp/erp-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base image $image: debootstrap --variant=minbase bookworm (a few minutes)"
debootstrap --variant=minbase bookworm "$root" > "$root.log" 2>&1 || {
  tail -20 "$root.log"
  exit 1
}
rm -f "$root.log"
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
# What the slim image keeps out of later installs too.
cat > "$root/etc/dpkg/dpkg.cfg.d/erp-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
cat > "$root/etc/apt/apt.conf.d/erp-slim" <<'CFG'
APT::Install-Recommends "false";
Dpkg::Options { "--force-unsafe-io"; };
CFG
tar -C "$root" --numeric-owner -c . | podman import \
  --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" > /dev/null
echo "base image $image: $(podman image inspect --format '{{.Size}}' "$image") bytes"
