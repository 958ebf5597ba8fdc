#!/usr/bin/env bash
# `make containers`: the system built and run in containers here, with podman, where no image
# registry is reachable (deploy/README.md says what each step proves and what podman lacks).
#   1. podman (runc, default_ulimits = [] in /etc/containers/containers.conf), debootstrap and
#      podman-compose are installed when missing;
#   2. the release binaries are built once on the host (ERP_CONTAINERS_BIN names a folder that
#      has them already), a Debian bookworm base image is made with debootstrap, and every
#      service's image is built from deploy/Dockerfile with the local images and binaries as
#      build arguments; the images' size, user, libraries and packages are checked;
#   3. deploy/compose.yaml is started (podman-compose) in its dependency order, each stage
#      once the one before is healthy; the tenant is provisioned with the image's erpctl; a
#      partner's order to cash runs through the gateway's container (erpctl smoke, from the
#      erpctl image on the compose network); PgBouncer is
#      shown to carry the services' connections in transaction mode;
#   4. one service's process is killed, the restart policy brings it back, and the system
#      answers again;
#   5. the single-node Kubernetes overlay, rendered by kubectl kustomize, runs with
#      podman kube play (next to a PostgreSQL container), each pod live and ready;
#   6. everything is torn down. The last line is `containers: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
work=.build/containers
mkdir -p "$work"
tools=.build/deploy-tools
base_image=localhost/erp-debian:bookworm-slim
postgres_image=localhost/erp-postgres:15
services=(finance customers supplychain hr sales gateway)
products=(erp-finance erp-customers erp-supplychain erp-hr erp-sales erp-gateway erpctl)
size_limit=$((120 * 1000 * 1000))
passed=0
failed=0

pass() { echo "ok    $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
# check NAME COMMAND…: one counted check; the command's output goes to $work/checks.log.
check() {
  local name=$1
  shift
  if "$@" >> "$work/checks.log" 2>&1; then pass "$name"; else fail "$name"; fi
}
elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }
finish() {
  teardown
  echo "time: $(elapsed)"
  echo "containers: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
}
die() {
  fail "$*"
  finish
}
random_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

compose() { "$tools/bin/podman-compose" -f deploy/compose.yaml "$@"; }
teardown() {
  [ -n "${torn_down:-}" ] && return
  torn_down=1
  echo "== teardown"
  compose down -v > "$work/down.log" 2>&1
  if [ -e "$work/kube.yaml" ]; then podman kube down "$work/kube.yaml" > /dev/null 2>&1; fi
  podman rm -f erp-kube-postgres > /dev/null 2>&1
  podman secret rm erp-secret > /dev/null 2>&1
  podman network rm -f erp-kube > /dev/null 2>&1
  podman volume rm -f erp-kube-pgdata > /dev/null 2>&1
  local left
  left=$(podman ps -a --format '{{.Names}}' | grep -c '^erp' || true)
  echo "containers left: $left"
}
trap 'echo interrupted; finish' INT TERM

# --- 1. the tools ---------------------------------------------------------------------------
echo "== tools"
missing=""
for package in podman runc netavark aardvark-dns iptables debootstrap python3-venv; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null \
    || die "apt-get install$missing"
fi
conf=/etc/containers/containers.conf
if ! grep -q '^default_ulimits *= *\[\]' "$conf" 2>/dev/null; then
  [ -e "$conf" ] && die "$conf exists without 'default_ulimits = []' under [containers]; add it"
  # This kernel refuses podman's default ulimits, and crun the hybrid cgroup layout.
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > "$conf"
  echo "wrote $conf"
fi
if [ ! -x "$tools/bin/podman-compose" ]; then
  [ -x "$tools/bin/pip" ] || python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check podman-compose==1.6.0 pyyaml \
    || die "pip install podman-compose"
fi
echo "podman $(podman version --format '{{.Client.Version}}'), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), $("$tools/bin/podman-compose" version 2>/dev/null | tail -1)"


# --- 2. binaries and images -----------------------------------------------------------------
echo "== release binaries"
bin=${ERP_CONTAINERS_BIN:-}
if [ -z "$bin" ]; then
  # ERP_CONTAINERS_SCRATCH: a release build folder kept between clones (incremental).
  scratch=${ERP_CONTAINERS_SCRATCH:-.build-containers}
  for product in "${products[@]}"; do
    ${SWIFT:-swift} build -c release --static-swift-stdlib --scratch-path "$scratch" \
      --product "$product" > "$work/build-$product.log" 2>&1 \
      || { tail -30 "$work/build-$product.log"; die "swift build $product"; }
    echo "$product built at $(elapsed)"
  done
  bin=$scratch/release
fi
# One folder per binary, so that each image's build copies only its own.
rm -rf deploy/prebuilt
for product in "${products[@]}"; do
  mkdir -p "deploy/prebuilt/$product" && cp "$bin/$product" "deploy/prebuilt/$product/" \
    && strip "deploy/prebuilt/$product/$product" || die "copy $product"
done
echo "built in $(elapsed): $(du -sh deploy/prebuilt | cut -f1) stripped"

echo "== images"
images_started=$SECONDS
deploy/images/base.sh "$base_image" || die "base image"
build() {
  local tag=$1 log=$work/build-${1//[\/:]/_}.log
  shift
  podman build --format docker -f "$@" -t "$tag" . > "$log" 2>&1 \
    || { tail -20 "$log"; return 1; }
}
for service in "${services[@]}"; do
  check "image erp-$service built" build "localhost/erp-$service:latest" deploy/Dockerfile \
    --build-arg SERVICE="$service" --build-arg BUILD_IMAGE="$base_image" \
    --build-arg RUNTIME_IMAGE="$base_image" --build-arg PREBUILT="deploy/prebuilt/erp-$service"
done
check "image erp-erpctl built" build localhost/erp-erpctl:latest deploy/Dockerfile \
  --target erpctl --build-arg BUILD_IMAGE="$base_image" --build-arg RUNTIME_IMAGE="$base_image" \
  --build-arg PREBUILT=deploy/prebuilt/erpctl
check "image erp-pgbouncer built" build localhost/erp-pgbouncer:latest \
  deploy/pgbouncer/Dockerfile --build-arg BASE_IMAGE="$base_image"
check "image erp-postgres (the postgres:15 stand-in) built" build "$postgres_image" \
  deploy/postgres/Dockerfile --build-arg BASE_IMAGE="$base_image"
echo "images built in $((SECONDS - images_started)) s (script at $(elapsed))"

# Every file of an image (podman export of a container made from it, not started).
image_files() {
  local container
  container=$(podman create "$1") || return 1
  podman export "$container" | tar -t | grep -v '/$'
  podman rm "$container" > /dev/null
}
hygiene() {
  local image=localhost/erp-$1:latest executable=$2 needs=$3 size user files others
  size=$(podman image inspect --format '{{.Size}}' "$image") || return 1
  user=$(podman image inspect --format '{{.Config.User}}' "$image")
  files=$(image_files "$image") || return 1
  # Anything beyond the executable, bash, shared libraries, the loader, CA certificates and
  # the passwd, group and nsswitch files.
  others=$(grep -v -E "^(usr/local/bin/$executable|usr/bin/bash|usr/lib/x86_64-linux-gnu/lib[^/]+\.so[.0-9]*|usr/lib64/ld-linux-x86-64\.so\.2|etc/ssl/certs/ca-certificates\.crt|etc/(passwd|group|nsswitch\.conf)|bin|lib|lib64)$" <<< "$files")
  echo "erp-$1: $size bytes, user $user, $(wc -l <<< "$files") files; libraries:" \
    $(grep -o 'lib[^/]*\.so[.0-9]*$' <<< "$files" | tr '\n' ' ')
  [ -z "$others" ] || echo "  unexpected: $others"
  [ "$size" -lt "$size_limit" ] && [ "$user" = 10001 ] && [ -z "$others" ] \
    && grep -q "$needs" <<< "$files" && ! grep -q -E 'libswift|libxml2|libicu' <<< "$files" \
    && grep -q 'ca-certificates.crt$' <<< "$files"
}
for service in "${services[@]}"; do
  check "image erp-$service: < 120 MB, user 10001, only its executable, libpq and what it loads, CA certificates, bash" \
    hygiene "$service" erp-service 'libpq.so.5$'
done
check "image erp-erpctl: < 120 MB, user 10001, only erpctl and what it loads, CA certificates, bash" \
  hygiene erpctl erpctl 'usr/local/bin/erpctl$'
grep -A1 '^erp-gateway: ' "$work/checks.log" | tail -2

# --- 3. the compose system ------------------------------------------------------------------
echo "== compose up"
export ERP_SERVICE_SECRET ERP_OPERATOR_TOKEN ERP_DB_PASSWORD
ERP_SERVICE_SECRET=$(random_hex)
ERP_OPERATOR_TOKEN=$(random_hex)
ERP_DB_PASSWORD=$(random_hex)
# The gateway's three doors published on free host ports: the defaults (7100, 7200, 7300) may be
# taken by a `make run` here, and are what the Kubernetes pods below publish while compose is up.
free_port() {
  "$tools/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
export ERP_GATEWAY_PORT ERP_GATEWAY_HTTP2_PORT ERP_GATEWAY_JSON_PORT
ERP_GATEWAY_PORT=$(free_port)
ERP_GATEWAY_HTTP2_PORT=$(free_port)
ERP_GATEWAY_JSON_PORT=$(free_port)
export ERP_POSTGRES_IMAGE=$postgres_image ERP_BASE_IMAGE=$base_image
export ERP_BUILD_IMAGE=$base_image ERP_RUNTIME_IMAGE=$base_image ERP_PREBUILT=deploy/prebuilt
compose down -v > /dev/null 2>&1

# Waits until the container's health check passes (podman runs health checks from systemd
# timers, and there is no systemd here: `podman healthcheck run` runs it, and records it).
wait_healthy() {
  local container=$1 deadline=$((SECONDS + ${2:-180}))
  until podman healthcheck run "$container" > /dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}
# Compose's order: podman 4.3 lacks `podman wait --condition=healthy`, so podman-compose
# ignores `condition: service_healthy`; each stage starts once the one before is healthy.
compose_started=$SECONDS
for stage in "postgres" "pgbouncer" "finance customers" "supplychain hr" "sales" "gateway"; do
  compose up -d $stage >> "$work/up.log" 2>&1 || { tail -20 "$work/up.log"; die "compose up $stage"; }
  for service in $stage; do
    check "compose: $service healthy" wait_healthy "erp_${service}_1"
  done
done
echo "compose up to all healthy: $((SECONDS - compose_started)) s (script at $(elapsed))"
readonly_root() {
  for service in "${services[@]}" pgbouncer; do
    [ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "erp_${service}_1")" = true ] \
      || return 1
  done
}
check "compose: services and PgBouncer run with a read-only root filesystem" readonly_root

# The job runs again on failure (compose's `on-failure:5`): done when it exits 0.
tenant() {
  compose up -d demo-tenant > /dev/null 2>&1
  local deadline=$((SECONDS + 180))
  until [ "$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' erp_demo-tenant_1)" = "exited 0" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { podman logs erp_demo-tenant_1; return 1; }
    sleep 1
  done
  echo "demo-tenant job: $(podman inspect --format '{{.RestartCount}}' erp_demo-tenant_1) restarts"
  podman logs erp_demo-tenant_1 | tee /dev/stderr | grep -qi '^demo: .*active'
}
check "tenant demo provisioned by the image's erpctl (compose job demo-tenant)" tenant
# erpctl's own image on the compose network, calling the gateway's container by name.
erpctl() { podman run --rm --network erp_default "$@"; }
issued=$(erpctl -e ERP_OPERATOR_TOKEN localhost/erp-erpctl keys issue demo --name smoke \
  --address gateway:7100 --scopes customers:write,sales:write,finance:write,supplychain:write,hr:write 2>&1)
key=$(sed -n 's/^key .* for demo: //p' <<< "$issued")
[ -n "$key" ] && pass "partner key issued with the image's erpctl through the gateway" \
  || fail "partner key: $issued"

smoke() {
  local output
  output=$(erpctl -e ERP_API_KEY="$key" localhost/erp-erpctl smoke --address gateway:7100 2>&1)
  local status=$?
  sed 's/^/      /' <<< "$output"
  [ "$status" = 0 ] && grep -q '^smoke: passed' <<< "$output" && return
  # What the services said about it: kept for diagnosis (the containers go at teardown).
  for service in gateway "${services[@]}"; do
    echo "== $service" && podman logs --tail 200 "erp_${service}_1" 2>&1
  done > "$work/smoke-failure-$SECONDS.log"
  echo "      (the services' logs: $work/smoke-failure-$SECONDS.log)"
  return 1
}
echo "-- partner smoke test: erpctl's container through the gateway's container"
if smoke; then pass "smoke: Arabic customer, order to cash, Customer360, trial balance"; else
  fail "smoke test"; fi
pools() {
  podman exec -e PGPASSWORD="$ERP_DB_PASSWORD" erp_postgres_1 \
    psql -h pgbouncer -p 6432 -U postgres -d pgbouncer -c 'SHOW POOLS' > "$work/pools.txt" || return 1
  cat "$work/pools.txt"
  for service in "${services[@]}"; do
    grep -q "erp_$service .*transaction" "$work/pools.txt" || return 1
  done
}
check "PgBouncer carries every service's database in transaction mode (SHOW POOLS)" pools

# --- 4. a service killed and brought back ---------------------------------------------------
echo "== kill finance"
restarts=$(podman inspect --format '{{.RestartCount}}' erp_finance_1)
kill -9 "$(podman inspect --format '{{.State.Pid}}' erp_finance_1)"
killed_at=$SECONDS
restarted() {
  local deadline=$((SECONDS + 120))
  until [ "$(podman inspect --format '{{.RestartCount}}' erp_finance_1)" -gt "$restarts" ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
  wait_healthy erp_finance_1 120
}
check "finance killed (SIGKILL) and restarted by its restart policy, healthy again" restarted
echo "finance back in $((SECONDS - killed_at)) s (restart count $(podman inspect --format '{{.RestartCount}}' erp_finance_1))"
echo "-- the smoke test again, after the restart"
if smoke; then pass "system answers again after the restart (order to cash through finance)"; else
  fail "smoke test after the restart"; fi

echo "== image sizes"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep 'localhost/erp-' | sort \
  | sed 's/^/  /'

# --- 5. the Kubernetes overlay under podman kube play ---------------------------------------
echo "== podman kube play of the single-node overlay"
kubectl=$(command -v kubectl || echo "$tools/kubectl-1.20/usr/bin/kubectl")
kube() {
  "$kubectl" kustomize deploy/k8s/overlays/single-node > "$work/rendered.yaml" || return 1
  # podman 4.3 turns a Secret object into a secret it cannot read back: the Secret is made a
  # podman secret (JSON of base64 values, what kube play's secretKeyRef reads) with fresh values.
  "$tools/bin/python" - "$work/rendered.yaml" "$work/kube.yaml" "$work/secret.json" <<'PY'
import base64, json, os, sys, yaml
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
secret = next(d for d in documents if d["kind"] == "Secret")
values = {k: os.environ[k] for k in ["ERP_SERVICE_SECRET", "ERP_OPERATOR_TOKEN", "ERP_DB_PASSWORD"]}
assert set(values) == set(secret["stringData"]), secret["stringData"].keys()
json.dump({k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
          open(sys.argv[3], "w"))
yaml.safe_dump_all([d for d in documents if d["kind"] != "Secret"], open(sys.argv[2], "w"))
PY
  podman secret create erp-secret "$work/secret.json" > /dev/null || return 1
  podman network create erp-kube > /dev/null || return 1
  # PostgreSQL where the manifests expect it: the name `postgres` on the pods' network. podman
  # 4.3 does not expand $(ERP_DB_PASSWORD) inside ERP_DATABASE_URL as Kubernetes does: the
  # services send that text itself as the password, so this PostgreSQL is given it as its own.
  podman run -d --name erp-kube-postgres --network erp-kube --network-alias postgres \
    -e POSTGRES_PASSWORD='$(ERP_DB_PASSWORD)' -v erp-kube-pgdata:/var/lib/postgresql/data \
    -v "$PWD/deploy/postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro" \
    "$postgres_image" postgres -c timezone=UTC > /dev/null || return 1
  local deadline=$((SECONDS + 60))
  until podman exec erp-kube-postgres pg_isready -q -U postgres -h 127.0.0.1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
  podman kube play --network erp-kube "$work/kube.yaml" 2>&1 | grep -v systemd
}
check "kubectl kustomize rendered the overlay; podman kube play started it" kube
http_status() {
  podman exec "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$2 && printf 'GET $3 HTTP/1.0\r\n\r\n' >&3 && read -r line <&3 && echo \"\$line\""
}
ready() {
  local container=$1 port=$2 deadline=$((SECONDS + 90))
  until http_status "$container" "$port" /readyz | grep -q ' 200 '; do
    [ "$SECONDS" -lt "$deadline" ] || { http_status "$container" "$port" /readyz; return 1; }
    sleep 1
  done
}
declare -A ops_port=([finance]=8103 [customers]=8101 [supplychain]=8104 [hr]=8105 [sales]=8102 [gateway]=8100)
# podman 4.3 turns the httpGet liveness probe into `curl -f http://localhost:0/healthz` (the
# named port unresolved, and no curl in the image), which fails and gets the container killed:
# so what is checked is that each pod's service answers its readiness probe (/readyz: its
# database reached and migrated) between those restarts (deploy/README.md).
for service in "${services[@]}"; do
  container="$service-pod-0-$service"
  check "kube play: pod $service-pod-0 made, its service ready (/readyz 200)" \
    ready "$container" "${ops_port[$service]}"
done
podman ps --filter name=-pod-0 --format '  {{.Names}}  {{.Status}}' | grep -v infra

finish
