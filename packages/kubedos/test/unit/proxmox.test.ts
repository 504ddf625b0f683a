import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { vmidPlan } from '../../src/addressing.ts';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { PROXMOX_VMS_FILE, proxmoxPlacement, proxmoxTag, renderProxmox } from '../../src/render/proxmox.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const KVM = 'community.general.proxmox_kvm';

function tasks(spec: ClusterSpec): Doc[] {
  const out = renderProxmox(spec);
  assert.deepEqual(
    out.map((f) => f.path),
    [PROXMOX_VMS_FILE],
  );
  return parse(out[0]!.content) as Doc[];
}

function block(spec: ClusterSpec): Doc[] {
  return tasks(spec).find((t) => t.block)!.block as Doc[];
}

test('one proxmox_kvm task per node: VMID, size, disks, NICs with VLAN tags, tags, present', () => {
  const spec = seedSpec();
  const vmids = vmidPlan(spec);
  const vms = block(spec);
  assert.equal(vms.length, 4);
  const cp1 = vms[0]![KVM] as Doc;
  assert.equal(cp1.name, 'cp-1');
  const vmid = cp1.vmid as number;
  assert.equal(vmid, vmids.get('cp-1'));
  assert.ok(vmid >= 2000 && vmid <= 2099);
  assert.equal(cp1.cores, 4);
  assert.equal(cp1.memory, 8192);
  assert.deepEqual(cp1.scsi, { scsi0: 'fast-zfs:64' });
  assert.deepEqual(cp1.net, { net0: 'virtio,bridge=vmbr0,tag=10' });
  assert.deepEqual(cp1.tags, ['artifact-0.1.0', 'control-plane', 'kubedos', 'rack-a']);
  assert.equal(cp1.state, 'present');
  assert.equal(cp1.node, "{{ proxmox_failure_domain_hosts['rack-a'] }}");
  assert.match(
    cp1.cicustom,
    /:snippets\/lab-01-cp-1-user-data\.yaml,meta=.*:snippets\/lab-01-cp-1-meta-data\.yaml$/,
  );
  assert.equal(new Set(vms.map((t) => t[KVM].vmid)).size, 4);
});

test('without listed hosts, an assert requires a host for every failure domain', () => {
  const [first] = tasks(seedSpec());
  assert.deepEqual(first!['ansible.builtin.assert'].that, [
    'proxmox_failure_domain_hosts is mapping',
    "'rack-a' in proxmox_failure_domain_hosts",
    "'rack-b' in proxmox_failure_domain_hosts",
  ]);
});

test('the OS disk is scsi0, other disks follow; a NIC without VLAN has no tag', () => {
  const spec = seedSpec();
  const w1 = spec.spec.nodes.inventory[3]!;
  w1.disks = [
    { pool: 'fast-zfs', sizeGiB: 500, purpose: 'data' },
    { pool: 'fast-zfs', sizeGiB: 40, purpose: 'os' },
  ];
  w1.nics = [
    { bridge: 'vmbr0', vlan: 10, purpose: 'uplink' },
    { bridge: 'vmbr1', purpose: 'storage' },
  ];
  const vm = block(spec)[3]![KVM] as Doc;
  assert.deepEqual(vm.scsi, { scsi0: 'fast-zfs:40', scsi1: 'fast-zfs:500' });
  assert.deepEqual(vm.net, { net0: 'virtio,bridge=vmbr0,tag=10', net1: 'virtio,bridge=vmbr1' });
});

test('destroy tasks only with allowDestroy true, limited to the VMID range and to VMs the spec does not list', () => {
  const spec = seedSpec();
  const content = () => renderProxmox(spec)[0]!.content;
  assert.doesNotMatch(content(), /absent|stopped/);
  spec.spec.substrate.allowDestroy = true;
  const steps = block(spec).slice(4);
  assert.deepEqual(
    steps.map((t) => t.name),
    [
      'List the VMs of the Proxmox cluster (allowDestroy)',
      'Select the VMs in 2000-2099 that the spec does not list',
      'Stop the VMs the spec does not list',
      'Remove the VMs the spec does not list',
    ],
  );
  assert.deepEqual(steps[1]!.vars.kubedos_spec_vmids, [...vmidPlan(spec).values()]);
  assert.match(steps[1]!['ansible.builtin.set_fact'].kubedos_orphan_vms, /selectattr\('vmid', '>=', 2000\)/);
  assert.equal(steps[3]![KVM].state, 'absent');
  assert.equal(steps[0]!.no_log, true);
});

test('listed hosts: failure domains get their own hosts, same-role nodes spread over them', () => {
  const spec = generatedSpec(12); // 3 control planes and 9 workers over rack-a/b/c
  spec.spec.substrate.proxmox!.hosts = ['pve1', 'pve2', 'pve3', 'pve4', 'pve5', 'pve6'];
  const placement = proxmoxPlacement(spec);
  const nodes = spec.spec.nodes.inventory;
  const hostDomain = new Map<string, string>();
  for (const n of nodes) {
    const host = placement.get(n.name)!;
    assert.equal(
      hostDomain.get(host) ?? n.failureDomain,
      n.failureDomain,
      `${host} serves one failure domain`,
    );
    hostDomain.set(host, n.failureDomain);
  }
  // rack-a has pve1 and pve4: its three workers alternate between them.
  const rackAWorkers = nodes.filter((n) => n.failureDomain === 'rack-a' && n.role === 'worker');
  assert.deepEqual(
    rackAWorkers.map((n) => placement.get(n.name)),
    ['pve4', 'pve1', 'pve4'],
  );
  assert.equal(block(spec)[0]![KVM].node, placement.get(nodes[0]!.name));
  assert.ok(!tasks(spec).some((t) => t['ansible.builtin.assert']));
});

test('pack puts a failure domain on its first host; fewer hosts than domains share', () => {
  const spec = generatedSpec(12);
  spec.spec.substrate.proxmox!.hosts = ['pve1', 'pve2'];
  spec.spec.substrate.proxmox!.placement.strategy = 'pack';
  const placement = proxmoxPlacement(spec);
  for (const n of spec.spec.nodes.inventory)
    assert.equal(
      placement.get(n.name),
      { 'rack-a': 'pve1', 'rack-b': 'pve2', 'rack-c': 'pve1' }[n.failureDomain],
    );
});

test('VMIDs stay put when a node is added', () => {
  const spec = generatedSpec(10);
  const before = vmidPlan(spec);
  spec.spec.nodes.inventory.push({ ...structuredClone(spec.spec.nodes.inventory[5]!), name: 'w-extra' });
  const after = vmidPlan(spec);
  for (const [name, vmid] of before) assert.equal(after.get(name), vmid, name);
});

test('tags are made valid Proxmox tags; nothing without a Proxmox substrate', () => {
  assert.equal(proxmoxTag('artifact:0.1.0'), 'artifact-0.1.0');
  assert.equal(proxmoxTag('-lead'), '_lead');
  assert.equal(proxmoxTag('Team+A'), 'team+a');
  const spec = seedSpec();
  spec.spec.substrate.type = 'baremetal';
  assert.deepEqual(renderProxmox(spec), []);
});
