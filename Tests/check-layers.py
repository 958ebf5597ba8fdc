#!/usr/bin/env python3
"""Fails when an executable that ships (a service, the gateway, erpctl) links ERPDevCluster.

The development cluster (initdb, pg_ctl, runuser) and the child-process helpers live in the
ERPDevCluster target for `make run`, the tests and the benchmarks only: a service binary that
could start a PostgreSQL of its own is not what production runs. Checked twice:
  1. the package graph (`swift package dump-package`): no shipping executable target reaches
     ERPDevCluster through its target dependencies;
  2. the built binaries, when present: none holds a symbol of the ERPDevCluster module.
"""
import json
import os
import subprocess
import sys

FORBIDDEN = "ERPDevCluster"
# May link it: the launcher behind `make run` and the benchmarks (tests are not executables).
ALLOWED = lambda name: name == "erp-run" or name.startswith("erp-bench-")

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.loads(
    subprocess.run(
        ["swift", "package", "dump-package"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
)
targets = {target["name"]: target for target in package["targets"]}


def local_dependencies(target):
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target"):
            if kind in dependency:
                name = dependency[kind][0]
                if name in targets:
                    yield name


def reaches(name, seen):
    if name == FORBIDDEN:
        return [name]
    for dependency in local_dependencies(targets[name]):
        if dependency in seen:
            continue
        seen.add(dependency)
        path = reaches(dependency, seen)
        if path:
            return [name] + path
    return None


shipping = [
    name
    for name, target in targets.items()
    if target["type"] == "executable" and not ALLOWED(name)
]
failures = []
for name in sorted(shipping):
    path = reaches(name, set())
    if path:
        failures.append(f"{name} depends on {FORBIDDEN}: {' -> '.join(path)}")
    binary = os.path.join(root, ".build", "debug", name)
    if os.path.exists(binary):
        symbols = subprocess.run(["nm", binary], capture_output=True, text=True).stdout
        if f"{len(FORBIDDEN)}{FORBIDDEN}" in symbols:
            failures.append(f"{name}: the built binary holds {FORBIDDEN} symbols")

if not shipping:
    failures.append("no shipping executable found in the package: the check is broken")
for failure in failures:
    print("check-layers:", failure, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"check-layers: {len(shipping)} shipping executables, none links {FORBIDDEN}")
