#!/usr/bin/env bash
# The deployment files that need no running cluster: deploy/kubernetes/ against the Kubernetes API's schemas
# (kubernetes-validate from PyPI, which ships the schemas of each Kubernetes version, so it works offline; strict:
# an unknown field fails), the rules the manifests must keep (non-root, read-only root file system, no privilege
# escalation, resources, /health and /ready probes, the executables the image has, a PodDisruptionBudget for NATS
# and the API), and deploy/monitoring/alerts.yml with `promtool check rules` (Debian's prometheus package).
# kubernetes-validate is installed into a virtual environment under .build/ the first time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KUBERNETES_VERSION=1.37.0
VENV="$ROOT/.build/deploy-venv"

if ! "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VERSION"
fi
manifests=("$ROOT"/deploy/kubernetes/*.yaml "$ROOT"/deploy/kubernetes/postgres/*.yaml)
"$VENV/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "${manifests[@]}"
echo "ok: ${#manifests[@]} manifests valid against the Kubernetes $KUBERNETES_VERSION schemas"

"$VENV/bin/python" - "$ROOT/compose/docker-compose.yml" "${manifests[@]}" <<'PYTHON'
import sys, yaml
compose, manifests = sys.argv[1], sys.argv[2:]
executables = {s["command"][0] for s in yaml.safe_load(open(compose))["services"].values()
               if s.get("image", "").startswith("equal-weight-index")}
errors, workloads, budgets = [], {}, set()
for path in manifests:
    for doc in yaml.safe_load_all(open(path)):
        kind, name = doc["kind"], doc["metadata"]["name"]
        where = f"{path.split('deploy/')[-1]} {kind}/{name}"
        if kind == "PodDisruptionBudget":
            budgets.add(doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"])
        if kind not in ("Deployment", "StatefulSet"):
            continue
        workloads[name] = where
        pod = doc["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            errors.append(f"{where}: the pod does not require runAsNonRoot")
        for container in pod["containers"]:
            context = container.get("securityContext", {})
            if context.get("readOnlyRootFilesystem") is not True:
                errors.append(f"{where}: {container['name']} has a writable root file system")
            if context.get("allowPrivilegeEscalation") is not False:
                errors.append(f"{where}: {container['name']} may escalate privileges")
            resources = container.get("resources", {})
            if not resources.get("requests") or not resources.get("limits"):
                errors.append(f"{where}: {container['name']} lacks resource requests or limits")
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container:
                    errors.append(f"{where}: {container['name']} has no {probe}")
            if container["image"].startswith("equal-weight-index"):
                if container["args"][0] not in executables:
                    errors.append(f"{where}: {container['args'][0]} is not an executable of the image")
                paths = (container["livenessProbe"]["httpGet"]["path"], container["readinessProbe"]["httpGet"]["path"])
                if paths != ("/health", "/ready"):
                    errors.append(f"{where}: probes {paths}, not /health and /ready")
for name in ("nats", "api"):
    if name not in budgets:
        errors.append(f"{workloads.get(name, name)}: no PodDisruptionBudget")
missing = executables - {"indexctl"} - set(workloads)
if missing:
    errors.append(f"no workload runs {sorted(missing)}")
for error in errors:
    print("FAIL:", error, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"ok: {len(workloads)} workloads non-root, read-only, with resources and probes; every service deployed")
PYTHON

promtool check rules "$ROOT/deploy/monitoring/alerts.yml"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$ROOT/deploy/monitoring/dashboard.json"
echo "ok: alert rules and dashboard parse"
