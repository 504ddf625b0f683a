// Proxmox VM definitions (seed 004 stage 1): `ansible/proxmox/vms.yml`, a task file the stage-1
// playbook imports, with one community.general.proxmox_kvm task per node, state present: a missing VM
// is created, an existing one is left as it is (the module's `update` mode cannot create a VM, and a
// changed VM is replaced rather than repaired).
//
// VMIDs come from addressing.vmidPlan (explicit, or derived from the name inside vmidRange and stable
// when other nodes come and go). Placement, when substrate.proxmox.hosts is listed: with
// `failureDomain` in placement.by, the hosts are dealt to the failure domains in turn (host j serves
// domain j mod F; with fewer hosts than domains, domain i uses host i mod H); within its hosts a node
// goes, with strategy spread and `node` in placement.by, to the next host in turn for its role (each
// role starting at a different host), with pack to the first. Placement only matters when a VM is
// created: an existing VM is never moved. Without hosts, a node is placed on the host the inventory
// names for its failure domain (proxmox_failure_domain_hosts), checked by an assert first.
//
// Destroying is rendered only with substrate.allowDestroy true: VMs inside vmidRange that the spec
// does not list are stopped and removed.
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';
import { vmidPlan } from '../addressing.ts';
import type { Rendered } from './files.ts';
import { hashComment } from './comment.ts';
import { toYaml } from './yaml.ts';

export const PROXMOX_VMS_FILE = 'ansible/proxmox/vms.yml';
const ROLES = ['control-plane', 'worker', 'storage'] as const;
const API = '{{ proxmox_api_host }}';
const VALIDATE_CERTS = '{{ proxmox_validate_certs | default(true) }}';
const SNIPPETS = "{{ kubedos_snippets_storage | default('local') }}";

/** A Proxmox tag: lower-case [a-z0-9_][a-z0-9_+.-]*; other characters become '-'. */
export function proxmoxTag(tag: string): string {
  return tag
    .toLowerCase()
    .replace(/[^a-z0-9_+.-]/g, '-')
    .replace(/^[^a-z0-9_]/, '_');
}

/** The Ansible expression of the host a failure domain's VMs go to when no hosts are listed. */
function failureDomainHost(fd: string): string {
  return `{{ proxmox_failure_domain_hosts['${fd}'] }}`;
}

/** node name -> Proxmox host (or the inventory expression naming it). */
export function proxmoxPlacement(spec: ClusterSpec): Map<string, string> {
  const proxmox = spec.spec.substrate.proxmox!;
  const nodes = spec.spec.nodes.inventory;
  const hosts = proxmox.hosts ?? [];
  const out = new Map<string, string>();
  if (hosts.length === 0) {
    for (const n of nodes) out.set(n.name, failureDomainHost(n.failureDomain));
    return out;
  }
  const byDomain = proxmox.placement.by.includes('failureDomain');
  const spread = proxmox.placement.strategy === 'spread' && proxmox.placement.by.includes('node');
  const domains = spec.spec.nodes.failureDomains.map((d) => d.name);
  const groups = new Map<string, string[]>();
  domains.forEach((fd, i) => {
    const group =
      hosts.length >= domains.length
        ? hosts.filter((_, j) => j % domains.length === i)
        : [hosts[i % hosts.length]!];
    groups.set(fd, byDomain ? group : hosts);
  });
  const turns = new Map<string, number>();
  for (const n of nodes) {
    const group = groups.get(n.failureDomain) ?? hosts;
    if (!spread) {
      out.set(n.name, group[0]!);
      continue;
    }
    const key = `${byDomain ? n.failureDomain : ''}/${n.role}`;
    const turn = turns.get(key) ?? ROLES.indexOf(n.role);
    turns.set(key, turn + 1);
    out.set(n.name, group[turn % group.length]!);
  }
  return out;
}

function vmTask(spec: ClusterSpec, node: NodeSpecT, vmid: number, host: string): Record<string, unknown> {
  const cluster = spec.metadata.name;
  // The OS disk boots, so it is scsi0; the others follow in spec order.
  const disks = [
    ...node.disks.filter((d) => d.purpose === 'os'),
    ...node.disks.filter((d) => d.purpose !== 'os'),
  ];
  const osPool = disks[0]!.pool;
  const tags = [
    ...new Set([...spec.spec.substrate.proxmox!.tags, node.role, node.failureDomain].map(proxmoxTag)),
  ].sort();
  const snippet = (kind: string) => `${SNIPPETS}:snippets/${cluster}-${node.name}-${kind}.yaml`;
  return {
    name: `VM ${node.name} (vmid ${vmid}, ${node.role}, ${node.failureDomain})`,
    'community.general.proxmox_kvm': {
      node: host,
      vmid,
      name: node.name,
      description: `kubedos cluster ${cluster}: ${node.role} ${node.name} in ${node.failureDomain}`,
      ostype: 'l26',
      sockets: 1,
      cores: node.resources.cpu,
      memory: node.resources.memoryMiB,
      scsihw: 'virtio-scsi-single',
      scsi: Object.fromEntries(disks.map((d, i) => [`scsi${i}`, `${d.pool}:${d.sizeGiB}`])),
      boot: 'order=scsi0',
      net: Object.fromEntries(
        node.nics.map((nic, i) => [
          `net${i}`,
          `virtio,bridge=${nic.bridge}${nic.vlan === undefined ? '' : `,tag=${nic.vlan}`}`,
        ]),
      ),
      // The cloud-init seed (cloud-init/<node>/) is uploaded as these snippets in stage 1.
      ide: { ide2: `${osPool}:cloudinit` },
      cicustom: `user=${snippet('user-data')},meta=${snippet('meta-data')}`,
      tags,
      agent: 'enabled=1',
      onboot: true,
      state: 'present',
    },
  };
}

function destroyTasks(spec: ClusterSpec, vmids: readonly number[]): Record<string, unknown>[] {
  const range = spec.spec.substrate.proxmox!.vmidRange;
  return [
    {
      name: 'List the VMs of the Proxmox cluster (allowDestroy)',
      'ansible.builtin.uri': {
        url: `https://${API}:{{ proxmox_api_port | default(8006) }}/api2/json/cluster/resources?type=vm`,
        headers: {
          Authorization:
            'PVEAPIToken={{ proxmox_api_user }}!{{ proxmox_api_token_id }}={{ proxmox_api_token_secret }}',
        },
        validate_certs: VALIDATE_CERTS,
        return_content: true,
      },
      register: 'kubedos_proxmox_vms',
      no_log: true,
    },
    {
      name: `Select the VMs in ${range.start}-${range.end} that the spec does not list`,
      'ansible.builtin.set_fact': {
        kubedos_orphan_vms:
          "{{ kubedos_proxmox_vms.json.data | selectattr('type', 'equalto', 'qemu')" +
          ` | selectattr('vmid', '>=', ${range.start}) | selectattr('vmid', '<=', ${range.end})` +
          " | rejectattr('vmid', 'in', kubedos_spec_vmids) | list }}",
      },
      vars: { kubedos_spec_vmids: vmids },
    },
    {
      name: 'Stop the VMs the spec does not list',
      'community.general.proxmox_kvm': { vmid: '{{ item.vmid }}', state: 'stopped', force: true },
      loop: '{{ kubedos_orphan_vms }}',
      loop_control: { label: '{{ item.vmid }} {{ item.name }}' },
    },
    {
      name: 'Remove the VMs the spec does not list',
      'community.general.proxmox_kvm': { vmid: '{{ item.vmid }}', state: 'absent' },
      loop: '{{ kubedos_orphan_vms }}',
      loop_control: { label: '{{ item.vmid }} {{ item.name }}' },
    },
  ];
}

/** `ansible/proxmox/vms.yml`; nothing unless the substrate is Proxmox. */
export function renderProxmox(spec: ClusterSpec): Rendered {
  const substrate = spec.spec.substrate;
  if (substrate.type !== 'proxmox' || !substrate.proxmox) return [];
  const vmids = vmidPlan(spec);
  const placement = proxmoxPlacement(spec);
  const nodes = spec.spec.nodes.inventory;
  const tasks: Record<string, unknown>[] = [];
  if (!substrate.proxmox.hosts?.length) {
    const domains = spec.spec.nodes.failureDomains.map((d) => d.name);
    tasks.push({
      name: 'Every failure domain names its Proxmox host (proxmox_failure_domain_hosts)',
      'ansible.builtin.assert': {
        that: [
          'proxmox_failure_domain_hosts is mapping',
          ...domains.map((d) => `'${d}' in proxmox_failure_domain_hosts`),
        ],
        fail_msg: `set proxmox_failure_domain_hosts to the Proxmox host of each failure domain: ${domains.join(', ')}`,
      },
    });
  }
  const block: Record<string, unknown>[] = nodes.map((n) =>
    vmTask(spec, n, vmids.get(n.name)!, placement.get(n.name)!),
  );
  if (substrate.allowDestroy === true)
    block.push(
      ...destroyTasks(
        spec,
        nodes.map((n) => vmids.get(n.name)!),
      ),
    );
  tasks.push({
    name: `Proxmox VMs of cluster ${spec.metadata.name} on ${substrate.proxmox.clusterName}`,
    module_defaults: {
      'community.general.proxmox_kvm': {
        api_host: API,
        api_user: '{{ proxmox_api_user }}',
        api_token_id: '{{ proxmox_api_token_id }}',
        api_token_secret: '{{ proxmox_api_token_secret }}',
        validate_certs: VALIDATE_CERTS,
      },
    },
    block,
  });
  return [
    {
      path: PROXMOX_VMS_FILE,
      content:
        hashComment([
          `Proxmox VMs of cluster ${spec.metadata.name} (stage 1); rendered from the ClusterSpec, do not edit.`,
          `Imported by the stage-1 playbook. Inventory variables: proxmox_api_host, proxmox_api_user,`,
          `proxmox_api_token_id, proxmox_api_token_secret, proxmox_validate_certs (default true),`,
          `kubedos_snippets_storage (default local)${substrate.proxmox.hosts?.length ? '' : ', proxmox_failure_domain_hosts'}.`,
          `Destroy tasks: ${substrate.allowDestroy === true ? 'present (allowDestroy is true)' : 'none (allowDestroy is false)'}.`,
        ]) + toYaml(tasks),
    },
  ];
}
