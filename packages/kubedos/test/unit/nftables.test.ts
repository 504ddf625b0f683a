import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressPlan } from '../../src/addressing.ts';
import { renderNftables } from '../../src/render/nftables.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

/** The rules of one chain, trimmed, comments dropped. */
function chain(text: string, name: string): string[] {
  const m = new RegExp(`\\tchain ${name} \\{\\n([\\s\\S]*?)\\n\\t\\}`).exec(text);
  assert.ok(m, `chain ${name}`);
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('renderNftables', () => {
  it('renders one complete default-deny ruleset per node', () => {
    const spec = seedSpec();
    const files = renderNftables(spec);
    assert.deepEqual(
      files.map((f) => f.path),
      ['nftables/cp-1.nft', 'nftables/cp-2.nft', 'nftables/cp-3.nft', 'nftables/w-1.nft'],
    );
    for (const f of files) {
      assert.match(f.content, /^flush ruleset$/m);
      assert.match(f.content, /^table inet kubedos \{$/m);
      const input = chain(f.content, 'input');
      assert.equal(input[0], 'type filter hook input priority filter; policy drop;');
      assert.deepEqual(input.slice(1, 4), [
        'ct state established,related accept',
        'ct state invalid drop',
        'iif "lo" accept',
      ]);
      assert.equal(chain(f.content, 'forward')[0], 'type filter hook forward priority filter; policy drop;');
    }
  });

  it('allows SSH over wg1 only, WireGuard on the uplink, and intra-plane traffic to this node', () => {
    const spec = seedSpec();
    const plan = addressPlan(spec);
    for (const f of renderNftables(spec)) {
      const node = f.path.slice('nftables/'.length, -'.nft'.length);
      const input = chain(f.content, 'input');
      const sshDrop = input.indexOf('iifname != "wg1" tcp dport 22 drop');
      assert.ok(sshDrop > 0);
      // No accept before the SSH drop can let SSH in on another interface.
      assert.ok(input.slice(1, sshDrop).every((r) => !r.includes('iifname')));
      assert.ok(input.includes('iifname != "wg*" udp dport { 51821, 51822, 51823 } accept'));
      for (const [plane, cidr] of [
        ['wg1', '10.101.0.0/24'],
        ['wg2', '10.102.0.0/24'],
        ['wg3', '10.103.0.0/24'],
      ] as const)
        assert.ok(
          input.includes(`iifname "${plane}" ip saddr ${cidr} ip daddr ${plan.get(node)!.get(plane)} accept`),
        );
    }
  });

  it('renders exactly the spec allow rules between planes; everything else between planes is denied', () => {
    const spec = seedSpec();
    const plan = addressPlan(spec);
    const f = renderNftables(spec).find((x) => x.path === 'nftables/w-1.nft')!;
    const wg3 = plan.get('w-1')!.get('wg3');
    const input = chain(f.content, 'input');
    const inter = input.filter((r) => /^iifname "wg\d" ip saddr \S+ ip daddr \S+ (tcp|udp)/.test(r));
    assert.deepEqual(inter, [
      `iifname "wg1" ip saddr 10.101.0.0/24 ip daddr ${wg3} tcp dport { 6443, 2379-2380, 10250 } accept`,
      `iifname "wg2" ip saddr 10.102.0.0/24 ip daddr ${wg3} tcp dport { 9090, 3000, 3100 } accept`,
    ]);
    // No rule lets wg2 or wg3 reach this node's wg1 address.
    const wg1 = plan.get('w-1')!.get('wg1')!;
    assert.ok(
      input
        .filter((r) => r.includes(`ip daddr ${wg1}`))
        .every((r) => r.startsWith('iifname "wg1" ip saddr 10.101.0.0/24')),
    );
    const forward = chain(f.content, 'forward');
    assert.ok(
      forward.includes(
        'iifname "wg1" oifname "wg3" ip saddr 10.101.0.0/24 ip daddr 10.103.0.0/24 tcp dport { 6443, 2379-2380, 10250 } accept',
      ),
    );
  });

  it('splits mixed protocols, follows defaultInterPlane allow, and closes SSH without a control plane', () => {
    const spec = seedSpec();
    spec.spec.networking.policy.allow = [{ from: 'wg2', to: 'wg1', ports: ['53/udp', '53/tcp'] }];
    const input = chain(renderNftables(spec)[0]!.content, 'input');
    assert.ok(
      input.some(
        (r) => r.startsWith('iifname "wg2" ip saddr 10.102.0.0/24') && r.endsWith('udp dport 53 accept'),
      ),
    );
    assert.ok(
      input.some(
        (r) => r.startsWith('iifname "wg2" ip saddr 10.102.0.0/24') && r.endsWith('tcp dport 53 accept'),
      ),
    );

    spec.spec.networking.policy.defaultInterPlane = 'allow';
    const open = renderNftables(spec)[0]!.content;
    assert.equal(
      chain(open, 'input').filter((r) => /^iifname "wg\d" ip saddr \S+ ip daddr \S+ accept$/.test(r)).length,
      3 + 6,
    );
    assert.equal(chain(open, 'forward').filter((r) => r.includes('oifname "wg')).length, 6);

    spec.spec.networking.planes = { wg2: { cidr: '10.102.0.0/24', purpose: 'observability' } };
    spec.spec.networking.policy.allow = [];
    assert.ok(chain(renderNftables(spec)[0]!.content, 'input').includes('tcp dport 22 drop'));
  });

  it('trusts Cilium devices only with Kubernetes on', () => {
    const spec = seedSpec();
    assert.match(renderNftables(spec)[0]!.content, /iifname "lxc\*" accept/);
    spec.spec.kubernetes.enabled = false;
    assert.doesNotMatch(renderNftables(spec)[0]!.content, /cilium|lxc/);
  });

  it('is deterministic for 1,000 nodes', () => {
    const spec = generatedSpec(1000);
    const files = renderNftables(spec);
    assert.equal(files.length, 1000);
    assert.deepEqual(renderNftables(spec), files);
  });
});
