"""Starts each service executable (the debug build) with exactly the environment
deploy/compose.yaml gives its container: the env_file, then `environment` with ${…} filled in
from the values below, except that the database host (`pgbouncer` in compose) becomes a private PostgreSQL
started here, and that the ports (each container's own in compose) become free loopback ports,
the peers' addresses with them, so the check runs beside `make run` or anything else listening.
Each must answer /readyz on its ops port.

PostgreSQL runs as the `postgres` user, which may not be able to enter the checkout (a clone in
a folder only root may enter): it is given nothing from there; init.sql goes in on stdin."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import yaml

BIN = "/usr/lib/postgresql/15/bin"
VALUES = {
    "ERP_DB_PASSWORD": "erp",
    "ERP_SERVICE_SECRET": "deploy-check-secret-0123456789",
    "ERP_OPERATOR_TOKEN": "deploy-check-operator",
}


def substitute(text):
    def one(match):
        name = match.group(1)
        return VALUES[name]
    return re.sub(r"\$\{(\w+)(?::[-?][^}]*)?\}", one, text)


def read_env_file(path):
    values = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value
    return values


def free_port(taken):
    """A loopback port nothing listens on now (the kernel's choice), not one of `taken`."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port


def main():
    with open("deploy/compose.yaml") as handle:
        compose = yaml.safe_load(handle)
    data = tempfile.mkdtemp(prefix="erp-deploy-check-")
    taken = set()
    port = free_port(taken)
    built = [name for name, service in compose["services"].items()
             if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
             and "target" not in service["build"]]
    ports = {name: (free_port(taken), free_port(taken)) for name in built}
    shutil.chown(data, "postgres")
    def as_postgres(*command, stdin=None):
        # Run from the data folder: the postgres user may not be able to enter the checkout.
        subprocess.run(["runuser", "-u", "postgres", "--"] + list(command), check=True,
                       stdout=subprocess.DEVNULL, stdin=stdin, cwd=data)
    as_postgres(f"{BIN}/initdb", "-D", f"{data}/db", "-A", "trust", "-U", "postgres")
    as_postgres(f"{BIN}/pg_ctl", "-D", f"{data}/db", "-l", f"{data}/log", "-w", "-o",
                f"-p {port} -k {data} -c fsync=off -c listen_addresses=127.0.0.1", "start")
    processes = []
    try:
        with open("deploy/postgres/init.sql") as init:
            as_postgres(f"{BIN}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", stdin=init)
        for name, service in compose["services"].items():
            if name not in built:
                continue  # PostgreSQL, PgBouncer and the one-shot erpctl job
            environment = {}
            for env_file in service.get("env_file", []):
                environment.update(read_env_file(os.path.join("deploy", env_file)))
            for key, value in service.get("environment", {}).items():
                environment[key] = substitute(str(value))
            # Compose's services reach PostgreSQL through PgBouncer; here, the server directly.
            environment["ERP_DATABASE_URL"] = environment["ERP_DATABASE_URL"].replace(
                "host=pgbouncer port=6432", f"host=127.0.0.1 port={port}")
            environment["ERP_PORT"], environment["ERP_OPS_PORT"] = map(str, ports[name])
            # The gateway's other doors (HTTP/2, ...) on free ports too.
            for key in list(environment):
                if key.startswith("ERP_GATEWAY_") and key.endswith("_PORT"):
                    environment[key] = str(free_port(taken))
            for peer in built:
                variable = f"ERP_PEER_{peer.upper()}"
                if variable in environment:
                    environment[variable] = f"127.0.0.1:{ports[peer][0]}"
            environment["PATH"] = os.environ["PATH"]
            executable = f".build/debug/erp-{service['build']['args']['SERVICE']}"
            log = open(f"{data}/{name}.log", "w")
            processes.append((name, environment["ERP_OPS_PORT"], log,
                              subprocess.Popen([executable], env=environment, stdout=log,
                                               stderr=subprocess.STDOUT)))
        for name, ops, log, process in processes:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{ops}/readyz", timeout=2) as answer:
                        if answer.status == 200:
                            print(f"  {name}: ready on ops port {ops}")
                            break
                except Exception:
                    pass
                if process.poll() is not None or time.time() > deadline:
                    log.flush()
                    print(f"  {name}: not ready; its log:")
                    print(open(f"{data}/{name}.log").read()[-3000:])
                    sys.exit(1)
                time.sleep(0.2)
    finally:
        for _, _, log, process in processes:
            process.terminate()
        for _, _, log, process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        subprocess.run(["runuser", "-u", "postgres", "--", f"{BIN}/pg_ctl", "-D", f"{data}/db",
                        "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, cwd=data)
        shutil.rmtree(data, ignore_errors=True)


main()
