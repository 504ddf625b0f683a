// Generated ClusterSpecs of any size, for tests and the benchmark: the seed's lab cluster scaled
// out. Valid by construction: 3 control planes (5 from 100 nodes on) spread over failure
// domains, workers round-robin over them, /24 planes up to 200 nodes and /16 beyond, and a VMID
// range with room to spare.
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';

export function generateSpec(nodes: number): ClusterSpec {
  if (!Number.isInteger(nodes) || nodes < 3)
    throw new RangeError(`a generated spec has at least 3 nodes, got ${nodes}`);
  const controlPlanes = nodes >= 100 ? 5 : 3;
  const domains = Math.max(3, Math.ceil(nodes / 100));
  const failureDomains = Array.from({ length: domains }, (_, i) => `rack-${i + 1}`);
  const node = (
    name: string,
    role: NodeSpecT['role'],
    i: number,
    cpu: number,
    memoryMiB: number,
    disk: number,
  ) => ({
    name,
    role,
    failureDomain: failureDomains[i % domains]!,
    resources: { cpu, memoryMiB },
    disks: [{ pool: 'fast-zfs', sizeGiB: disk, purpose: 'os' as const }],
    nics: [{ bridge: 'vmbr0', vlan: 10, purpose: 'uplink' as const }],
  });
  const inventory: NodeSpecT[] = [
    ...Array.from({ length: controlPlanes }, (_, i) => node(`cp-${i + 1}`, 'control-plane', i, 4, 8192, 64)),
    ...Array.from({ length: nodes - controlPlanes }, (_, i) =>
      node(`w-${i + 1}`, 'worker', i, 8, 16384, 128),
    ),
  ];
  const wide = nodes > 200;
  const cidr = (plane: number) => (wide ? `10.${100 + plane}.0.0/16` : `10.${100 + plane}.0.0/24`);
  const vmidStart = 2000;
  return {
    apiVersion: 'kubedos.ca/v1alpha1',
    kind: 'Cluster',
    metadata: { name: `gen-${nodes}`, artifactVersion: '0.1.0', labels: { purpose: 'generated' } },
    spec: {
      substrate: {
        type: 'proxmox',
        allowDestroy: false,
        proxmox: {
          clusterName: 'pve-01',
          vmidRange: { start: vmidStart, end: vmidStart + Math.max(100, 2 * nodes) - 1 },
          placement: { strategy: 'spread', by: ['node', 'failureDomain'] },
          bridges: [{ name: 'vmbr0', vlanAware: true, trunks: [10, 20, 30] }],
          storagePools: [{ name: 'fast-zfs', type: 'zfs' }],
          tags: ['kubedos', 'artifact:0.1.0'],
        },
      },
      nodes: { failureDomains: failureDomains.map((name) => ({ name })), inventory },
      networking: {
        planes: {
          wg1: { cidr: cidr(1), purpose: 'control' },
          wg2: { cidr: cidr(2), purpose: 'observability' },
          wg3: { cidr: cidr(3), purpose: 'kubernetes-backend' },
        },
        addressing: { mode: 'deterministic' },
        policy: {
          defaultInterPlane: 'deny',
          allow: [
            { from: 'wg1', to: 'wg3', ports: ['6443/tcp', '2379-2380/tcp', '10250/tcp'] },
            { from: 'wg2', to: 'wg3', ports: ['9090/tcp', '3000/tcp', '3100/tcp'] },
          ],
        },
      },
      security: {
        bootstrap: { model: 'offline-ca', caFingerprint: 'sha256:REDACTED' },
        enrollment: { mode: 'token+pin', joinWindowMinutes: 30 },
        ssh: { allowUsers: ['ops'], passwordAuth: false },
        rotation: { wireguardDays: 30, nodeCertDays: 90, kubeCertDays: 90 },
      },
      storage: {
        zfs: {
          enabled: true,
          pools: ['fast-zfs'],
          snapshotPolicy: { system: { hourly: 24, daily: 7, weekly: 4 } },
        },
        ceph: { enabled: false },
      },
      orchestration: {
        salt: { enabled: true, purpose: 'bootstrap+discovery' },
        ansible: {
          enabled: true,
          purpose: 'converge+lifecycle',
          safety: { allowRepartition: false, allowWipe: false },
        },
      },
      kubernetes: {
        enabled: true,
        allowReset: false,
        version: 'v1.30.x',
        ha: { controlPlaneReplicas: controlPlanes, etcd: 'stacked' },
        cni: { name: 'cilium', hubble: true, policyDefault: 'deny' },
        observability: {
          enabled: true,
          stack: { prometheus: true, grafana: true, loki: true },
          bindPlane: 'wg2',
        },
      },
      acceptance: {
        mttrTargetMinutes: 30,
        required: ['backplane-matrix', 'security-baseline', 'k8s-health', 'cilium-health', 'hubble-flows'],
        drills: [
          { name: 'delete-worker', expectRecoveryMinutes: 10 },
          { name: 'delete-control-plane', expectRecoveryMinutes: 20 },
        ],
      },
    },
  };
}
