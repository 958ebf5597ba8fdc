#!/bin/sh
# Writes PgBouncer's configuration from the environment into /tmp (the root filesystem may be
# read-only) and runs it in the foreground. Transaction pooling: a server connection belongs to
# a client for one transaction only, which the store's SET LOCAL tenancy is designed for (and
# why it runs unnamed statements behind a pooler: Shared/ERPStore/PostgresConnection.swift).
set -eu
: "${ERP_DB_PASSWORD:?set ERP_DB_PASSWORD}"
dir=$(mktemp -d /tmp/pgbouncer.XXXXXX)
# PgBouncer's own resolver (c-ares) timed out against podman's DNS for the server's name
# ("bad-af", connect timeout), so the name is resolved here, once, with the system resolver.
host=${POSTGRES_HOST:-postgres}
address=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
printf '"postgres" "%s"\n' "$ERP_DB_PASSWORD" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=${address:-$host} port=5432 user=postgres password=${ERP_DB_PASSWORD}

[pgbouncer]
pool_mode = transaction
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
admin_users = postgres
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
INI
chmod 600 "$dir/userlist.txt" "$dir/pgbouncer.ini"
exec pgbouncer "$dir/pgbouncer.ini"
