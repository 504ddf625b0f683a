// The per-node steps of every stage, derived from a normalised ClusterSpec (withDefaults). Edges
// are the §14.3 ordering guarantees by construction:
//   - a node's stage-4/5/6 steps follow its stage-3 planes (through its enrollment);
//   - a node's stage-5/6 steps follow its enrollment (4) and the cluster-wide discovery;
//   - a node's Kubernetes steps (6) follow all its platform steps (5); cluster-wide workloads
//     (Cilium, observability) follow the platform steps of every node;
//   - acceptance (7) follows everything, seal follows acceptance.
// Each step's inputs hash covers exactly the spec fields (and derived values such as plane
// addresses and VMIDs) its configuration is made of, so a change re-runs only the steps it reaches.
import { addressPlan, planeNames, planePrefix, vmidPlan } from '../addressing.ts';
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';
import { hashOf } from './canonical.ts';
import type { StageId, Step } from './types.ts';

/** Actions whose step ids carry a node name as third segment (`<stage>/<action>/<node>/…`). */
export const NODE_ACTIONS: ReadonlySet<string> = new Set([
  'provision-vm',
  'provision-instance',
  'enlist-machine',
  'attach-disk',
  'firstboot',
  'wg-up',
  'salt-enroll',
  'enroll',
  'partition',
  'format',
  'zfs',
  'pki',
  'network-policy',
  'runtime',
  'ceph',
  'join-control-plane',
  'join-worker',
]);

/** The stage-1 action creating a node on each substrate. */
export const PROVISION_ACTION = {
  proxmox: 'provision-vm',
  cloud: 'provision-instance',
  baremetal: 'enlist-machine',
} as const;

export interface DesiredSteps {
  steps: Step[];
  byId: Map<string, Step>;
}

type NewStep = Omit<Step, 'inputsHash' | 'destructive'>;

/** Every step a cluster needs from scratch, in topological (stage, then inventory) order. */
export function desiredSteps(spec: ClusterSpec, specHash: string): DesiredSteps {
  const s = spec.spec;
  const nodes = s.nodes.inventory;
  const planes = planeNames(spec);
  const addresses = addressPlan(spec);
  const addr = (node: string, plane: string) => addresses.get(node)?.get(plane) ?? '';
  const steps: Step[] = [];
  const byId = new Map<string, Step>();
  // Inputs shared by many steps (one object per plane, policy or role) are hashed once.
  const hashed = new Map<object, string>();
  const hashOnce = (inputs: object) => {
    let h = hashed.get(inputs);
    if (h === undefined) hashed.set(inputs, (h = hashOf(inputs)));
    return h;
  };
  const add = (step: NewStep, inputs: object): string => {
    const full: Step = { ...step, destructive: false, inputsHash: hashOnce(inputs) };
    steps.push(full);
    byId.set(full.id, full);
    return full.id;
  };
  const whole = { spec: specHash };

  // ---- Stage 0: pure, reads the whole spec.
  add(
    {
      id: '0/validate',
      stage: 0,
      action: 'validate',
      description: 'validate and normalise the ClusterSpec (schema and every rule)',
      dependsOn: [],
    },
    whole,
  );
  const render = add(
    {
      id: '0/render',
      stage: 0,
      action: 'render',
      description: 'render inventories, the target matrix and per-node configuration',
      dependsOn: ['0/validate'],
    },
    whole,
  );

  // ---- Stage 1: substrate.
  const substrate = s.substrate.type;
  const provisionAction = PROVISION_ACTION[substrate];
  const proxmox = substrate === 'proxmox' ? s.substrate.proxmox : undefined;
  const vmids = proxmox ? vmidPlan(spec) : undefined;
  const stage1 = new Map<string, string[]>();
  for (const n of nodes) {
    const provision = add(
      {
        id: `1/${provisionAction}/${n.name}`,
        stage: 1,
        node: n.name,
        action: provisionAction,
        description: provisionText(spec, n, vmids?.get(n.name)),
        dependsOn: [render],
      },
      {
        name: n.name,
        role: n.role,
        failureDomain: n.failureDomain,
        resources: n.resources,
        nics: n.nics,
        substrate,
        proxmox: proxmox && {
          clusterName: proxmox.clusterName,
          vmid: vmids?.get(n.name),
          placement: proxmox.placement,
          hosts: proxmox.hosts,
          tags: proxmox.tags,
        },
      },
    );
    const ids = [provision];
    if (substrate !== 'baremetal') {
      n.disks.forEach((d, j) => {
        ids.push(
          add(
            {
              id: `1/attach-disk/${n.name}/disk${j}`,
              stage: 1,
              node: n.name,
              action: 'attach-disk',
              description: `disk${j}: ${d.sizeGiB} GiB (${d.purpose}) from ${d.pool}`,
              dependsOn: [provision],
            },
            { pool: d.pool, sizeGiB: d.sizeGiB },
          ),
        );
      });
    }
    stage1.set(n.name, ids);
  }

  // ---- Stage 2: firstboot identity + baseline.
  const ssh = s.security.ssh;
  for (const n of nodes) {
    add(
      {
        id: `2/firstboot/${n.name}`,
        stage: 2,
        node: n.name,
        action: 'firstboot',
        description: `identity (hostname ${n.name}), SSH for ${ssh.allowUsers.join(', ')} with password auth ${ssh.passwordAuth ? 'on' : 'off'}, baseline hardening, firewall baseline`,
        dependsOn: stage1.get(n.name)!,
      },
      {
        name: n.name,
        role: n.role,
        artifactVersion: spec.metadata.artifactVersion,
        ssh: { allowUsers: ssh.allowUsers, passwordAuth: ssh.passwordAuth },
        bootstrap: s.security.bootstrap,
      },
    );
  }

  // ---- Stage 3: one WireGuard interface per node per plane.
  const policy = s.networking.policy;
  const planeInputs = new Map(
    planes.map((p) => {
      const plane = s.networking.planes[p]!;
      const inputs = {
        plane: p,
        cidr: plane.cidr,
        purpose: plane.purpose,
        listenPort: plane.listenPort,
        // Every node's config lists every peer: one digest per plane instead of the list per step.
        peers: hashOf(nodes.map((n) => [n.name, addr(n.name, p)])),
        policy: {
          defaultInterPlane: policy.defaultInterPlane,
          allow: policy.allow.filter((r) => r.from === p || r.to === p),
        },
      };
      return [p, { ...inputs, prefix: planePrefix(spec, p), digest: hashOf(inputs) }];
    }),
  );
  const wgUp = new Map<string, string[]>();
  for (const n of nodes) {
    const ids = planes.map((p) => {
      const plane = planeInputs.get(p)!;
      return add(
        {
          id: `3/wg-up/${n.name}/${p}`,
          stage: 3,
          node: n.name,
          action: 'wg-up',
          description: `${p} (${plane.purpose}) ${addr(n.name, p)}/${plane.prefix}, port ${plane.listenPort}, ${nodes.length - 1} peers`,
          dependsOn: [`2/firstboot/${n.name}`],
        },
        { plane: plane.digest, address: addr(n.name, p) },
      );
    });
    wgUp.set(n.name, ids);
  }

  // ---- Stage 4: gated enrollment, then discovery.
  const enrollAction = s.orchestration.salt.enabled ? 'salt-enroll' : 'enroll';
  const control = planeFor(spec, planes, 'control', 'wg1');
  const enrollment = s.security.enrollment;
  const enrolls = nodes.map((n) =>
    add(
      {
        id: `4/${enrollAction}/${n.name}`,
        stage: 4,
        node: n.name,
        action: enrollAction,
        description: `${enrollment.mode} enrollment${s.orchestration.salt.enabled ? ' into Salt' : ''} over ${control} ${addr(n.name, control)} (join window ${enrollment.joinWindowMinutes} min, ${s.security.bootstrap.model})`,
        dependsOn: wgUp.get(n.name)!,
      },
      {
        name: n.name,
        role: n.role,
        failureDomain: n.failureDomain,
        enrollment,
        bootstrap: s.security.bootstrap,
        plane: control,
        address: addr(n.name, control),
      },
    ),
  );
  const discover = add(
    {
      id: '4/discover',
      stage: 4,
      action: 'discover',
      description: `peer inventory, role mapping and ${control} reachability matrix of ${nodes.length} nodes`,
      dependsOn: enrolls,
    },
    {
      members: hashOf(nodes.map((n) => [n.name, n.role, n.failureDomain, addr(n.name, control)])),
      plane: control,
    },
  );

  // ---- Stage 5: platform converge, per node.
  const zfs = s.storage.zfs;
  const ceph = s.storage.ceph;
  const k8s = s.kubernetes;
  const allowRules = policy.allow.length;
  const networkPolicy = {
    planes: planes.map((p) => [p, s.networking.planes[p]!.cidr, s.networking.planes[p]!.listenPort]),
    policy,
    ssh: ssh.allowUsers,
  };
  const runtime = {
    'control-plane': { version: k8s.version, role: 'control-plane' },
    worker: { version: k8s.version, role: 'worker' },
    storage: { version: k8s.version, role: 'storage' },
  };
  const zfsByVdevs = new Map<number, object>();
  const zfsInputs = (vdevs: number) => {
    let inputs = zfsByVdevs.get(vdevs);
    if (!inputs)
      zfsByVdevs.set(vdevs, (inputs = { pools: zfs.pools, snapshotPolicy: zfs.snapshotPolicy, vdevs }));
    return inputs;
  };
  const platform = new Map<string, string[]>();
  const cephSteps: string[] = [];
  for (const n of nodes) {
    const base = [`4/${enrollAction}/${n.name}`, discover];
    const ids: string[] = [];
    const consumed = new Set<string>();
    const step = (step: Omit<NewStep, 'stage' | 'node'>, inputs: object) => {
      step.dependsOn.forEach((d) => consumed.add(d));
      const id = add({ ...step, stage: 5, node: n.name }, inputs);
      ids.push(id);
      return id;
    };
    const zfsDisks: string[] = [];
    const osdDisks: string[] = [];
    const osdIds: number[] = [];
    n.disks.forEach((d, j) => {
      const disk = `disk${j}`;
      let last: string | undefined;
      if (d.purpose !== 'ceph-osd') {
        last = step(
          {
            id: `5/partition/${n.name}/${disk}`,
            action: 'partition',
            description:
              d.purpose === 'os'
                ? `${disk}: root layout over ${d.sizeGiB} GiB`
                : `${disk}: one data partition over ${d.sizeGiB} GiB`,
            dependsOn: base,
          },
          { sizeGiB: d.sizeGiB, layout: d.purpose === 'os' ? 'root' : 'data' },
        );
      }
      const fs =
        d.purpose === 'data'
          ? zfs.enabled && zfs.pools.includes(d.pool)
            ? 'zfs'
            : 'xfs'
          : d.purpose === 'ceph-osd' && ceph.enabled
            ? 'ceph-osd'
            : undefined;
      if (fs) {
        const id = step(
          {
            id: `5/format/${n.name}/${disk}`,
            action: 'format',
            description:
              fs === 'ceph-osd'
                ? `${disk}: Ceph OSD device`
                : `${disk}: ${fs === 'zfs' ? 'ZFS vdev' : 'xfs filesystem'}`,
            dependsOn: last ? [last] : base,
          },
          { purpose: d.purpose, fs },
        );
        if (fs === 'zfs') zfsDisks.push(id);
        if (fs === 'ceph-osd') {
          osdDisks.push(id);
          osdIds.push(j);
        }
      }
    });
    if (zfs.enabled) {
      const snap = zfs.snapshotPolicy?.system;
      step(
        {
          id: `5/zfs/${n.name}`,
          action: 'zfs',
          description: `ZFS datasets${snap ? ` and snapshots (hourly ${snap.hourly}, daily ${snap.daily}, weekly ${snap.weekly})` : ''}`,
          dependsOn: [...base, ...zfsDisks],
        },
        zfsInputs(zfsDisks.length),
      );
    }
    step(
      {
        id: `5/pki/${n.name}`,
        action: 'pki',
        description: `node certificate under the ${s.security.bootstrap.model} root (rotated every ${s.security.rotation.nodeCertDays} days)`,
        dependsOn: base,
      },
      {
        name: n.name,
        role: n.role,
        bootstrap: s.security.bootstrap,
        nodeCertDays: s.security.rotation.nodeCertDays,
      },
    );
    step(
      {
        id: `5/network-policy/${n.name}`,
        action: 'network-policy',
        description: `nftables: default deny on non-plane interfaces and between planes (${policy.defaultInterPlane}), ${allowRules} allow rule${allowRules === 1 ? '' : 's'}, SSH policy`,
        dependsOn: base,
      },
      networkPolicy,
    );
    if (k8s.enabled && n.role !== 'storage') {
      step(
        {
          id: `5/runtime/${n.name}`,
          action: 'runtime',
          description: `container runtime, kubelet and kubeadm for Kubernetes ${k8s.version}`,
          dependsOn: base,
        },
        runtime[n.role],
      );
    }
    const mon = n.role === 'control-plane';
    if (ceph.enabled && (mon || osdDisks.length > 0)) {
      const what = [
        mon ? 'monitor' : '',
        osdIds.length ? `OSDs on ${osdIds.map((j) => `disk${j}`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      cephSteps.push(
        step(
          {
            id: `5/ceph/${n.name}`,
            action: 'ceph',
            description: `Ceph ${what}, bound to ${ceph.plane}`,
            dependsOn: [...base, ...osdDisks],
          },
          {
            mon,
            osds: osdIds,
            failureDomain: n.failureDomain,
            cluster: {
              plane: ceph.plane,
              cidr: ceph.plane && s.networking.planes[ceph.plane]?.cidr,
              failureDomain: ceph.failureDomain,
            },
          },
        ),
      );
    }
    platform.set(
      n.name,
      ids.filter((id) => !consumed.has(id)),
    );
  }
  const clusterPlatform: string[] = [];
  if (ceph.enabled) {
    const pools = ceph.pools ?? [];
    clusterPlatform.push(
      add(
        {
          id: '5/ceph-pools',
          stage: 5,
          action: 'ceph-pools',
          description: `Ceph pools${pools.length ? ` ${pools.map((p) => p.name).join(', ')}` : ''} (size ${ceph.size}, min_size ${ceph.minSize}, failure domain ${ceph.failureDomain})`,
          dependsOn: cephSteps.length ? cephSteps : [discover],
        },
        {
          size: ceph.size,
          minSize: ceph.minSize,
          failureDomain: ceph.failureDomain,
          pools,
          recovery: ceph.recovery,
        },
      ),
    );
  }

  // ---- Stage 6: Kubernetes, on control-plane and worker nodes.
  const controlPlanes = nodes.filter((n) => n.role === 'control-plane');
  const first = controlPlanes[0];
  if (k8s.enabled && first) {
    const kplane = planeFor(spec, planes, 'kubernetes-backend', 'wg3');
    const endpoint = k8s.ha.controlPlaneEndpoint ?? `${addr(first.name, kplane)}:6443`;
    const etcd = k8s.ha.etcd;
    const init = add(
      {
        id: '6/kubeadm-init',
        stage: 6,
        node: first.name,
        action: 'kubeadm-init',
        description: `kubeadm init on ${first.name}: Kubernetes ${k8s.version}, ${etcd} etcd, endpoint ${endpoint}`,
        once: true,
        dependsOn: platform.get(first.name)!,
      },
      {
        cluster: spec.metadata.name,
        version: k8s.version,
        etcd,
        externalEtcd: k8s.ha.externalEtcd,
        endpoint,
        networking: k8s.networking,
        plane: kplane,
        cidr: s.networking.planes[kplane]?.cidr,
      },
    );
    const joins: string[] = [];
    let previousControlPlane = init;
    for (const n of nodes) {
      if (n === first || n.role === 'storage') continue;
      const cp = n.role === 'control-plane';
      const action = cp ? 'join-control-plane' : 'join-worker';
      const id = add(
        {
          id: `6/${action}/${n.name}`,
          stage: 6,
          node: n.name,
          action,
          description: cp
            ? `join ${n.name} as control plane${etcd === 'stacked' ? ' and etcd member' : ''} at ${addr(n.name, kplane)}`
            : `join ${n.name} as worker at ${addr(n.name, kplane)}`,
          once: true,
          // Control planes join one at a time so etcd grows one member at a time.
          dependsOn: [...new Set([init, ...(cp ? [previousControlPlane] : []), ...platform.get(n.name)!])],
        },
        { version: k8s.version, endpoint, etcd, name: n.name, address: addr(n.name, kplane) },
      );
      if (cp) previousControlPlane = id;
      joins.push(id);
    }
    const storageNodes = nodes.filter((n) => n.role === 'storage').flatMap((n) => platform.get(n.name)!);
    const cni = k8s.cni;
    const cilium = add(
      {
        id: '6/cilium',
        stage: 6,
        action: 'cilium',
        description: `Cilium (policy default ${cni.policyDefault})${cni.hubble ? ' with Hubble' : ''} on ${joins.length + 1} nodes over ${kplane}`,
        dependsOn: [init, ...joins, ...storageNodes, ...clusterPlatform],
      },
      { cni, networking: k8s.networking, plane: kplane, cidr: s.networking.planes[kplane]?.cidr },
    );
    const obs = k8s.observability;
    if (obs.enabled) {
      const stack = (['prometheus', 'grafana', 'loki'] as const).filter((c) => obs.stack[c]);
      add(
        {
          id: '6/observability',
          stage: 6,
          action: 'observability',
          description: `${stack.map((c) => c[0]!.toUpperCase() + c.slice(1)).join(', ') || 'no components'} bound to ${obs.bindPlane} (${s.networking.planes[obs.bindPlane]?.cidr})`,
          dependsOn: [cilium],
        },
        { stack: obs.stack, bindPlane: obs.bindPlane, cidr: s.networking.planes[obs.bindPlane]?.cidr },
      );
    }
  }

  // ---- Stage 7: acceptance is recorded before the seal.
  const acceptance = add(
    {
      id: '7/acceptance',
      stage: 7,
      action: 'acceptance',
      description: `run and record acceptance gates: ${s.acceptance.required.join(', ') || 'none required'}`,
      dependsOn: frontier(steps, 7),
    },
    whole,
  );
  add(
    {
      id: '7/seal',
      stage: 7,
      action: 'seal',
      description: 'seal: recovery bundle, signed manifests, SBOM and provenance',
      dependsOn: [acceptance],
    },
    whole,
  );
  return { steps, byId };
}

/** Steps of a stage below `stage` that no other such step depends on: what a later barrier waits for. */
export function frontier(steps: readonly Step[], stage: StageId): string[] {
  const earlier = steps.filter((s) => s.stage < stage);
  const consumed = new Set(earlier.flatMap((s) => s.dependsOn));
  return earlier.filter((s) => !consumed.has(s.id)).map((s) => s.id);
}

/** The plane carrying a traffic class: the first with that purpose, else the conventional name, else the first. */
function planeFor(spec: ClusterSpec, planes: string[], purpose: string, conventional: string): string {
  return (
    planes.find((p) => spec.spec.networking.planes[p]!.purpose === purpose) ??
    (planes.includes(conventional) ? conventional : planes[0]!)
  );
}

function provisionText(spec: ClusterSpec, n: NodeSpecT, vmid: number | undefined): string {
  const what = `${n.role}, ${n.resources.cpu} vCPU, ${n.resources.memoryMiB} MiB, failure domain ${n.failureDomain}`;
  const nics = n.nics
    .map((nic) => `${nic.bridge}${nic.vlan !== undefined ? ` vlan ${nic.vlan}` : ''}`)
    .join(', ');
  const proxmox = spec.spec.substrate.proxmox;
  switch (spec.spec.substrate.type) {
    case 'proxmox':
      return `VM ${vmid} on ${proxmox?.clusterName} (${what}; placement ${proxmox?.placement.strategy} by ${proxmox?.placement.by.join('+')}; NICs ${nics})`;
    case 'cloud':
      return `instance ${n.name} (${what})`;
    case 'baremetal':
      return `enlist machine ${n.name} and boot it from the artifact (${what})`;
  }
}
