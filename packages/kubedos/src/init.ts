// `kubedos init`: a commented starter ClusterSpec that validates clean. Every destructive flag is
// written out as false and every section says what it is for; `kubedos explain` has the details.
import { DNS_LABEL } from './api/clusterspec.ts';

export interface InitOptions {
  name?: string;
  nodes?: { controlPlanes?: number; workers?: number };
}

const DOMAINS = ['rack-a', 'rack-b', 'rack-c'];

/** Smallest prefix (at most /24) whose usable addresses hold `n` nodes. */
function planePrefix(n: number): number {
  let prefix = 24;
  while (prefix > 16 && 2 ** (32 - prefix) - 2 < n) prefix--;
  return prefix;
}

function node(
  name: string,
  role: string,
  domain: string,
  cpu: number,
  memoryMiB: number,
  disk: number,
): string {
  return [
    `      - name: ${name}`,
    `        role: ${role}`,
    `        failureDomain: ${domain}`,
    `        resources: { cpu: ${cpu}, memoryMiB: ${memoryMiB} }`,
    '        disks:',
    `          - { pool: local-zfs, sizeGiB: ${disk}, purpose: os }`,
    '        nics:',
    '          - { bridge: vmbr0, vlan: 10, purpose: uplink }',
  ].join('\n');
}

export function initSpec(opts: InitOptions = {}): string {
  const name = opts.name ?? 'my-cluster';
  const controlPlanes = opts.nodes?.controlPlanes ?? 3;
  const workers = opts.nodes?.workers ?? 2;
  if (!new RegExp(DNS_LABEL).test(name)) throw new RangeError(`cluster name ${name} is not a DNS label`);
  if (!Number.isInteger(controlPlanes) || controlPlanes < 1 || controlPlanes > 9 || controlPlanes % 2 === 0)
    throw new RangeError(`control planes must be 1 or an odd number from 3 to 9, got ${controlPlanes}`);
  // The planes grow to /16 at most: 65,534 usable addresses.
  if (!Number.isInteger(workers) || workers < 0 || controlPlanes + workers > 65_534)
    throw new RangeError(`workers must be an integer from 0 to ${65_534 - controlPlanes}, got ${workers}`);
  const total = controlPlanes + workers;
  const ha = controlPlanes >= 3;
  const prefix = planePrefix(total);
  const vmids = Math.max(100, Math.ceil(total / 100) * 100);
  const nodes = [
    ...Array.from({ length: controlPlanes }, (_, i) =>
      node(`cp-${i + 1}`, 'control-plane', DOMAINS[i % DOMAINS.length] as string, 4, 8192, 64),
    ),
    ...Array.from({ length: workers }, (_, i) =>
      node(`w-${i + 1}`, 'worker', DOMAINS[i % DOMAINS.length] as string, 8, 16384, 128),
    ),
  ];
  const drills = [
    ...(workers > 0 ? ['      - name: delete-worker', '        expectRecoveryMinutes: 10'] : []),
    ...(ha ? ['      - name: delete-control-plane', '        expectRecoveryMinutes: 20'] : []),
  ];
  return `# kubedOS ClusterSpec: the single declarative input of manufacturing and convergence.
# Check it with \`kubedos validate FILE\`; \`kubedos explain spec.<field>\` documents every field.
apiVersion: kubedos.ca/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  artifactVersion: '0.1.0' # the kubedOS artifact version this spec is built with
spec:
  # ---- Substrate: where nodes come from (stage 1) ----
  substrate:
    type: proxmox # proxmox / baremetal / cloud
    # Destructive flags are always written out; true lets a plan destroy VMs and disks.
    allowDestroy: false
    proxmox:
      clusterName: pve-01
      vmidRange: { start: 2000, end: ${2000 + vmids - 1} } # must hold a VMID for every node
      placement:
        strategy: spread # spread VMs of one role over hosts and failure domains
        by: [node, failureDomain]
      bridges:
        - name: vmbr0
          vlanAware: true
          trunks: [10] # every VLAN a NIC on this bridge is tagged with
      storagePools:
        - name: local-zfs
          type: zfs
      tags: [kubedos]

  # ---- Nodes: roles and failure domains ----
  nodes:
    failureDomains: # racks, rooms or sites; placement and Ceph spread over them
${DOMAINS.map((d) => `      - name: ${d}`).join('\n')}
    inventory: # node names are unique; ${controlPlanes} control plane(s) as kubernetes.ha says
${nodes.join('\n')}

  # ---- Networking: WireGuard planes and the policy between them ----
  networking:
    planes: # CIDRs must not overlap and must hold every node
      wg1: { cidr: 10.101.0.0/${prefix}, purpose: control } # SSH, Salt, Ansible
      wg2: { cidr: 10.102.0.0/${prefix}, purpose: observability } # metrics, logs, traces
      wg3: { cidr: 10.103.0.0/${prefix}, purpose: kubernetes-backend } # control plane <-> workers
    addressing:
      mode: deterministic # each address derives from the node name; static: list them per node
    policy:
      defaultInterPlane: deny # traffic between planes that no rule below allows
      allow:
        - { from: wg1, to: wg3, ports: ['6443/tcp', '2379-2380/tcp', '10250/tcp'] }
        - { from: wg2, to: wg3, ports: ['9090/tcp', '3000/tcp', '3100/tcp'] }

  # ---- Security: trust bootstrap, enrollment, SSH, rotation ----
  security:
    bootstrap:
      model: offline-ca # offline-ca / pinned-ca / to-fu (discouraged)
      caFingerprint: 'sha256:REDACTED' # put the sha256 fingerprint of your root CA here
    enrollment:
      mode: token+pin # token+pin / offline-approve / cert-preseed
      joinWindowMinutes: 30
    ssh:
      allowUsers: ['ops']
      passwordAuth: false # key-only SSH
    rotation:
      wireguardDays: 30
      nodeCertDays: 90
      kubeCertDays: 90

  # ---- Storage: OpenZFS and Ceph ----
  storage:
    zfs:
      enabled: true
      pools: ['local-zfs']
      snapshotPolicy:
        system: { hourly: 24, daily: 7, weekly: 4 }
    ceph:
      enabled: false # when true: size, minSize, failureDomain and plane are required

  # ---- Orchestration: Salt enrolls and discovers, Ansible converges ----
  orchestration:
    salt:
      enabled: true
      purpose: bootstrap+discovery
    ansible:
      enabled: true
      purpose: converge+lifecycle
      safety: # destructive roles run only when their flag is true
        allowRepartition: false
        allowWipe: false

  # ---- Kubernetes reference workload (stage 6) ----
  kubernetes:
    enabled: true
    allowReset: false # true lets a plan kubeadm-reset an initialised cluster
    version: 'v1.30.x' # resolved to a pinned patch at build time
    ha:
      enabled: ${ha} # HA needs an odd number of control planes, at least 3
      controlPlaneReplicas: ${controlPlanes}
      etcd: stacked # stacked on the control planes, or external
    cni:
      name: cilium
      hubble: true
      policyDefault: deny
    observability:
      enabled: true
      stack: { prometheus: true, grafana: true, loki: true }
      bindPlane: wg2

  # ---- Acceptance gates and drills ----
  acceptance:
    mttrTargetMinutes: 30
    required: [backplane-matrix, security-baseline, k8s-health, cilium-health, hubble-flows, observability]
    drills:${drills.length ? `\n${drills.join('\n')}` : ' []'}
`;
}
