#!/usr/bin/env bash
# The demo: a real local control plane (etcd, kube-apiserver, controller-manager, scheduler and
# kwok nodes), a Deployment whose pods the real scheduler binds and that reach Running, then a
# signed capsule packed, verified (by openssl too), deployed with its requirements checked, run
# once in a sandbox whose proof hooks yield signed proofs anchored in a transparency log.
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

echo "==> a signed capsule (examples/capsules/m2n2-metal): keygen, pack, verify"
work=$(mktemp -d)
trap '[ "${KEEP:-0}" = 1 ] || kaas dev down --dir "$dir"; rm -rf "$work"' EXIT
capsule keygen --out-dir "$work/keys"
capsule keygen --private "$work/keys/proof.key" --public "$work/keys/proof.pub"
cap="$work/m2n2-metal-0.1.0.capsule.tar.gz"
capsule pack examples/capsules/m2n2-metal --out "$cap" --key "$work/keys/capsule.key"
capsule verify "$cap" --key "$work/keys/capsule.pub"
echo "==> openssl verifies the same signature over checksum.sha256"
mkdir "$work/x" && tar -xzf "$cap" -C "$work/x" checksum.sha256 signature.sig
base64 -d "$work/x/signature.sig" > "$work/x/signature.der"
openssl dgst -sha256 -verify "$work/keys/capsule.pub" -signature "$work/x/signature.der" "$work/x/checksum.sha256"

deploy() {
  capsule deploy "$cap" --kubeconfig "$dir/kubeconfig" --namespace capsules --registry "$work/registry" \
    --key "$work/keys/capsule.pub" --proof-key "$work/keys/proof.key" --state-dir "$work/state"
}
echo "==> deploy: refused, no node is attested for a hardware-bound UTID and none has a GPU"
if deploy; then echo "expected a refusal" >&2; exit 1; fi
echo "==> attest kwok-node-0 and give it a GPU, then deploy: warm pool, DACCapsule, ProofedDeployment, proofs"
k label node kwok-node-0 utid.industriverse.ai/attested=true
k patch node kwok-node-0 --subresource=status --type=merge \
  -p '{"status":{"allocatable":{"nvidia.com/gpu":"1"},"capacity":{"nvidia.com/gpu":"1"}}}'
deploy
echo "==> deploy again: nothing to change"
deploy
echo "==> capsule://m2n2-metal:0.1.0?proof=true resolves now that signed, anchored proofs exist"
capsule pull 'capsule://m2n2-metal:0.1.0?proof=true' --registry "$work/registry" \
  --key "$work/keys/capsule.pub" --out "$work/pulled.capsule.tar.gz"
capsule proof list 'capsule://m2n2-metal:0.1.0' --registry "$work/registry"
k get daccapsules,proofeddeployments,deployments,pods -n capsules
