// The pinned versions of every control-plane binary. tools/k8s/go.mod pins the same Kubernetes
// release and, through it, etcd; a test fails if the two disagree.
export const KUBERNETES_VERSION = 'v1.35.4';
export const ETCD_VERSION = 'v3.6.5';
export const KWOK_VERSION = 'v0.8.0';
/** cosign, built from its Go module, checks our Sigstore bundles in tests. */
export const COSIGN_VERSION = 'v3.1.3';

export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubeadm',
  'kubectl',
  'kwok',
] as const;
export type Component = (typeof COMPONENTS)[number];

/** Revision of the build recipe (which binaries, how they are built); part of the cache key, so a change rebuilds. */
export const BUILD_REVISION = 2;
