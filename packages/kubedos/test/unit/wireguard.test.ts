import assert from 'node:assert/strict';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { addressPlan } from '../../src/addressing.ts';
import { writeRendered, type Rendered } from '../../src/render/files.ts';
import {
  planeListenPort,
  renderWireguard,
  wireguardKeys,
  wireguardKeysFromDir,
} from '../../src/render/wireguard.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kubedos-wg-'));
  dirs.push(d);
  return d;
}

const byPath = (files: Rendered) => new Map(files.map((f) => [f.path, f]));

/** The public key of a base64 raw X25519 private key, computed independently of the renderer. */
function publicOf(privateKey: string): string {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b656e04220420', 'hex'),
    Buffer.from(privateKey, 'base64'),
  ]);
  const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    format: 'der',
    type: 'spki',
  });
  return spki.subarray(-32).toString('base64');
}

interface Peer {
  PublicKey?: string;
  AllowedIPs?: string;
  Endpoint?: string;
}

function parseConf(text: string): { iface: Record<string, string[]>; peers: Peer[] } {
  const iface: Record<string, string[]> = {};
  const peers: Peer[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line;
      if (line === '[Peer]') peers.push({});
      continue;
    }
    const [key, ...rest] = line.split(' = ');
    const value = rest.join(' = ');
    if (section === '[Interface]') (iface[key!] ??= []).push(value);
    else (peers.at(-1) as Record<string, string>)[key!] = value;
  }
  return { iface, peers };
}

describe('renderWireguard', () => {
  it('renders a config per node and plane, and the key pair of each in the secrets folder', () => {
    const spec = seedSpec();
    const files = byPath(renderWireguard(spec));
    assert.equal(files.size, 4 * 3 * 3);
    for (const n of ['cp-1', 'cp-2', 'cp-3', 'w-1'])
      for (const p of ['wg1', 'wg2', 'wg3']) {
        assert.ok(files.has(`wireguard/${n}/${p}.conf`));
        const key = files.get(`secrets/wireguard/${n}/${p}.key`)!;
        const pub = files.get(`secrets/wireguard/${n}/${p}.pub`)!;
        assert.equal(key.secret, true);
        assert.equal(key.mode, 0o600);
        assert.equal(pub.mode, 0o644);
        assert.ok(!pub.secret);
        assert.match(key.content, /^[A-Za-z0-9+/]{43}=\n$/);
        assert.equal(publicOf(key.content.trim()), pub.content.trim());
      }
  });

  it('addresses, ports and peers come from the spec; configs hold no private key', () => {
    const spec = seedSpec();
    spec.spec.networking.planes.wg2!.listenPort = 40000;
    const plan = addressPlan(spec);
    const files = byPath(renderWireguard(spec));
    const secrets = [...files.values()].filter((f) => f.secret).map((f) => f.content.trim());
    for (const [node, addresses] of plan)
      for (const [plane, ip] of addresses) {
        const text = files.get(`wireguard/${node}/${plane}.conf`)!.content;
        for (const s of secrets) assert.ok(!text.includes(s), 'a private key leaked into a config');
        const { iface, peers } = parseConf(text);
        const port = plane === 'wg2' ? 40000 : 51820 + Number(plane.slice(2));
        assert.equal(planeListenPort(spec, plane), port);
        assert.deepEqual(iface.Address, [`${ip}/24`]);
        assert.deepEqual(iface.ListenPort, [String(port)]);
        assert.deepEqual(iface.PostUp, [`wg set %i private-key /etc/wireguard/keys/${plane}.key`]);
        assert.equal(iface.PrivateKey, undefined);
        const others = [...plan.keys()].filter((n) => n !== node).sort();
        assert.deepEqual(
          peers,
          others.map((o) => ({
            PublicKey: files.get(`secrets/wireguard/${o}/${plane}.pub`)!.content.trim(),
            AllowedIPs: `${plan.get(o)!.get(plane)}/32`,
            Endpoint: `${o}:${port}`,
          })),
        );
      }
  });

  it('is byte-identical on re-render with the same keys, and reuses keys found in the output', async () => {
    const spec = seedSpec();
    const keys = wireguardKeys(spec);
    assert.deepEqual(renderWireguard(spec, { keys }), renderWireguard(spec, { keys }));
    const out = tmp();
    const first = renderWireguard(spec, { loadKey: wireguardKeysFromDir(out) });
    await writeRendered(out, first);
    const second = renderWireguard(spec, { loadKey: wireguardKeysFromDir(out) });
    assert.deepEqual(second, first);
    assert.equal(statSync(path.join(out, 'secrets/wireguard/cp-1/wg1.key')).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(out, 'secrets/wireguard/cp-1')).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(out, 'wireguard/cp-1/wg1.conf')).mode & 0o777, 0o644);
    // A new node gets fresh keys; existing ones keep theirs.
    spec.spec.nodes.inventory.push({ ...structuredClone(spec.spec.nodes.inventory[3]!), name: 'w-2' });
    const grown = byPath(renderWireguard(spec, { loadKey: wireguardKeysFromDir(out) }));
    assert.equal(
      grown.get('secrets/wireguard/cp-1/wg1.key')!.content,
      byPath(first).get('secrets/wireguard/cp-1/wg1.key')!.content,
    );
    assert.ok(grown.has('secrets/wireguard/w-2/wg3.key'));
  });

  it('refuses a stored key that is not a WireGuard key', () => {
    const spec = seedSpec();
    const out = tmp();
    mkdirSync(path.join(out, 'secrets/wireguard/cp-1'), { recursive: true });
    writeFileSync(path.join(out, 'secrets/wireguard/cp-1/wg1.key'), 'not-a-key\n');
    assert.throws(
      () => wireguardKeys(spec, wireguardKeysFromDir(out)),
      /secrets\/wireguard\/cp-1\/wg1\.key: not a base64/,
    );
  });

  it('meshes 100 nodes, and renders 1,000 nodes quickly', () => {
    const files = byPath(renderWireguard(generatedSpec(100)));
    const conf = parseConf(files.get('wireguard/w-50/wg3.conf')!.content);
    assert.equal(conf.peers.length, 99);
    assert.ok(!conf.peers.some((p) => p.Endpoint!.startsWith('w-50:')));
    const spec = generatedSpec(1000);
    const big = renderWireguard(spec);
    assert.equal(big.length, 1000 * 3 * 3);
  });
});
