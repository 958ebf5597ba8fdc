"""Every file a kustomization names exists, and the overlay's JSON patches parse.
(No kustomize binary here: the overlay is not built, only its pieces checked.)"""
import os
import sys
import yaml

failures = []
for root in ["deploy/k8s/base", "deploy/k8s/overlays/single-node"]:
    with open(os.path.join(root, "kustomization.yaml")) as handle:
        kustomization = yaml.safe_load(handle)
    named = list(kustomization.get("resources", []))
    named += list(kustomization.get("bases", []))
    for field in ["patches", "patchesJson6902"]:
        named += [patch["path"] for patch in kustomization.get(field, []) if "path" in patch]
    for generator in kustomization.get("configMapGenerator", []):
        named += generator.get("envs", []) + ([generator["env"]] if "env" in generator else [])
    for name in named:
        path = os.path.normpath(os.path.join(root, name))
        if not os.path.exists(path):
            failures.append(f"{root}/kustomization.yaml names {name}, which does not exist")
        elif path.endswith(".yaml") and "overlays" in path:
            with open(path) as handle:
                patch = yaml.safe_load(handle)
            if not isinstance(patch, list) or not all("op" in op and "path" in op for op in patch):
                failures.append(f"{path} is not a JSON patch")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("kustomizations: every named file exists; overlay patches parse")
