#!/bin/sh
# collect-runtime ROOT EXECUTABLE…: lays out in ROOT what the executables need to run and
# nothing else, for an image FROM scratch (deploy/Dockerfile): each executable in
# /usr/local/bin, the shared libraries ldd says it loads (libpq and what libpq needs, glibc,
# libstdc++; the Swift runtime is linked in statically), the dynamic loader, the CA
# certificates, bash for the health check, and users root and erp (10001). Runs in a Debian
# stage that has them installed; the layout is Debian's merged /usr.
set -eu
root=$1
shift
libs=usr/lib/x86_64-linux-gnu
mkdir -p "$root/usr/local/bin" "$root/usr/bin" "$root/$libs" "$root/usr/lib64" "$root/tmp" \
  "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
for executable in "$@"; do cp "$executable" "$root/usr/local/bin/"; done
cp /bin/bash "$root/usr/bin/bash"
for file in "$@" /bin/bash; do ldd "$file"; done \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u | while read -r library; do
  cp -L "$library" "$root/$libs/$(basename "$library")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/usr/lib64/"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp /etc/nsswitch.conf "$root/etc/"
printf 'root:x:0:0::/:/usr/sbin/nologin\nerp:x:10001:10001::/nonexistent:/usr/sbin/nologin\n' \
  > "$root/etc/passwd"
printf 'root:x:0:\nerp:x:10001:\n' > "$root/etc/group"
