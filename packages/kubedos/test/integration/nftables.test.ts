// The rendered rulesets against the real nftables: `nft -c -f` (check only, nothing is loaded). The
// check needs CAP_NET_ADMIN; where the process lacks it, it runs in a user+network namespace
// (`unshare -rn`), and the tests are skipped with the reason when neither is allowed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { renderNftables } from '../../src/render/nftables.ts';
import { missing, run, type Run } from '../checker.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kubedos-nft-it-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROBE =
  'table inet kubedos_probe {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n';
const denied = (r: Run) =>
  /Operation not permitted|Permission denied|cache initialization failed/i.test(r.stderr);

/** How to run `nft -c -f FILE` here, or why it cannot be. */
function checker(): { run: (file: string) => Run } | { skip: string } {
  const absent = missing('nft');
  if (absent) return { skip: absent };
  const probe = path.join(dir, 'probe.nft');
  writeFileSync(probe, PROBE);
  const direct = run('nft', ['-c', '-f', probe]);
  if (direct.code === 0) return { run: (f) => run('nft', ['-c', '-f', f]) };
  const ns = run('unshare', ['-rn', 'nft', '-c', '-f', probe]);
  if (ns.code === 0) return { run: (f) => run('unshare', ['-rn', 'nft', '-c', '-f', f]) };
  if (denied(direct) || denied(ns))
    return { skip: `nft -c needs CAP_NET_ADMIN, and unshare -rn is not allowed here: ${ns.stderr.trim()}` };
  assert.fail(`nft cannot check a trivial ruleset: ${direct.stderr}`);
}

const nft = checker();
const skip = 'skip' in nft ? nft.skip : undefined;

function checkAll(spec: ClusterSpec): void {
  if ('skip' in nft) return;
  for (const f of renderNftables(spec)) {
    const file = path.join(dir, path.basename(f.path));
    writeFileSync(file, f.content);
    const r = nft.run(file);
    assert.equal(r.code, 0, `nft -c -f ${f.path}:\n${r.stderr}`);
  }
}

describe('nftables rulesets under nft -c', { skip }, () => {
  it('rejects a broken ruleset (the checker really checks)', () => {
    if ('skip' in nft) return;
    const file = path.join(dir, 'broken.nft');
    writeFileSync(file, renderNftables(seedSpec())[0]!.content.replace('policy drop;', 'policy dropp;'));
    assert.notEqual(nft.run(file).code, 0);
  });

  it('accepts every node ruleset of the seed', () => checkAll(seedSpec()));

  it('accepts every node ruleset of a 100-node cluster', () => checkAll(generatedSpec(100)));

  it('accepts the variants: inter-plane allow, mixed protocols, no control plane, no Kubernetes', () => {
    const open = seedSpec();
    open.spec.networking.policy.defaultInterPlane = 'allow';
    open.spec.networking.policy.allow.push({
      from: 'wg3',
      to: 'wg2',
      ports: ['8472/udp', '4240/tcp', '30000-32767/tcp'],
    });
    checkAll(open);
    const bare = seedSpec();
    bare.spec.networking.planes = {
      wg2: { cidr: '10.102.0.0/24', purpose: 'observability', listenPort: 4000 },
    };
    bare.spec.networking.policy.allow = [];
    bare.spec.kubernetes.enabled = false;
    checkAll(bare);
  });
});
