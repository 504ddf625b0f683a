// withDefaults: the normalised ClusterSpec the planner and renderers read, with every documented
// default written in, so no consumer re-implements a fallback.
import { Value } from '@sinclair/typebox/value';
import { ClusterSpecSchema, type ClusterSpec } from './clusterspec.ts';

export const DEFAULT_POD_CIDR = '10.244.0.0/16';
// Not kubeadm's 10.96.0.0/12: that block covers 10.96-10.111 and so the conventional planes 10.101-10.103.
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
/** A plane's WireGuard port defaults to this plus its number: wg1 -> 51821. */
export const WIREGUARD_BASE_PORT = 51820;
export const DEFAULT_CEPH_RECOVERY = { maxBackfills: 1, recoveryMaxActive: 3 } as const;

export function defaultListenPort(plane: string): number {
  return WIREGUARD_BASE_PORT + Number(plane.replace(/^wg/, ''));
}

/**
 * A copy of a valid spec (validateSpec reported no errors) with defaults applied: the schema's
 * `default`s (placement, trunks, tags, allow rules, joinWindowMinutes, passwordAuth, rotation,
 * ha.enabled, hubble, zfs pools, drills, Ceph recovery throttles) and the documented derived ones:
 * each plane's listenPort, the Kubernetes pod and service networks, Ceph recovery when Ceph is on and
 * each Ceph pool's size/minSize from the cluster's. Destructive flags and the inter-plane default read
 * as false and deny if absent (validation rejects that; the safe value keeps this function total).
 * Left to their owners: kubernetes.ha.controlPlaneEndpoint and node vmids and addresses, which derive
 * from plane addressing and the VMID range.
 */
export function withDefaults(spec: ClusterSpec): ClusterSpec {
  const out = Value.Default(ClusterSpecSchema, structuredClone(spec)) as ClusterSpec;
  const { substrate, networking, orchestration, kubernetes, storage } = out.spec;
  substrate.allowDestroy ??= false;
  orchestration.ansible.safety.allowRepartition ??= false;
  orchestration.ansible.safety.allowWipe ??= false;
  kubernetes.allowReset ??= false;
  networking.policy.defaultInterPlane ??= 'deny';
  for (const [name, plane] of Object.entries(networking.planes)) plane.listenPort ??= defaultListenPort(name);
  kubernetes.ha.enabled ??= true;
  kubernetes.networking ??= { podCidr: DEFAULT_POD_CIDR, serviceCidr: DEFAULT_SERVICE_CIDR };
  const ceph = storage.ceph;
  if (ceph.enabled) {
    ceph.recovery ??= { ...DEFAULT_CEPH_RECOVERY };
    for (const pool of ceph.pools ?? []) {
      pool.size ??= ceph.size;
      pool.minSize ??= ceph.minSize;
    }
  }
  return out;
}
