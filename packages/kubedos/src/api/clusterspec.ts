// The ClusterSpec (seed 004 §15): one TypeBox schema gives the TypeScript type, the runtime
// check and the published JSON Schema (deploy/schemas/clusterspec.schema.json). Every field has a
// description (`kubedos explain` prints it) and every default is the safe choice.
//
// Policy boundaries (allowDestroy, allowRepartition, allowWipe, allowReset) and the inter-plane
// default are optional in the schema on purpose: their absence is reported by dedicated rules
// (`destructive-flag-explicit`, `inter-plane-default`) that say exactly what to write.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { ...strict, description });

// Patterns are exported so validation messages can name the format instead of quoting the regex.
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const Name = (description: string) => Type.String({ pattern: DNS_LABEL, maxLength: 63, description });
export const PLANE = '^wg[0-9]+$';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
export const IPV4 = `^${OCTET}(\\.${OCTET}){3}$`;
export const CIDR = `^${OCTET}(\\.${OCTET}){3}/([0-9]|[12][0-9]|3[0-2])$`;
const Cidr = (description: string) => Type.String({ pattern: CIDR, description });
const Ipv4 = (description: string) => Type.String({ pattern: IPV4, description });
const Vlan = Type.Integer({ minimum: 1, maximum: 4094, description: 'An 802.1Q VLAN id (1-4094).' });
const DestructiveFlag = (what: string) =>
  Type.Optional(
    Type.Boolean({
      description: `Explicit opt-in for ${what}. Must be written out (true or false); it is never implied. Default when absent: the spec is invalid (rule destructive-flag-explicit).`,
    }),
  );

export const Bridge = Obj(
  {
    name: Name('Proxmox bridge name, e.g. vmbr0.'),
    vlanAware: Type.Boolean({
      description:
        'Whether the bridge is VLAN-aware. A NIC with a VLAN tag needs a VLAN-aware bridge that trunks it.',
    }),
    trunks: Type.Array(Vlan, { description: 'VLANs this bridge carries.', default: [] }),
  },
  'A Proxmox Linux bridge.',
);

export const Proxmox = Obj(
  {
    clusterName: Name('Name of the Proxmox VE cluster.'),
    vmidRange: Obj(
      {
        start: Type.Integer({
          minimum: 100,
          maximum: 999_999_999,
          description: 'First VMID kubedos may use (inclusive).',
        }),
        end: Type.Integer({
          minimum: 100,
          maximum: 999_999_999,
          description: 'Last VMID kubedos may use (inclusive).',
        }),
      },
      'VMIDs reserved for this cluster; it must hold every VM (rule vmid-range).',
    ),
    placement: Obj(
      {
        strategy: Type.Union([Type.Literal('spread'), Type.Literal('pack')], {
          description:
            'spread: place VMs of one role on distinct hosts/failure domains (default); pack: fill hosts in order.',
          default: 'spread',
        }),
        by: Type.Array(Type.Union([Type.Literal('node'), Type.Literal('failureDomain')]), {
          description: 'What spreading is keyed on.',
          default: ['node', 'failureDomain'],
        }),
      },
      'How VMs are placed on Proxmox hosts.',
    ),
    hosts: Type.Optional(
      Type.Array(Name('A Proxmox host name.'), {
        description:
          'Proxmox hosts VMs may be placed on; default: the cluster decides (placement is then by failure domain only).',
      }),
    ),
    bridges: Type.Array(Bridge, { description: 'Bridges NICs may attach to.' }),
    storagePools: Type.Array(
      Obj(
        {
          name: Name('Storage pool name as Proxmox knows it.'),
          type: Type.Union(
            [Type.Literal('zfs'), Type.Literal('lvm-thin'), Type.Literal('dir'), Type.Literal('rbd')],
            { description: 'Proxmox storage type.' },
          ),
        },
        'A Proxmox storage pool.',
      ),
      { description: 'Pools disks may be allocated from.' },
    ),
    tags: Type.Array(Type.String({ pattern: '^[a-z0-9_.:+-]+$' }), {
      description: 'Proxmox tags put on every VM.',
      default: [],
    }),
  },
  'Proxmox VE substrate settings (required when substrate.type is proxmox).',
);

export const Substrate = Obj(
  {
    type: Type.Union([Type.Literal('proxmox'), Type.Literal('baremetal'), Type.Literal('cloud')], {
      description: 'Where nodes come from.',
    }),
    allowDestroy: DestructiveFlag('destroying substrate resources (VMs, disks) during reconcile (stage 1)'),
    proxmox: Type.Optional(Proxmox),
  },
  'The substrate nodes are provisioned on (stage 1).',
);

export const NodeSpec = Obj(
  {
    name: Name('Node name, unique in the cluster (rule duplicate-name); also its hostname.'),
    role: Type.Union([Type.Literal('control-plane'), Type.Literal('worker'), Type.Literal('storage')], {
      description: 'What the node runs.',
    }),
    failureDomain: Name(
      'The failure domain (rack, room, site) the node lives in; must be declared in nodes.failureDomains.',
    ),
    resources: Obj(
      {
        cpu: Type.Integer({ minimum: 1, maximum: 1024, description: 'vCPUs.' }),
        memoryMiB: Type.Integer({ minimum: 512, description: 'Memory in MiB.' }),
      },
      'Compute resources of the node.',
    ),
    disks: Type.Array(
      Obj(
        {
          pool: Name('Storage pool the disk is allocated from (substrate.proxmox.storagePools).'),
          sizeGiB: Type.Integer({ minimum: 1, description: 'Disk size in GiB.' }),
          purpose: Type.Union([Type.Literal('os'), Type.Literal('data'), Type.Literal('ceph-osd')], {
            description: 'os: the root disk; data: local data; ceph-osd: given to Ceph.',
          }),
        },
        'A disk of the node.',
      ),
      { minItems: 1, description: 'Disks; exactly one has purpose os.' },
    ),
    nics: Type.Array(
      Obj(
        {
          bridge: Name('Bridge the NIC attaches to (substrate.proxmox.bridges).'),
          vlan: Type.Optional(Vlan),
          purpose: Type.Union([Type.Literal('uplink'), Type.Literal('storage'), Type.Literal('management')], {
            description: 'What traffic the NIC carries. WireGuard planes ride on the uplink.',
          }),
        },
        'A network interface of the node.',
      ),
      { minItems: 1, description: 'Network interfaces; the first uplink carries the WireGuard planes.' },
    ),
    addresses: Type.Optional(
      Type.Record(Type.String({ pattern: PLANE }), Ipv4('Address in that plane.'), {
        ...strict,
        description: 'Explicit plane addresses that override the derived ones, e.g. { wg1: 10.101.0.10 }.',
      }),
    ),
    vmid: Type.Optional(
      Type.Integer({
        minimum: 100,
        description: 'Explicit Proxmox VMID; default: derived from the name within vmidRange.',
      }),
    ),
  },
  'One node of the cluster.',
);

export const Nodes = Obj(
  {
    failureDomains: Type.Array(Obj({ name: Name('Failure domain name.') }, 'A failure domain.'), {
      minItems: 1,
      description: 'Failure domains nodes are spread over.',
    }),
    inventory: Type.Array(NodeSpec, { minItems: 1, description: 'Every node of the cluster.' }),
  },
  'Nodes, their roles and failure domains.',
);

export const PlaneName = Type.String({
  pattern: PLANE,
  description: 'A WireGuard plane: wg1 control, wg2 observability, wg3 Kubernetes backend, or more.',
});

export const Networking = Obj(
  {
    planes: Type.Record(
      Type.String({ pattern: PLANE }),
      Obj(
        {
          cidr: Cidr(
            'IPv4 CIDR of the plane; planes must not overlap (rule plane-cidr-overlap) and must hold every node (rule plane-cidr-capacity).',
          ),
          purpose: Type.Union(
            [
              Type.Literal('control'),
              Type.Literal('observability'),
              Type.Literal('kubernetes-backend'),
              Type.Literal('storage'),
            ],
            { description: 'Traffic class of the plane.' },
          ),
          listenPort: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 65535,
              description: 'WireGuard UDP port; default 51820 + plane number.',
            }),
          ),
        },
        'A kernel WireGuard L3 plane.',
      ),
      { ...strict, description: 'WireGuard planes by name (wg1, wg2, …).' },
    ),
    addressing: Obj(
      {
        mode: Type.Union([Type.Literal('deterministic'), Type.Literal('static')], {
          description:
            'deterministic: each address derives from the node name and the plane CIDR (stable when nodes come and go); static: every node lists its addresses.',
        }),
      },
      'How nodes get plane addresses.',
    ),
    policy: Obj(
      {
        defaultInterPlane: Type.Optional(
          Type.Union([Type.Literal('deny'), Type.Literal('allow')], {
            description:
              'Traffic between planes that no rule allows. Must be set (rule inter-plane-default); deny is recommended.',
          }),
        ),
        allow: Type.Array(
          Obj(
            {
              from: PlaneName,
              to: PlaneName,
              ports: Type.Array(Type.String({ pattern: '^[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp)$' }), {
                minItems: 1,
                description: 'Ports or ranges with protocol, e.g. 6443/tcp or 2379-2380/tcp.',
              }),
            },
            'Traffic allowed from one plane to another.',
          ),
          { default: [], description: 'Inter-plane allow rules (rule inter-plane-rule).' },
        ),
      },
      'Inter-plane firewall policy.',
    ),
  },
  'WireGuard planes, addressing and inter-plane policy (§10).',
);

export const Security = Obj(
  {
    bootstrap: Obj(
      {
        model: Type.Union([Type.Literal('offline-ca'), Type.Literal('pinned-ca'), Type.Literal('to-fu')], {
          description:
            'Trust bootstrap: offline root CA (recommended), a pinned CA, or trust on first use (discouraged).',
        }),
        caFingerprint: Type.String({
          pattern: '^sha256:([0-9a-f]{64}|REDACTED)$',
          description: 'sha256 fingerprint of the root CA certificate.',
        }),
      },
      'How trust is bootstrapped (§7.2).',
    ),
    enrollment: Obj(
      {
        mode: Type.Union(
          [Type.Literal('token+pin'), Type.Literal('offline-approve'), Type.Literal('cert-preseed')],
          { description: 'How a node is allowed to join.' },
        ),
        joinWindowMinutes: Type.Integer({
          minimum: 1,
          maximum: 1440,
          default: 30,
          description: 'How long a join token stays valid.',
        }),
      },
      'Gated enrollment (§7.3).',
    ),
    ssh: Obj(
      {
        allowUsers: Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_-]*$' }), {
          minItems: 1,
          description: 'The only users SSH accepts.',
        }),
        passwordAuth: Type.Boolean({
          default: false,
          description: 'Password authentication; false (key only) is the baseline.',
        }),
      },
      'SSH policy.',
    ),
    rotation: Obj(
      {
        wireguardDays: Type.Integer({
          minimum: 1,
          default: 30,
          description: 'WireGuard key rotation period.',
        }),
        nodeCertDays: Type.Integer({
          minimum: 1,
          default: 90,
          description: 'Node certificate rotation period.',
        }),
        kubeCertDays: Type.Integer({
          minimum: 1,
          default: 90,
          description: 'Kubernetes PKI rotation period.',
        }),
      },
      'Rotation periods (§18.3).',
    ),
  },
  'Trust bootstrap, enrollment, SSH and rotation (§7).',
);

export const Ceph = Obj(
  {
    enabled: Type.Boolean({ description: 'Deploy Ceph.' }),
    size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10, description: 'Replicas per object (pool size).' }),
    ),
    minSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10,
        description: 'Replicas needed to serve I/O (min_size); at most size.',
      }),
    ),
    failureDomain: Type.Optional(
      Type.Union([Type.Literal('host'), Type.Literal('failureDomain')], {
        description: 'CRUSH failure domain: host, or the spec failure domains (racks).',
      }),
    ),
    plane: Type.Optional(PlaneName),
    pools: Type.Optional(
      Type.Array(
        Obj(
          {
            name: Name('Ceph pool name.'),
            size: Type.Optional(
              Type.Integer({ minimum: 1, description: 'Replicas of this pool; default: storage.ceph.size.' }),
            ),
            minSize: Type.Optional(
              Type.Integer({
                minimum: 1,
                description: 'min_size of this pool; default: storage.ceph.minSize.',
              }),
            ),
          },
          'A Ceph pool.',
        ),
        { description: 'Pools; each inherits size/minSize unless set.' },
      ),
    ),
    recovery: Type.Optional(
      Obj(
        {
          maxBackfills: Type.Integer({
            minimum: 1,
            default: 1,
            description: 'osd_max_backfills: concurrent backfills per OSD.',
          }),
          recoveryMaxActive: Type.Integer({
            minimum: 1,
            default: 3,
            description: 'osd_recovery_max_active: concurrent recovery operations per OSD.',
          }),
        },
        'Recovery throttles.',
      ),
    ),
  },
  'Ceph replicated storage (§11.2); when enabled, size, minSize, failureDomain and plane are required (rule ceph-replication).',
);

export const Storage = Obj(
  {
    zfs: Obj(
      {
        enabled: Type.Boolean({ description: 'Use OpenZFS for root/state.' }),
        pools: Type.Array(Name('Storage pool name.'), { default: [], description: 'Pools managed as ZFS.' }),
        snapshotPolicy: Type.Optional(
          Obj(
            {
              system: Obj(
                {
                  hourly: Type.Integer({ minimum: 0, description: 'Hourly snapshots kept.' }),
                  daily: Type.Integer({ minimum: 0, description: 'Daily snapshots kept.' }),
                  weekly: Type.Integer({ minimum: 0, description: 'Weekly snapshots kept.' }),
                },
                'Snapshots kept of the system datasets.',
              ),
            },
            'ZFS snapshot retention.',
          ),
        ),
      },
      'OpenZFS (§11.1).',
    ),
    ceph: Ceph,
  },
  'Storage (§11).',
);

export const Orchestration = Obj(
  {
    salt: Obj(
      {
        enabled: Type.Boolean({ description: 'Use Salt for enrollment and discovery.' }),
        purpose: Type.Optional(Type.String({ description: 'Free-form note of what Salt is used for.' })),
      },
      'Salt: bootstrap and discovery only.',
    ),
    ansible: Obj(
      {
        enabled: Type.Boolean({ description: 'Use Ansible for idempotent convergence.' }),
        purpose: Type.Optional(Type.String({ description: 'Free-form note of what Ansible is used for.' })),
        safety: Obj(
          {
            allowRepartition: DestructiveFlag('repartitioning disks (stage 5)'),
            allowWipe: DestructiveFlag('wiping disks (stage 5)'),
          },
          'Destructive role flags.',
        ),
      },
      'Ansible: idempotent converge.',
    ),
  },
  'Automation subsystems (§12).',
);

export const Kubernetes = Obj(
  {
    enabled: Type.Boolean({ description: 'Bring up the Kubernetes reference workload (stage 6).' }),
    allowReset: DestructiveFlag('kubeadm reset of an initialised cluster (stage 6)'),
    version: Type.String({
      pattern: '^v1\\.[0-9]+\\.([0-9]+|x)$',
      description: 'Kubernetes version; v1.N.x resolves to a pinned patch at build time.',
    }),
    ha: Obj(
      {
        enabled: Type.Optional(
          Type.Boolean({
            default: true,
            description:
              'Highly available control plane (default true); replicas must then be odd and >= 3 (rule ha-quorum).',
          }),
        ),
        controlPlaneReplicas: Type.Integer({
          minimum: 1,
          maximum: 9,
          description: 'Control-plane nodes; the inventory must have exactly this many (rule ha-inventory).',
        }),
        etcd: Type.Union([Type.Literal('stacked'), Type.Literal('external')], {
          description: 'stacked: etcd on the control-plane nodes; external: etcd endpoints given below.',
        }),
        controlPlaneEndpoint: Type.Optional(
          Type.String({
            description:
              'host:port of the API endpoint; default: the first control-plane node wg3 address, port 6443.',
          }),
        ),
        externalEtcd: Type.Optional(
          Obj(
            {
              endpoints: Type.Array(Type.String({ pattern: '^https://' }), {
                minItems: 1,
                description: 'etcd client URLs (https://host:2379).',
              }),
            },
            'External etcd (when etcd is external).',
          ),
        ),
      },
      'HA topology (§13.1).',
    ),
    networking: Type.Optional(
      Obj(
        {
          podCidr: Cidr('Pod network CIDR.'),
          serviceCidr: Cidr('Service network CIDR.'),
        },
        'Cluster networks; default pods 10.244.0.0/16, services 10.96.0.0/16 (not 10.96.0.0/12, which covers the conventional planes 10.101-10.103).',
      ),
    ),
    cni: Obj(
      {
        name: Type.Literal('cilium', { description: 'The CNI: Cilium.' }),
        hubble: Type.Boolean({ default: true, description: 'Enable Hubble flow visibility.' }),
        policyDefault: Type.Union([Type.Literal('deny'), Type.Literal('allow')], {
          description: 'Cilium policy enforcement default: deny (always) or allow (default mode).',
        }),
      },
      'CNI settings (§13.2).',
    ),
    observability: Obj(
      {
        enabled: Type.Boolean({ description: 'Deploy the observability baseline.' }),
        stack: Obj(
          {
            prometheus: Type.Boolean({ description: 'Deploy Prometheus (metrics).' }),
            grafana: Type.Boolean({ description: 'Deploy Grafana (dashboards).' }),
            loki: Type.Boolean({ description: 'Deploy Loki (logs).' }),
          },
          'Which components.',
        ),
        bindPlane: PlaneName,
      },
      'Observability baseline bound to a plane (§13.3).',
    ),
  },
  'The Kubernetes reference workload (§13).',
);

export const Acceptance = Obj(
  {
    mttrTargetMinutes: Type.Integer({ minimum: 1, description: 'Target mean time to recovery.' }),
    required: Type.Array(
      Type.Union(
        [
          'backplane-matrix',
          'security-baseline',
          'k8s-health',
          'cilium-health',
          'hubble-flows',
          'observability',
        ].map((g) => Type.Literal(g)),
      ),
      { description: 'Acceptance gates that must pass (§17.1).' },
    ),
    drills: Type.Array(
      Obj(
        {
          name: Type.Union([Type.Literal('delete-worker'), Type.Literal('delete-control-plane')], {
            description: 'Which node the drill deletes and replaces.',
          }),
          expectRecoveryMinutes: Type.Integer({
            minimum: 1,
            description: 'Minutes within which the cluster must be healthy again.',
          }),
        },
        'A replacement drill (§17.2).',
      ),
      { default: [], description: 'Drills run in CI.' },
    ),
  },
  'Acceptance gates and drills (§17).',
);

export const ClusterSpecSchema = Type.Object(
  {
    apiVersion: Type.Literal('kubedos.ca/v1alpha1', { description: 'Schema version.' }),
    kind: Type.Literal('Cluster', { description: 'Always Cluster.' }),
    metadata: Obj(
      {
        name: Name('Cluster name.'),
        artifactVersion: Type.String({
          pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$',
          description: 'kubedOS artifact version (semver) this spec is built with.',
        }),
        labels: Type.Optional(
          Type.Record(Type.String(), Type.String(), { description: 'Free-form labels.' }),
        ),
      },
      'Identity of the cluster.',
    ),
    spec: Obj(
      {
        substrate: Substrate,
        nodes: Nodes,
        networking: Networking,
        security: Security,
        storage: Storage,
        orchestration: Orchestration,
        kubernetes: Kubernetes,
        acceptance: Acceptance,
      },
      'Desired state of the cluster.',
    ),
  },
  {
    ...strict,
    $id: 'https://kubedos.ca/schemas/clusterspec-v1alpha1.json',
    title: 'kubedOS ClusterSpec',
    description:
      'A kubedOS cluster: the single declarative input of manufacturing and convergence (seed 004 §15).',
  },
);

export type ClusterSpec = Static<typeof ClusterSpecSchema>;
export type NodeSpecT = Static<typeof NodeSpec>;
export type { TSchema };
