// Ansible (seed 004 §12.2, §14): the inventory and group vars derived from the spec, plus the static
// playbooks (one per stage 1-7, and site.yml running them in order) and single-purpose roles shipped
// under ./static. The static files are data of this package, read once and copied verbatim.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterSpec, NodeSpecT } from '../../api/clusterspec.ts';
import { addressPlan, controlPlaneName, planeNames, vmidPlan, type AddressPlan } from '../../addressing.ts';
import { sortFiles, type Rendered } from '../files.ts';
import { NODE_KEY_DIR, planeListenPort } from '../wireguard.ts';
import { toYaml } from '../yaml.ts';

export interface RenderAnsibleOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
let staticFiles: Rendered | undefined;

/** The static playbooks, roles and ansible.cfg, as `ansible/<path>`. */
function loadStatic(): Rendered {
  if (!staticFiles) {
    const entries = readdirSync(STATIC_DIR, { recursive: true, withFileTypes: true });
    staticFiles = sortFiles(
      entries
        .filter((e) => e.isFile())
        .map((e) => {
          const abs = path.join(e.parentPath, e.name);
          const rel = path.relative(STATIC_DIR, abs).split(path.sep).join('/');
          return { path: `ansible/${rel}`, content: readFileSync(abs, 'utf8') };
        }),
    );
  }
  return staticFiles;
}

/** Ansible group of a role. */
export const ROLE_GROUPS = {
  'control-plane': 'control_plane',
  worker: 'workers',
  storage: 'storage',
} as const;

/** Ansible group of a failure domain: group names may not contain '-'. */
export function failureDomainGroup(name: string): string {
  return `fd_${name.replaceAll('-', '_')}`;
}

/** Linux name of the index-th SCSI disk (sda … sdz, sdaa …), the order the substrate attaches them in. */
export function diskDevice(index: number): string {
  let name = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26))
    name = String.fromCharCode(97 + ((i - 1) % 26)) + name;
  return `/dev/sd${name}`;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function hostVars(
  node: NodeSpecT,
  addresses: Map<string, string>,
  control: string | undefined,
  vmid: number | undefined,
): Record<string, unknown> {
  return {
    ansible_host: (control && addresses.get(control)) ?? node.name,
    kubedos_role: node.role,
    kubedos_failure_domain: node.failureDomain,
    ...(vmid === undefined ? {} : { kubedos_vmid: vmid }),
    kubedos_addresses: Object.fromEntries(addresses),
    kubedos_disks: node.disks.map((d, index) => ({
      index,
      device: diskDevice(index),
      purpose: d.purpose,
      size_gib: d.sizeGiB,
      pool: d.pool,
    })),
  };
}

function inventory(spec: ClusterSpec, plan: AddressPlan): string {
  const nodes = [...spec.spec.nodes.inventory].sort((a, b) => byName(a.name, b.name));
  const control = controlPlaneName(spec);
  const vmids = vmidPlan(spec);
  const hosts: Record<string, unknown> = {};
  for (const n of nodes) hosts[n.name] = hostVars(n, plan.get(n.name)!, control, vmids.get(n.name));
  const group = (members: NodeSpecT[]) =>
    members.length === 0 ? {} : { hosts: Object.fromEntries(members.map((n) => [n.name, {}])) };
  const children: Record<string, unknown> = {};
  for (const [role, name] of Object.entries(ROLE_GROUPS))
    children[name] = group(nodes.filter((n) => n.role === role));
  for (const fd of spec.spec.nodes.failureDomains.map((f) => f.name).sort(byName))
    children[failureDomainGroup(fd)] = group(nodes.filter((n) => n.failureDomain === fd));
  return (
    `# kubedos: Ansible inventory of cluster ${spec.metadata.name}. Rendered from the ClusterSpec; do not edit.\n` +
    `# Groups: control_plane, workers, storage (by role) and fd_<failure domain>. ansible_host is the\n` +
    `# node's control-plane (${control ?? 'none'}) address: Ansible reaches nodes over the control plane only.\n` +
    toYaml({ all: { hosts, children } })
  );
}

function groupVars(spec: ClusterSpec): string {
  const s = spec.spec;
  const k8s = s.kubernetes;
  const ceph = s.storage.ceph;
  const initNode = s.nodes.inventory.find((n) => n.role === 'control-plane')?.name;
  const vars = {
    ansible_user: s.security.ssh.allowUsers[0],
    kubedos_cluster: spec.metadata.name,
    kubedos_artifact_version: spec.metadata.artifactVersion,
    kubedos_render_dir: '{{ inventory_dir }}/..',
    kubedos_substrate: s.substrate.type,
    kubedos_allow_destroy: s.substrate.allowDestroy === true,
    kubedos_allow_repartition: s.orchestration.ansible.safety.allowRepartition === true,
    kubedos_allow_wipe: s.orchestration.ansible.safety.allowWipe === true,
    kubedos_allow_reset: k8s.allowReset === true,
    kubedos_control_plane: controlPlaneName(spec) ?? null,
    kubedos_planes: Object.fromEntries(
      planeNames(spec).map((p) => {
        const plane = s.networking.planes[p]!;
        return [p, { cidr: plane.cidr, purpose: plane.purpose, listen_port: planeListenPort(spec, p) }];
      }),
    ),
    kubedos_wireguard_key_dir: NODE_KEY_DIR,
    kubedos_addressing_mode: s.networking.addressing.mode,
    kubedos_inter_plane_default: s.networking.policy.defaultInterPlane ?? 'deny',
    kubedos_bootstrap_model: s.security.bootstrap.model,
    kubedos_ca_fingerprint: s.security.bootstrap.caFingerprint,
    kubedos_enrollment_mode: s.security.enrollment.mode,
    kubedos_join_window_minutes: s.security.enrollment.joinWindowMinutes,
    kubedos_ssh_allow_users: s.security.ssh.allowUsers,
    kubedos_ssh_password_auth: s.security.ssh.passwordAuth,
    kubedos_rotation: {
      wireguard_days: s.security.rotation.wireguardDays,
      node_cert_days: s.security.rotation.nodeCertDays,
      kube_cert_days: s.security.rotation.kubeCertDays,
    },
    kubedos_salt_enabled: s.orchestration.salt.enabled,
    kubedos_zfs_enabled: s.storage.zfs.enabled,
    kubedos_zfs_pools: s.storage.zfs.pools,
    kubedos_ceph: ceph.enabled
      ? {
          enabled: true,
          size: ceph.size ?? null,
          min_size: ceph.minSize ?? null,
          failure_domain: ceph.failureDomain ?? null,
          plane: ceph.plane ?? null,
        }
      : { enabled: false },
    kubedos_kubernetes_enabled: k8s.enabled,
    kubedos_kubernetes_version: k8s.version,
    kubedos_ha_enabled: k8s.ha.enabled ?? true,
    kubedos_control_plane_replicas: k8s.ha.controlPlaneReplicas,
    kubedos_etcd: k8s.ha.etcd,
    kubedos_init_node: initNode ?? null,
    kubedos_pod_cidr: k8s.networking?.podCidr ?? '10.244.0.0/16',
    kubedos_service_cidr: k8s.networking?.serviceCidr ?? '10.96.0.0/12',
    kubedos_cni: { name: k8s.cni.name, hubble: k8s.cni.hubble, policy_default: k8s.cni.policyDefault },
    kubedos_observability: {
      enabled: k8s.observability.enabled,
      prometheus: k8s.observability.stack.prometheus,
      grafana: k8s.observability.stack.grafana,
      loki: k8s.observability.stack.loki,
      bind_plane: k8s.observability.bindPlane,
    },
  };
  return (
    `# kubedos: variables of every host of cluster ${spec.metadata.name}. Rendered from the ClusterSpec; do not edit.\n` +
    "# kubedos_allow_*: the spec's destructive boundaries; a destructive task also needs its\n" +
    '# kubedos_*_requested run variable (see the role READMEs).\n' +
    toYaml(vars)
  );
}

/**
 * `ansible/inventory.yml`, `ansible/group_vars/all.yml`, `ansible/ansible.cfg`,
 * `ansible/playbooks/<NN>-<stage>.yml` (+ `site.yml`) and `ansible/roles/<role>/…`.
 */
export function renderAnsible(spec: ClusterSpec, opts: RenderAnsibleOptions = {}): Rendered {
  const plan = opts.plan ?? addressPlan(spec);
  return [
    ...loadStatic(),
    { path: 'ansible/inventory.yml', content: inventory(spec, plan) },
    { path: 'ansible/group_vars/all.yml', content: groupVars(spec) },
  ];
}
