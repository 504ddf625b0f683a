import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { vmidPlan } from '../../src/addressing.ts';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import {
  STATE_FILE,
  StateError,
  checkPlan,
  generateSpec,
  plan,
  planToJson,
  readState,
  recordApply,
} from '../../src/plan/index.ts';
import type { Plan, PlanState } from '../../src/plan/index.ts';
import { validateSpec } from '../../src/validate/index.ts';

const FIXTURE = new URL('../fixtures/seed-lab-01.yaml', import.meta.url);
const seed = (): ClusterSpec => parse(readFileSync(FIXTURE, 'utf8')) as ClusterSpec;

const ids = (p: Plan) => p.steps.map((s) => s.id);
/** The steps of a plan besides the stage-0/7 ones every non-empty plan carries. */
const core = (p: Plan) => ids(p).filter((id) => !/^[07]\//.test(id));
const edit = (spec: ClusterSpec, change: (s: ClusterSpec['spec']) => void): ClusterSpec => {
  const copy = structuredClone(spec);
  change(copy.spec);
  return copy;
};

/** A spec with Ceph on: a storage plane and two storage nodes with OSD disks. */
function cephSpec(): ClusterSpec {
  return edit(generateSpec(5), (s) => {
    s.networking.planes.wg4 = { cidr: '10.104.0.0/24', purpose: 'storage' };
    s.storage.ceph = {
      enabled: true,
      size: 2,
      minSize: 1,
      failureDomain: 'host',
      plane: 'wg4',
      pools: [{ name: 'rbd' }],
    };
    for (const name of ['st-1', 'st-2'])
      s.nodes.inventory.push({
        name,
        role: 'storage',
        failureDomain: 'rack-1',
        resources: { cpu: 4, memoryMiB: 8192 },
        disks: [
          { pool: 'fast-zfs', sizeGiB: 32, purpose: 'os' },
          { pool: 'fast-zfs', sizeGiB: 500, purpose: 'ceph-osd' },
        ],
        nics: [{ bridge: 'vmbr0', vlan: 10, purpose: 'uplink' }],
      });
  });
}

describe('plan of the seed spec', () => {
  const p = plan(seed());

  it('lists every stage in order with stable step ids', () => {
    assert.equal(p.cluster, 'lab-01');
    assert.equal(p.incremental, false);
    assert.deepEqual(p.blocked, []);
    assert.deepEqual(ids(p).slice(0, 4), [
      '0/validate',
      '0/render',
      '1/provision-vm/cp-1',
      '1/attach-disk/cp-1/disk0',
    ]);
    assert.deepEqual(ids(p).slice(-2), ['7/acceptance', '7/seal']);
    const stages = p.steps.map((s) => s.stage);
    assert.deepEqual(
      stages,
      [...stages].sort((a, b) => a - b),
    );
    const perStage = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => p.steps.filter((s) => s.stage === k).length);
    assert.deepEqual(perStage, [2, 8, 4, 12, 5, 20, 6, 2]);
    for (const step of p.steps) {
      assert.match(step.id, /^[0-7]\/[a-z-]+(\/[a-z0-9-]+)*$/);
      assert.ok(step.id.startsWith(`${step.stage}/${step.action}`), step.id);
      assert.match(step.inputsHash, /^[0-9a-f]{64}$/);
    }
    assert.ok(ids(p).includes('3/wg-up/cp-1/wg1'));
    assert.ok(ids(p).includes('3/wg-up/w-1/wg3'));
    assert.ok(ids(p).includes('4/salt-enroll/cp-2'));
  });

  it('is a topological order: every dependency comes earlier', () => {
    const seen = new Set<string>();
    for (const step of p.steps) {
      for (const d of step.dependsOn) assert.ok(seen.has(d), `${step.id} depends on later ${d}`);
      seen.add(step.id);
    }
  });

  it('passes the ordering check and has nothing destructive', () => {
    assert.deepEqual(checkPlan(p), []);
    assert.equal(p.steps.filter((s) => s.destructive).length, 0);
  });

  it('provisions one VM per node with its VMID and placement', () => {
    const vmids = vmidPlan(seed());
    for (const name of ['cp-1', 'cp-2', 'cp-3', 'w-1']) {
      const step = p.steps.find((s) => s.id === `1/provision-vm/${name}`)!;
      assert.equal(step.node, name);
      assert.match(step.description, new RegExp(`^VM ${vmids.get(name)} on pve-01 `));
      assert.match(step.description, /placement spread by node\+failureDomain/);
    }
  });

  it('initialises Kubernetes once on the first control plane and joins the others', () => {
    const stage6 = p.steps.filter((s) => s.stage === 6);
    assert.deepEqual(
      stage6.map((s) => [s.id, s.node ?? null, s.once ?? false]),
      [
        ['6/kubeadm-init', 'cp-1', true],
        ['6/join-control-plane/cp-2', 'cp-2', true],
        ['6/join-control-plane/cp-3', 'cp-3', true],
        ['6/join-worker/w-1', 'w-1', true],
        ['6/cilium', null, false],
        ['6/observability', null, false],
      ],
    );
    const step = (id: string) => p.steps.find((s) => s.id === id)!;
    // Control planes join one at a time.
    assert.ok(step('6/join-control-plane/cp-3').dependsOn.includes('6/join-control-plane/cp-2'));
    assert.ok(step('6/join-worker/w-1').dependsOn.includes('6/kubeadm-init'));
    assert.ok(step('6/observability').dependsOn.includes('6/cilium'));
    assert.deepEqual(step('7/seal').dependsOn, ['7/acceptance']);
    assert.deepEqual(step('7/acceptance').dependsOn, ['6/observability']);
  });

  it('is deterministic: same spec, same JSON; key order does not matter', () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const json = planToJson(p);
    assert.equal(planToJson(plan(seed())), json);
    assert.equal(planToJson(plan(reversed(seed()) as ClusterSpec)), json);
  });
});

describe('inputs hashes cover exactly what a step is made of', () => {
  const base = seed();
  const before = plan(base);
  const changedBy = (change: (s: ClusterSpec['spec']) => void) => {
    const after = plan(edit(base, change));
    const was = new Map(before.steps.map((s) => [s.id, s.inputsHash]));
    return after.steps
      .filter((s) => was.get(s.id) !== s.inputsHash && !/^[07]\//.test(s.id))
      .map((s) => s.id);
  };

  it('a VM size change touches only that VM', () => {
    assert.deepEqual(
      changedBy((s) => (s.nodes.inventory[3]!.resources.cpu = 16)),
      ['1/provision-vm/w-1'],
    );
  });

  it('a plane address override re-runs that plane on every peer, the enrollment over it and discovery', () => {
    assert.deepEqual(
      changedBy((s) => (s.nodes.inventory[1]!.addresses = { wg1: '10.101.0.200' })),
      [
        '3/wg-up/cp-1/wg1',
        '3/wg-up/cp-2/wg1',
        '3/wg-up/cp-3/wg1',
        '3/wg-up/w-1/wg1',
        '4/salt-enroll/cp-2',
        '4/discover',
      ],
    );
  });

  it('an SSH policy change touches firstboot and the firewall of every node', () => {
    assert.deepEqual(
      changedBy((s) => (s.security.ssh.allowUsers = ['ops', 'audit'])),
      [
        ...['cp-1', 'cp-2', 'cp-3', 'w-1'].map((n) => `2/firstboot/${n}`),
        ...['cp-1', 'cp-2', 'cp-3', 'w-1'].map((n) => `5/network-policy/${n}`),
      ],
    );
  });

  it('the observability plane touches only the observability step', () => {
    assert.deepEqual(
      changedBy((s) => (s.kubernetes.observability.stack.loki = false)),
      ['6/observability'],
    );
  });
});

describe('plan variants', () => {
  it('Kubernetes off: no stage 6 and no runtime', () => {
    const p = plan(edit(seed(), (s) => (s.kubernetes.enabled = false)));
    assert.equal(p.steps.filter((s) => s.stage === 6 || s.action === 'runtime').length, 0);
    assert.deepEqual(checkPlan(p), []);
  });

  it('Salt off: gated enrollment without Salt', () => {
    const p = plan(edit(seed(), (s) => (s.orchestration.salt.enabled = false)));
    assert.ok(ids(p).includes('4/enroll/cp-1'));
    assert.ok(!ids(p).some((id) => id.includes('salt-enroll')));
  });

  it('bare metal enlists machines and attaches no disks; cloud provisions instances', () => {
    const metal = plan(edit(seed(), (s) => (s.substrate = { type: 'baremetal', allowDestroy: false })));
    assert.ok(ids(metal).includes('1/enlist-machine/cp-1'));
    assert.ok(!ids(metal).some((id) => id.startsWith('1/attach-disk')));
    const cloud = plan(edit(seed(), (s) => (s.substrate = { type: 'cloud', allowDestroy: false })));
    assert.ok(ids(cloud).includes('1/provision-instance/w-1'));
    assert.deepEqual(checkPlan(metal), []);
    assert.deepEqual(checkPlan(cloud), []);
  });

  it('Ceph on: OSD devices, daemons, pools, and storage nodes outside Kubernetes', () => {
    const p = plan(cephSpec());
    const step = (id: string) => p.steps.find((s) => s.id === id)!;
    assert.equal(step('5/format/st-1/disk1').description, 'disk1: Ceph OSD device');
    assert.ok(!ids(p).includes('5/partition/st-1/disk1'));
    assert.deepEqual(step('5/ceph/st-1').dependsOn.slice(-1), ['5/format/st-1/disk1']);
    assert.match(step('5/ceph/cp-1').description, /^Ceph monitor, bound to wg4$/);
    assert.match(step('5/ceph/st-2').description, /^Ceph OSDs on disk1, bound to wg4$/);
    assert.ok(!ids(p).includes('5/ceph/w-1'));
    assert.deepEqual(step('5/ceph-pools').dependsOn, [
      '5/ceph/cp-1',
      '5/ceph/cp-2',
      '5/ceph/cp-3',
      '5/ceph/st-1',
      '5/ceph/st-2',
    ]);
    assert.ok(!ids(p).some((id) => id.startsWith('6/') && id.endsWith('/st-1')));
    assert.ok(!ids(p).includes('5/runtime/st-1'));
    assert.ok(step('6/cilium').dependsOn.includes('5/ceph-pools'));
    assert.deepEqual(checkPlan(p), []);
  });

  it('data disks get a partition and a filesystem: ZFS in a ZFS pool, xfs elsewhere', () => {
    const p = plan(
      edit(seed(), (s) => {
        s.substrate.proxmox!.storagePools.push({ name: 'bulk', type: 'lvm-thin' });
        s.nodes.inventory[3]!.disks.push({ pool: 'fast-zfs', sizeGiB: 100, purpose: 'data' });
        s.nodes.inventory[3]!.disks.push({ pool: 'bulk', sizeGiB: 200, purpose: 'data' });
      }),
    );
    const step = (id: string) => p.steps.find((s) => s.id === id)!;
    assert.equal(step('5/format/w-1/disk1').description, 'disk1: ZFS vdev');
    assert.equal(step('5/format/w-1/disk2').description, 'disk2: xfs filesystem');
    assert.deepEqual(step('5/format/w-1/disk2').dependsOn, ['5/partition/w-1/disk2']);
    assert.ok(step('5/zfs/w-1').dependsOn.includes('5/format/w-1/disk1'));
    assert.ok(!step('5/zfs/w-1').dependsOn.includes('5/format/w-1/disk2'));
  });
});

describe('generateSpec', () => {
  it('produces valid specs with 3 or 5 control planes', () => {
    for (const n of [3, 10, 100, 250, 1000]) {
      const spec = generateSpec(n);
      const report = validateSpec(spec);
      assert.deepEqual(report.errors, [], `${n} nodes`);
      const cps = spec.spec.nodes.inventory.filter((node) => node.role === 'control-plane').length;
      assert.equal(cps, n >= 100 ? 5 : 3);
      assert.equal(spec.spec.nodes.inventory.length, n);
    }
    assert.match(generateSpec(1000).spec.networking.planes.wg1!.cidr, /\/16$/);
    assert.throws(() => generateSpec(2), RangeError);
  });

  it('plans 1,000 nodes, and the plan passes the ordering check', () => {
    const spec = generateSpec(1000);
    const p = plan(spec);
    assert.equal(p.steps.filter((s) => s.action === 'kubeadm-init').length, 1);
    assert.equal(p.steps.filter((s) => s.action === 'join-worker').length, 995);
    assert.deepEqual(checkPlan(p), []);
  });
});

describe('incremental plans (--state)', () => {
  const base = generateSpec(5);
  const applied: PlanState = plan(base).after;
  const flagged = (spec: ClusterSpec, flag: 'destroy' | 'repartition' | 'wipe' | 'reset') =>
    edit(spec, (s) => {
      if (flag === 'destroy') s.substrate.allowDestroy = true;
      if (flag === 'repartition') s.orchestration.ansible.safety.allowRepartition = true;
      if (flag === 'wipe') s.orchestration.ansible.safety.allowWipe = true;
      if (flag === 'reset') s.kubernetes.allowReset = true;
    });
  /** Plans, checks, "applies" and asserts the next plan is empty (but for what stays blocked). */
  const step = (spec: ClusterSpec, state: PlanState) => {
    const p = plan(spec, { state });
    assert.deepEqual(checkPlan(p), []);
    const next = plan(spec, { state: p.after });
    assert.deepEqual(ids(next), [], 'the plan after an apply is empty');
    assert.deepEqual(next.blocked, p.blocked);
    return p;
  };

  it('is empty for the spec that was applied', () => {
    const p = plan(base, { state: applied });
    assert.equal(p.incremental, true);
    assert.deepEqual(p.steps, []);
    assert.deepEqual(p.blocked, []);
    assert.deepEqual(p.after, applied);
  });

  it('lists a new node, every peer that must learn it, discovery and the seal', () => {
    // Cilium is not re-run: its DaemonSet covers the new node by itself.
    const spec = edit(base, (s) =>
      s.nodes.inventory.push({ ...structuredClone(s.nodes.inventory[4]!), name: 'w-9' }),
    );
    const p = step(spec, applied);
    const mine = core(p).filter((id) => id.includes('/w-9'));
    assert.equal(mine.length, plan(spec).steps.filter((s) => s.node === 'w-9').length);
    const others = core(p).filter((id) => !id.includes('/w-9'));
    assert.deepEqual(others, [
      ...['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].flatMap((n) =>
        ['wg1', 'wg2', 'wg3'].map((w) => `3/wg-up/${n}/${w}`),
      ),
      '4/discover',
    ]);
    assert.deepEqual(ids(p).slice(0, 2), ['0/validate', '0/render']);
    assert.deepEqual(ids(p).slice(-2), ['7/acceptance', '7/seal']);
  });

  it('re-runs only the changed step of a node, skipping over applied ones', () => {
    const p = step(
      edit(base, (s) => (s.nodes.inventory[4]!.resources.memoryMiB = 32768)),
      applied,
    );
    assert.deepEqual(core(p), ['1/provision-vm/w-2']);
    const seal = p.steps.find((s) => s.id === '7/acceptance')!;
    assert.deepEqual(seal.dependsOn, ['1/provision-vm/w-2']);
  });

  it('a removed node: blocked without allowDestroy, destroyed with it', () => {
    const spec = edit(base, (s) => void s.nodes.inventory.pop());
    const blocked = step(spec, applied);
    assert.deepEqual(blocked.blocked, [
      {
        id: '1/destroy-vm/w-2',
        stage: 1,
        node: 'w-2',
        action: 'destroy-vm',
        flag: 'spec.substrate.allowDestroy',
        reason:
          'node w-2 is recorded in the state but no longer in the spec; set spec.substrate.allowDestroy: true to allow it',
      },
    ]);
    assert.ok(!ids(blocked).some((id) => id.includes('w-2')));
    assert.ok(blocked.after.steps['1/provision-vm/w-2'], 'the blocked node stays recorded');

    const allowed = step(flagged(spec, 'destroy'), applied);
    assert.deepEqual(allowed.blocked, []);
    const destroy = allowed.steps.find((s) => s.id === '1/destroy-vm/w-2')!;
    assert.equal(destroy.destructive, true);
    assert.equal(destroy.allowedBy, 'spec.substrate.allowDestroy');
    assert.deepEqual(allowed.steps.find((s) => s.id === '6/remove-node/w-2')!.dependsOn, [
      '1/destroy-vm/w-2',
    ]);
    assert.ok(!Object.keys(allowed.after.steps).some((id) => id.includes('w-2')));
  });

  it('a grown disk needs allowRepartition; a new disk does not', () => {
    const spec = edit(base, (s) => {
      s.nodes.inventory[4]!.disks[0]!.sizeGiB = 256;
      s.nodes.inventory[4]!.disks.push({ pool: 'fast-zfs', sizeGiB: 100, purpose: 'data' });
    });
    const blocked = step(spec, applied);
    assert.deepEqual(
      blocked.blocked.map((b) => [b.id, b.flag]),
      [['5/repartition/w-2/disk0', 'spec.orchestration.ansible.safety.allowRepartition']],
    );
    assert.deepEqual(core(blocked), [
      '1/attach-disk/w-2/disk0',
      '1/attach-disk/w-2/disk1',
      '5/partition/w-2/disk1',
      '5/format/w-2/disk1',
      '5/zfs/w-2',
    ]);
    const allowed = step(flagged(spec, 'repartition'), applied);
    const repartition = allowed.steps.find((s) => s.id === '5/repartition/w-2/disk0')!;
    assert.equal(repartition.destructive, true);
    assert.match(repartition.description, /root layout over 256 GiB/);
    assert.equal(allowed.after.steps['5/partition/w-2/disk0'], repartition.inputsHash);
  });

  it('a disk that changes use needs allowWipe, and its storage re-converges after the wipe', () => {
    const withData = edit(base, (s) =>
      s.nodes.inventory[4]!.disks.push({ pool: 'other', sizeGiB: 100, purpose: 'data' }),
    );
    const state = plan(withData).after;
    const spec = edit(withData, (s) => (s.storage.zfs.pools = ['fast-zfs', 'other']));
    assert.deepEqual(
      step(spec, state).blocked.map((b) => b.id),
      ['5/wipe/w-2/disk1'],
    );
    const allowed = step(flagged(spec, 'wipe'), state);
    assert.deepEqual(core(allowed), [
      '5/zfs/cp-1',
      '5/zfs/cp-2',
      '5/zfs/cp-3',
      '5/zfs/w-1',
      '5/wipe/w-2/disk1',
      '5/zfs/w-2',
    ]);
    assert.ok(allowed.steps.find((s) => s.id === '5/zfs/w-2')!.dependsOn.includes('5/wipe/w-2/disk1'));
  });

  it('a removed disk needs allowDestroy', () => {
    const withData = edit(base, (s) =>
      s.nodes.inventory[4]!.disks.push({ pool: 'fast-zfs', sizeGiB: 100, purpose: 'data' }),
    );
    const state = plan(withData).after;
    assert.deepEqual(
      step(base, state).blocked.map((b) => [b.id, b.flag]),
      [['1/detach-disk/w-2/disk1', 'spec.substrate.allowDestroy']],
    );
    const allowed = step(flagged(base, 'destroy'), state);
    assert.ok(ids(allowed).includes('1/detach-disk/w-2/disk1'));
    assert.ok(!Object.keys(allowed.after.steps).some((id) => id.includes('w-2/disk1')));
  });

  it('changed kubeadm init inputs need allowReset; with it everything in stage 6 runs again', () => {
    const spec = edit(base, (s) => (s.kubernetes.version = 'v1.31.x'));
    const blocked = step(spec, applied);
    assert.deepEqual(
      blocked.blocked.map((b) => [b.id, b.flag]),
      [['6/reset', 'spec.kubernetes.allowReset']],
    );
    assert.ok(!ids(blocked).some((id) => id.startsWith('6/')));
    const allowed = step(flagged(spec, 'reset'), applied);
    const stage6 = allowed.steps.filter((s) => s.stage === 6).map((s) => s.id);
    assert.deepEqual(stage6, [
      '6/reset',
      '6/kubeadm-init',
      '6/join-control-plane/cp-2',
      '6/join-control-plane/cp-3',
      '6/join-worker/w-1',
      '6/join-worker/w-2',
      '6/cilium',
      '6/observability',
    ]);
    assert.ok(allowed.steps.find((s) => s.id === '6/kubeadm-init')!.dependsOn.includes('6/reset'));
  });

  it('a worker promoted to control plane is reset first, then joins again', () => {
    const spec = edit(base, (s) => {
      s.nodes.inventory[3]!.role = 'control-plane';
      s.nodes.inventory[4]!.role = 'control-plane';
      s.kubernetes.ha.controlPlaneReplicas = 5;
    });
    assert.deepEqual(
      step(spec, applied).blocked.map((b) => b.id),
      ['6/reset/w-1', '6/reset/w-2'],
    );
    const allowed = step(flagged(spec, 'reset'), applied);
    const join = allowed.steps.find((s) => s.id === '6/join-control-plane/w-1')!;
    assert.ok(join.dependsOn.includes('6/reset/w-1'));
  });

  it('when the init node leaves, the next control plane takes over; a derived endpoint needs a reset', () => {
    const fixed = edit(base, (s) => (s.kubernetes.ha.controlPlaneEndpoint = 'api.lab:6443'));
    const withoutFirst = (spec: ClusterSpec) =>
      flagged(
        edit(spec, (s) => void s.nodes.inventory.shift()),
        'destroy',
      );
    const p = step(withoutFirst(fixed), plan(fixed).after);
    assert.deepEqual(p.blocked, []);
    assert.deepEqual(
      p.steps.filter((s) => s.destructive || s.stage === 6).map((s) => s.id),
      ['1/destroy-vm/cp-1', '6/remove-node/cp-1'],
    );
    assert.equal(p.steps.find((s) => s.id === '4/discover')?.stage, 4);
    const derived = plan(withoutFirst(base), { state: applied });
    assert.deepEqual(
      derived.blocked.map((b) => b.id),
      ['6/reset'],
    );
  });

  it('a removed plane is retired, without a flag', () => {
    const spec = edit(base, (s) => {
      delete s.networking.planes.wg2;
      s.networking.policy.allow = s.networking.policy.allow.filter((r) => r.from !== 'wg2');
      s.kubernetes.observability.bindPlane = 'wg1';
    });
    const p = step(spec, applied);
    assert.deepEqual(p.blocked, []);
    const retired = p.steps.filter((s) => s.action === 'retire');
    assert.deepEqual(
      retired.map((s) => [s.id, s.destructive]),
      ['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].map((n) => [`3/retire/wg-up/${n}/wg2`, false]),
    );
  });

  it('Kubernetes switched off: reset is gated and the runtime goes with it', () => {
    const spec = edit(base, (s) => (s.kubernetes.enabled = false));
    const blocked = step(spec, applied);
    assert.deepEqual(
      blocked.blocked.map((b) => b.id),
      ['6/reset'],
    );
    assert.deepEqual(core(blocked), []);
    assert.ok(blocked.after.steps['5/runtime/cp-1'], 'the runtime of a running cluster stays');
    const allowed = step(flagged(spec, 'reset'), applied);
    assert.deepEqual(core(allowed), ['6/reset']);
    assert.ok(
      !Object.keys(allowed.after.steps).some((id) => id.startsWith('6/') || id.startsWith('5/runtime')),
    );
  });
});

describe('state directory', () => {
  it('records an apply and reads it back; nothing to do afterwards', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubedos-state-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const spec = seed();
    assert.equal(await readState(dir), undefined);
    const first = plan(spec, { state: await readState(dir) });
    assert.equal(first.incremental, false);
    await recordApply(first, path.join(dir, 'nested'));
    const state = await readState(path.join(dir, 'nested'));
    assert.deepEqual(state, first.after);
    const text = await readFile(path.join(dir, 'nested', STATE_FILE), 'utf8');
    const parsed = JSON.parse(text) as PlanState;
    assert.deepEqual(Object.keys(parsed), ['specHash', 'steps']);
    assert.deepEqual(Object.keys(parsed.steps), Object.keys(parsed.steps).sort());
    const second = plan(spec, { state });
    assert.deepEqual(second.steps, []);
    assert.equal(planToJson(second), planToJson(plan(spec, { state })));
  });

  it('names the file in errors', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubedos-state-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, STATE_FILE);
    await writeFile(file, '{not json');
    await assert.rejects(
      readState(dir),
      (e: unknown) => e instanceof StateError && e.message.startsWith(file),
    );
    await writeFile(file, JSON.stringify({ specHash: 'x', steps: {} }));
    await assert.rejects(readState(dir), /specHash must be a sha256 hex digest/);
    await writeFile(
      file,
      JSON.stringify({ specHash: 'a'.repeat(64), steps: { 'bogus id': 'a'.repeat(64) } }),
    );
    await assert.rejects(readState(dir), /"bogus id" is not a step id/);
  });
});
