import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ClusterSpec, NodeSpecT } from '../../src/api/clusterspec.ts';
import {
  AddressingError,
  addressPlan,
  controlPlaneName,
  planeNames,
  vmidPlan,
  type AddressPlan,
} from '../../src/addressing.ts';
import { formatIpv4, parseCidr, parseIpv4, usableHosts } from '../../src/validate/ipv4.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

/** An independent statement of the home address: network + 1 + (first 48 bits of sha256(name)) mod usable. */
function home(name: string, cidrText: string): string {
  const cidr = parseCidr(cidrText)!;
  const h = createHash('sha256').update(name).digest().readUIntBE(0, 6);
  return formatIpv4(cidr.network + 1 + (h % usableHosts(cidr)));
}

function withNodes(spec: ClusterSpec, nodes: NodeSpecT[]): ClusterSpec {
  const copy = structuredClone(spec);
  copy.spec.nodes.inventory = nodes;
  return copy;
}

function node(spec: ClusterSpec, name: string, extra: Partial<NodeSpecT> = {}): NodeSpecT {
  return { ...structuredClone(spec.spec.nodes.inventory[0]!), name, ...extra };
}

function onePlane(cidr: string): ClusterSpec {
  const spec = seedSpec();
  spec.spec.networking.planes = { wg1: { cidr, purpose: 'control' } };
  spec.spec.networking.policy.allow = [];
  return spec;
}

function addressesOf(plan: AddressPlan, plane: string): Map<string, string> {
  return new Map([...plan].map(([n, byPlane]) => [n, byPlane.get(plane)!]));
}

describe('addressPlan', () => {
  it('gives every node of the seed one usable, unique address per plane', () => {
    const spec = seedSpec();
    const plan = addressPlan(spec);
    assert.deepEqual([...plan.keys()], ['cp-1', 'cp-2', 'cp-3', 'w-1']);
    for (const plane of planeNames(spec)) {
      const cidr = parseCidr(spec.spec.networking.planes[plane]!.cidr)!;
      const seen = new Set<string>();
      for (const [, byPlane] of plan) {
        const ip = parseIpv4(byPlane.get(plane)!)!;
        assert.ok(ip > cidr.network && ip < cidr.last, `${plane} ${byPlane.get(plane)}`);
        seen.add(byPlane.get(plane)!);
      }
      assert.equal(seen.size, 4);
    }
  });

  it('derives the address from the name alone: the home address, the same offset in same-size planes', () => {
    const spec = seedSpec();
    const plan = addressPlan(spec);
    for (const [name, byPlane] of plan)
      for (const [plane, ip] of byPlane)
        assert.equal(ip, home(name, spec.spec.networking.planes[plane]!.cidr));
    assert.deepEqual(
      [...plan.get('cp-1')!.values()].map((ip) => ip.split('.')[3]),
      Array(3).fill(plan.get('cp-1')!.get('wg1')!.split('.')[3]),
    );
  });

  it('is deterministic and independent of inventory order', () => {
    const spec = generatedSpec(100);
    const a = addressPlan(spec);
    const reversed = withNodes(spec, [...spec.spec.nodes.inventory].reverse());
    const b = addressPlan(reversed);
    for (const [name, byPlane] of a) assert.deepEqual(b.get(name), byPlane);
    assert.deepEqual(addressPlan(spec), a);
  });

  it('keeps existing addresses when nodes are added or removed (no collision)', () => {
    const spec = generatedSpec(100);
    const before = addressPlan(spec);
    const cidrs = spec.spec.networking.planes;
    // Every node sits at its home: nothing collided in these /16 planes.
    for (const [name, byPlane] of before)
      for (const [plane, ip] of byPlane) assert.equal(ip, home(name, cidrs[plane]!.cidr));
    const grown = withNodes(spec, [
      ...spec.spec.nodes.inventory,
      ...Array.from({ length: 50 }, (_, i) => node(spec, `extra-${i}`)),
    ]);
    const shrunk = withNodes(
      spec,
      spec.spec.nodes.inventory.filter((_, i) => i % 3 !== 0),
    );
    for (const other of [addressPlan(grown), addressPlan(shrunk)])
      for (const [name, byPlane] of other)
        if (before.has(name)) assert.deepEqual(byPlane, before.get(name), name);
  });

  it('moves a node only on a real collision: same home and a smaller name, or an override of its address', () => {
    // A /27 (30 addresses) with 20 nodes collides a lot; check the guarantee on every add/remove.
    const spec = onePlane('10.9.0.0/27');
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const homes = new Map(names.map((n) => [n, home(n, '10.9.0.0/27')]));
    let checked = 0;
    for (let round = 0; round < 40; round++) {
      const before = names.filter((_, i) => (i * 7 + round) % 3 !== 0).slice(0, 20);
      const after = [
        ...before.slice(round % 4),
        ...names.filter((n) => !before.includes(n)).slice(0, 6),
      ].slice(0, 25);
      const a = addressesOf(
        addressPlan(
          withNodes(
            spec,
            before.map((n) => node(spec, n)),
          ),
        ),
        'wg1',
      );
      const b = addressesOf(
        addressPlan(
          withNodes(
            spec,
            after.map((n) => node(spec, n)),
          ),
        ),
        'wg1',
      );
      for (const n of before) {
        if (!after.includes(n) || a.get(n) !== homes.get(n)) continue;
        const displaced = after.some((m) => m !== n && homes.get(m) === homes.get(n) && m < n);
        if (!displaced) {
          assert.equal(b.get(n), a.get(n), `round ${round}: ${n} held its home ${a.get(n)}`);
          checked++;
        }
      }
      // Collision losers take the first free address after their home; nobody shares an address.
      assert.equal(new Set(b.values()).size, after.length);
    }
    assert.ok(checked > 200, `checked ${checked}`);
  });

  it('reserves explicit overrides first; the node whose home they take moves', () => {
    const spec = onePlane('10.9.0.0/24');
    const taken = home('b', '10.9.0.0/24');
    const plan = addressPlan(
      withNodes(spec, [node(spec, 'a', { addresses: { wg1: taken } }), node(spec, 'b'), node(spec, 'c')]),
    );
    assert.equal(plan.get('a')!.get('wg1'), taken);
    assert.notEqual(plan.get('b')!.get('wg1'), taken);
    assert.equal(plan.get('c')!.get('wg1'), home('c', '10.9.0.0/24'));
  });

  it('never uses the network or broadcast address, and fills a plane exactly', () => {
    const spec = onePlane('10.9.0.0/29'); // 6 usable: .1-.6
    const six = withNodes(
      spec,
      ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => node(spec, n)),
    );
    const ips = [...addressesOf(addressPlan(six), 'wg1').values()].sort();
    assert.deepEqual(ips, ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
  });

  it('fails when a plane is full', () => {
    const spec = onePlane('10.9.0.0/30'); // 2 usable
    const three = withNodes(
      spec,
      ['a', 'b', 'c'].map((n) => node(spec, n)),
    );
    assert.throws(
      () => addressPlan(three),
      (e: unknown) =>
        e instanceof AddressingError &&
        e.path === '/spec/networking/planes/wg1/cidr' &&
        /2 usable/.test(e.message),
    );
    const slash32 = withNodes(onePlane('10.9.0.1/32'), [node(spec, 'a')]);
    assert.throws(() => addressPlan(slash32), AddressingError);
  });

  it('rejects unusable, duplicate and unknown-plane overrides, and missing addresses in static mode', () => {
    const spec = onePlane('10.9.0.0/24');
    const cases: [NodeSpecT[], string, RegExp][] = [
      [
        [node(spec, 'a', { addresses: { wg1: '10.8.0.5' } })],
        '/spec/nodes/inventory/0/addresses/wg1',
        /not a usable/,
      ],
      [
        [node(spec, 'a', { addresses: { wg1: '10.9.0.0' } })],
        '/spec/nodes/inventory/0/addresses/wg1',
        /not a usable/,
      ],
      [
        [node(spec, 'a', { addresses: { wg1: '10.9.0.255' } })],
        '/spec/nodes/inventory/0/addresses/wg1',
        /not a usable/,
      ],
      [
        [
          node(spec, 'a', { addresses: { wg1: '10.9.0.7' } }),
          node(spec, 'b', { addresses: { wg1: '10.9.0.7' } }),
        ],
        '/spec/nodes/inventory/1/addresses/wg1',
        /already the wg1 address of a/,
      ],
      [
        [node(spec, 'a', { addresses: { wg7: '10.9.0.7' } })],
        '/spec/nodes/inventory/0/addresses/wg7',
        /unknown plane/,
      ],
    ];
    for (const [nodes, path, message] of cases)
      assert.throws(
        () => addressPlan(withNodes(spec, nodes)),
        (e: unknown) => e instanceof AddressingError && e.path === path && message.test(e.message),
        path,
      );
    const stat = withNodes(spec, [node(spec, 'a', { addresses: { wg1: '10.9.0.7' } }), node(spec, 'b')]);
    stat.spec.networking.addressing.mode = 'static';
    assert.throws(
      () => addressPlan(stat),
      (e: unknown) => e instanceof AddressingError && e.path === '/spec/nodes/inventory/1/addresses/wg1',
    );
    stat.spec.nodes.inventory[1]!.addresses = { wg1: '10.9.0.8' };
    assert.equal(addressPlan(stat).get('b')!.get('wg1'), '10.9.0.8');
  });

  it('plans 1,000 nodes in three planes without a collision', () => {
    const spec = generatedSpec(1000);
    const plan = addressPlan(spec);
    assert.equal(plan.size, 1000);
    for (const plane of planeNames(spec)) assert.equal(new Set(addressesOf(plan, plane).values()).size, 1000);
  });
});

describe('vmidPlan', () => {
  it('assigns unique VMIDs inside the range, explicit ones first, stable under additions', () => {
    const spec = generatedSpec(100);
    const range = spec.spec.substrate.proxmox!.vmidRange;
    spec.spec.nodes.inventory[5]!.vmid = range.start;
    const a = vmidPlan(spec);
    assert.equal(a.size, 100);
    assert.equal(a.get(spec.spec.nodes.inventory[5]!.name), range.start);
    assert.equal(new Set(a.values()).size, 100);
    for (const v of a.values()) assert.ok(v >= range.start && v <= range.end);
    const grown = withNodes(spec, [...spec.spec.nodes.inventory, node(spec, 'late-1'), node(spec, 'late-2')]);
    const b = vmidPlan(grown);
    const moved = [...a].filter(([n, v]) => b.get(n) !== v).map(([n]) => n);
    assert.ok(moved.length <= 2, `moved: ${moved.join(', ')}`);
  });

  it('rejects VMIDs outside the range or used twice, and a range too small', () => {
    const spec = seedSpec();
    spec.spec.nodes.inventory[0]!.vmid = 5;
    assert.throws(() => vmidPlan(spec), /\/spec\/nodes\/inventory\/0\/vmid: VMID 5 is outside/);
    spec.spec.nodes.inventory[0]!.vmid = 2000;
    spec.spec.nodes.inventory[1]!.vmid = 2000;
    assert.throws(() => vmidPlan(spec), /already used by cp-1/);
    const small = seedSpec();
    small.spec.substrate.proxmox!.vmidRange = { start: 2000, end: 2002 };
    assert.throws(() => vmidPlan(small), /holds 3 VMs, not 4/);
  });
});

describe('controlPlaneName', () => {
  it('is the plane whose purpose is control, else wg1, else none', () => {
    const spec = seedSpec();
    assert.equal(controlPlaneName(spec), 'wg1');
    spec.spec.networking.planes = {
      wg1: { cidr: '10.1.0.0/24', purpose: 'storage' },
      wg4: { cidr: '10.4.0.0/24', purpose: 'control' },
    };
    assert.equal(controlPlaneName(spec), 'wg4');
    spec.spec.networking.planes = { wg2: { cidr: '10.2.0.0/24', purpose: 'storage' } };
    assert.equal(controlPlaneName(spec), undefined);
  });
});
