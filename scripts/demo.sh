#!/usr/bin/env bash
# The demo: a real local control plane (etcd, kube-apiserver, controller-manager, scheduler and
# kwok nodes), then a Deployment whose pods the real scheduler binds and that reach Running.
# KEEP=1 leaves the control plane up afterwards (stop it with `npx kaas dev down`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
dir="${KAAS_DEV_DIR:-$HOME/.kaas/dev}"

kaas dev down --dir "$dir" >/dev/null
kaas dev up --nodes 3 --detach --dir "$dir"
[ "${KEEP:-0}" = 1 ] || trap 'kaas dev down --dir "$dir"' EXIT
k() { kaas dev kubectl --dir "$dir" -- "$@"; }

echo "==> nodes"
k get nodes -o wide
echo "==> a Deployment of 5 replicas"
k create deployment hello --image=registry.example/hello:1.0 --replicas=5
k rollout status deployment/hello --timeout=120s
k wait pods -l app=hello --for=jsonpath='{.status.phase}'=Running --timeout=120s
k get pods -l app=hello -o wide
