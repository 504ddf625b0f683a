// WireGuard planes (seed 004 §10): one wg-quick config per node per plane, a full mesh of the plane's
// nodes. Configs hold no secret: the private key lives in its own 0600 file on the node and is loaded
// by `PostUp = wg set %i private-key …`, so a config can be read, diffed and logged safely.
//
// Endpoints: the spec carries no uplink addresses, so a peer's endpoint is its node name and the
// plane's port (`cp-2:51821`, which also names the peer for a reader); node names must resolve to
// uplink addresses (substrate DNS or /etc/hosts) when the plane comes up — wg-quick@.service retries
// resolution until they do. The planes ride on the uplink, never inside each other.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterSpec } from '../api/clusterspec.ts';
import { addressPlan, planeNames, planeNumber, planePrefix, type AddressPlan } from '../addressing.ts';
import type { Rendered } from './files.ts';

/** Where a node keeps its plane private keys (0700 directory, 0600 files). */
export const NODE_KEY_DIR = '/etc/wireguard/keys';

export interface KeyPair {
  /** Base64 of the raw 32-byte X25519 private key, as `wg genkey` prints it. */
  privateKey: string;
  /** Base64 of the raw 32-byte public key, as `wg pubkey` prints it. */
  publicKey: string;
}

/** node name -> plane name -> key pair. */
export type WireguardKeys = Map<string, Map<string, KeyPair>>;

/** An existing private key (base64) of a node in a plane, or undefined when it has none yet. */
export type WireguardKeyLoader = (node: string, plane: string) => string | undefined;

export interface RenderWireguardOptions {
  /** Keys to use (e.g. shared with the cloud-init renderer); default: `wireguardKeys(spec, loadKey)`. */
  keys?: WireguardKeys;
  /** Existing keys to reuse when `keys` is not given, so a re-render is byte-identical. */
  loadKey?: WireguardKeyLoader;
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

/** The UDP port of a plane: its listenPort, or 51820 + the plane number. */
export function planeListenPort(spec: ClusterSpec, plane: string): number {
  return spec.spec.networking.planes[plane]?.listenPort ?? 51820 + planeNumber(plane);
}

/** Path of a node's private key for a plane in the rendered output. */
export function wireguardKeyPath(node: string, plane: string): string {
  return `secrets/wireguard/${node}/${plane}.key`;
}

// PKCS#8 wrapper of a raw X25519 private key (RFC 8410), to turn a stored key back into a KeyObject.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const RAW_KEY_BYTES = 32;

/** JWK key material is base64url; WireGuard prints standard base64. */
const base64 = (b64url: string) => Buffer.from(b64url, 'base64url').toString('base64');

function publicOf(privateKey: string, where: string): string {
  const raw = Buffer.from(privateKey, 'base64');
  if (raw.length !== RAW_KEY_BYTES || raw.toString('base64') !== privateKey)
    throw new Error(`${where}: not a base64 WireGuard private key`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
  return base64(createPublicKey(key).export({ format: 'jwk' }).x!);
}

function generate(): KeyPair {
  // The private JWK carries both halves; it is the cheapest export (3,000 pairs in about 0.1 s).
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  return { privateKey: base64(jwk.d!), publicKey: base64(jwk.x!) };
}

/** Every node's key pair in every plane: reused from `loadKey` when it has one, else freshly generated. */
export function wireguardKeys(spec: ClusterSpec, loadKey?: WireguardKeyLoader): WireguardKeys {
  const planes = planeNames(spec);
  const keys: WireguardKeys = new Map();
  for (const node of spec.spec.nodes.inventory) {
    const byPlane = new Map<string, KeyPair>();
    for (const plane of planes) {
      const existing = loadKey?.(node.name, plane);
      byPlane.set(
        plane,
        existing === undefined
          ? generate()
          : { privateKey: existing, publicKey: publicOf(existing, wireguardKeyPath(node.name, plane)) },
      );
    }
    keys.set(node.name, byPlane);
  }
  return keys;
}

/** Loads keys an earlier render left in outDir (secrets/wireguard/<node>/<plane>.key). */
export function wireguardKeysFromDir(outDir: string): WireguardKeyLoader {
  return (node, plane) => {
    try {
      return readFileSync(path.join(outDir, wireguardKeyPath(node, plane)), 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
}

/**
 * `wireguard/<node>/<plane>.conf` for every node and plane, plus the key material:
 * `secrets/wireguard/<node>/<plane>.key` (secret, 0600) and `.pub` (0644).
 */
export function renderWireguard(spec: ClusterSpec, opts: RenderWireguardOptions = {}): Rendered {
  const plan = opts.plan ?? addressPlan(spec);
  const keys = opts.keys ?? wireguardKeys(spec, opts.loadKey);
  const cluster = spec.metadata.name;
  const nodes = spec.spec.nodes.inventory.map((n) => n.name).sort();
  const out: Rendered = [];
  for (const plane of planeNames(spec)) {
    const port = planeListenPort(spec, plane);
    const prefix = planePrefix(spec, plane);
    const purpose = spec.spec.networking.planes[plane]!.purpose;
    // Every file of the plane is its own header plus all peer blocks but its own: the blocks are joined
    // once and each file takes two slices of that string, so the mesh costs O(n) to build, not O(n²).
    const blocks = nodes.map(
      (name) =>
        `\n[Peer]\nPublicKey = ${keyOf(keys, name, plane).publicKey}\n` +
        `AllowedIPs = ${plan.get(name)!.get(plane)}/32\nEndpoint = ${name}:${port}\n`,
    );
    const all = blocks.join('');
    let start = 0;
    nodes.forEach((name, i) => {
      const end = start + blocks[i]!.length;
      const header =
        `# kubedos: WireGuard plane ${plane} (${purpose}) of node ${name}, cluster ${cluster}.\n` +
        `# Rendered from the ClusterSpec; do not edit. The private key stays in ${NODE_KEY_DIR}/${plane}.key.\n` +
        `[Interface]\nAddress = ${plan.get(name)!.get(plane)}/${prefix}\nListenPort = ${port}\n` +
        `PostUp = wg set %i private-key ${NODE_KEY_DIR}/${plane}.key\n`;
      out.push({
        path: `wireguard/${name}/${plane}.conf`,
        content: header + all.slice(0, start) + all.slice(end),
      });
      const pair = keyOf(keys, name, plane);
      const keyPath = wireguardKeyPath(name, plane);
      out.push({ path: keyPath, content: `${pair.privateKey}\n`, mode: 0o600, secret: true });
      out.push({ path: keyPath.replace(/\.key$/, '.pub'), content: `${pair.publicKey}\n`, mode: 0o644 });
      start = end;
    });
  }
  return out;
}

function keyOf(keys: WireguardKeys, node: string, plane: string): KeyPair {
  const pair = keys.get(node)?.get(plane);
  if (!pair) throw new Error(`no WireGuard key for node ${node} in plane ${plane}`);
  return pair;
}
