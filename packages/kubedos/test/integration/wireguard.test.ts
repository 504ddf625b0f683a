// The rendered WireGuard configs and keys against the real wireguard-tools: `wg-quick strip` accepts
// every config, and `wg pubkey` derives every rendered public key from its private key.
import assert from 'node:assert/strict';
import { copyFileSync, chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { writeRendered } from '../../src/render/files.ts';
import { renderWireguard, wireguardKeysFromDir } from '../../src/render/wireguard.ts';
import { missing, run } from '../checker.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const skip = missing('wg', 'wg-quick');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kubedos-wg-it-'));
  dirs.push(d);
  return d;
}

async function render(spec: ClusterSpec): Promise<string> {
  const out = tmp();
  await writeRendered(out, renderWireguard(spec, { loadKey: wireguardKeysFromDir(out) }));
  return out;
}

/** `wg-quick strip` of a rendered config; wg-quick wants it named <interface>.conf and private. */
function strip(conf: string): string {
  const dir = tmp();
  const copy = path.join(dir, path.basename(conf));
  copyFileSync(conf, copy);
  chmodSync(copy, 0o600);
  const r = run('wg-quick', ['strip', copy]);
  assert.equal(r.code, 0, `wg-quick strip ${conf}: ${r.stderr}`);
  return r.stdout;
}

function checkNode(out: string, node: string): void {
  for (const conf of readdirSync(path.join(out, 'wireguard', node))) {
    const file = path.join(out, 'wireguard', node, conf);
    const stripped = strip(file);
    // strip keeps what `wg setconf` reads: ListenPort and the peers; Address and PostUp are wg-quick's.
    assert.doesNotMatch(stripped, /^(Address|PostUp|PrivateKey)\b/m);
    assert.match(stripped, /^ListenPort = \d+$/m);
    const peers = (text: string) =>
      text.split('\n').filter((l) => /^(PublicKey|AllowedIPs|Endpoint) = /.test(l));
    assert.deepEqual(peers(stripped), peers(readFileSync(file, 'utf8')));
    const plane = conf.replace(/\.conf$/, '');
    const key = readFileSync(path.join(out, 'secrets/wireguard', node, `${plane}.key`), 'utf8');
    const pub = readFileSync(path.join(out, 'secrets/wireguard', node, `${plane}.pub`), 'utf8');
    const derived = run('wg', ['pubkey'], { input: key });
    assert.equal(derived.code, 0, derived.stderr);
    assert.equal(derived.stdout, pub, `wg pubkey of ${node}/${plane}`);
  }
}

describe('WireGuard configs under wireguard-tools', { skip }, () => {
  it('the seed: wg-quick strip accepts every config, wg pubkey matches every key', async () => {
    const out = await render(seedSpec());
    for (const node of ['cp-1', 'cp-2', 'cp-3', 'w-1']) checkNode(out, node);
  });

  it('100 nodes: a sample of full-mesh configs (99 peers each) pass', async () => {
    const out = await render(generatedSpec(100));
    for (const node of ['cp-1', 'w-1', 'w-50', 'w-97']) checkNode(out, node);
    const peers = readFileSync(path.join(out, 'wireguard/w-50/wg2.conf'), 'utf8').match(/^\[Peer\]$/gm);
    assert.equal(peers?.length, 99);
  });

  it('re-rendering into the same directory reuses the keys: byte-identical output', async () => {
    const spec = seedSpec();
    const out = await render(spec);
    const before = readFileSync(path.join(out, 'wireguard/cp-2/wg3.conf'), 'utf8');
    const key = readFileSync(path.join(out, 'secrets/wireguard/cp-2/wg3.key'), 'utf8');
    await writeRendered(out, renderWireguard(spec, { loadKey: wireguardKeysFromDir(out) }));
    assert.equal(readFileSync(path.join(out, 'wireguard/cp-2/wg3.conf'), 'utf8'), before);
    assert.equal(readFileSync(path.join(out, 'secrets/wireguard/cp-2/wg3.key'), 'utf8'), key);
  });
});
