// Deterministic plane addressing and VMID assignment (seed 004 §10.2): a node's address in a plane
// derives from its name and the plane CIDR alone, so it is stable when other nodes come and go.
//
// Each name hashes (sha256, first 48 bits) to a "home" offset in the plane's usable host range
// (network and broadcast addresses are never used). Assignment then runs in two passes:
//   1. explicit overrides (node.addresses) are reserved first;
//   2. every home claimed by at least one node and not reserved goes to the claimant with the
//      smallest name (byte order);
//   3. the remaining claimants (collision losers) take, in (home, name) order, the first free
//      address after their home, wrapping around the range (linear probing).
// Guarantee: a node that holds its home address keeps it whatever other nodes are added or removed,
// unless the added node overrides that very address or has the same home and a smaller name (a real
// collision). Only collision losers are placed by probing, and only their addresses may move when the
// set of nodes changes. In planes of the same size a node has the same home offset in every plane.
import { createHash } from 'node:crypto';
import type { ClusterSpec, NodeSpecT } from './api/clusterspec.ts';
import { contains, formatIpv4, parseCidr, parseIpv4, usableHosts, type Cidr } from './validate/ipv4.ts';

/** An error in the spec that makes addressing impossible; `path` is a JSON Pointer into the spec. */
export class AddressingError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'AddressingError';
    this.path = path;
  }
}

/** node name -> plane name -> IPv4 address; nodes in inventory order, planes in numeric order. */
export type AddressPlan = Map<string, Map<string, string>>;

/** The number of a plane name (wg3 -> 3). */
export function planeNumber(plane: string): number {
  return Number(plane.slice(2));
}

/** The spec's plane names in numeric order (wg1, wg2, …, wg10). */
export function planeNames(spec: ClusterSpec): string[] {
  return Object.keys(spec.spec.networking.planes).sort((a, b) => planeNumber(a) - planeNumber(b));
}

/**
 * The control plane (SSH, Salt, Ansible; seed §10.2): the lowest-numbered plane whose purpose is
 * control, else wg1 when declared, else none.
 */
export function controlPlaneName(spec: ClusterSpec): string | undefined {
  const planes = planeNames(spec);
  return (
    planes.find((p) => spec.spec.networking.planes[p]!.purpose === 'control') ??
    planes.find((p) => p === 'wg1')
  );
}

/** The 48-bit home hash of a name; the same for every plane and for VMIDs. */
function nameHash(name: string): number {
  return createHash('sha256').update(name).digest().readUIntBE(0, 6);
}

/** Home hashes of every node, computed once per plan. */
function hashes(nodes: readonly NodeSpecT[]): Map<string, number> {
  return new Map(nodes.map((n) => [n.name, nameHash(n.name)]));
}

interface Claim {
  name: string;
  home: number;
}

/**
 * Offsets in [0, size) for every claimant after the reserved offsets, per the two-pass scheme above.
 * `full` is thrown when claimants and reservations do not fit.
 */
function allocate(
  claims: readonly Claim[],
  reserved: ReadonlySet<number>,
  size: number,
  full: () => Error,
): Map<string, number> {
  if (claims.length + reserved.size > size) throw full();
  const taken = new Set(reserved);
  const out = new Map<string, number>();
  const ordered = [...claims].sort(
    (a, b) => a.home - b.home || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const losers: Claim[] = [];
  for (const c of ordered) {
    if (taken.has(c.home)) losers.push(c);
    else {
      taken.add(c.home);
      out.set(c.name, c.home);
    }
  }
  for (const c of losers) {
    let o = c.home;
    do o = o + 1 === size ? 0 : o + 1;
    while (taken.has(o));
    taken.add(o);
    out.set(c.name, o);
  }
  return out;
}

function planeCidr(spec: ClusterSpec, plane: string): Cidr {
  const text = spec.spec.networking.planes[plane]!.cidr;
  const cidr = parseCidr(text);
  if (!cidr) throw new AddressingError(`/spec/networking/planes/${plane}/cidr`, `invalid CIDR ${text}`);
  return cidr;
}

/**
 * Every node's address in every plane. Pure and O(nodes × planes) (plus probing on collisions).
 * Throws AddressingError for an override outside its plane or on its network/broadcast address, two
 * nodes overriding the same address, an override for an unknown plane, a missing address in static
 * mode, or a plane too small for its nodes.
 */
export function addressPlan(spec: ClusterSpec): AddressPlan {
  const nodes = spec.spec.nodes.inventory;
  const planes = planeNames(spec);
  const staticMode = spec.spec.networking.addressing.mode === 'static';
  const plan: AddressPlan = new Map(nodes.map((n) => [n.name, new Map<string, string>()]));
  nodes.forEach((n, i) => {
    for (const p of Object.keys(n.addresses ?? {}))
      if (!Object.hasOwn(spec.spec.networking.planes, p))
        throw new AddressingError(`/spec/nodes/inventory/${i}/addresses/${p}`, `unknown plane ${p}`);
  });
  const homes = staticMode ? undefined : hashes(nodes);
  for (const plane of planes) {
    const cidr = planeCidr(spec, plane);
    const size = usableHosts(cidr);
    const fixed = new Map<string, number>();
    const owner = new Map<number, string>();
    const claims: Claim[] = [];
    nodes.forEach((n, i) => {
      const written = n.addresses?.[plane];
      const path = `/spec/nodes/inventory/${i}/addresses/${plane}`;
      if (written === undefined) {
        if (!homes)
          throw new AddressingError(path, `node ${n.name} has no ${plane} address (addressing mode static)`);
        claims.push({ name: n.name, home: homes.get(n.name)! % Math.max(size, 1) });
        return;
      }
      const ip = parseIpv4(written);
      if (ip === undefined) throw new AddressingError(path, `invalid IPv4 address ${written}`);
      if (!contains(cidr, ip) || ip === cidr.network || ip === cidr.last || size === 0)
        throw new AddressingError(
          path,
          `${written} is not a usable host address of ${plane} (${formatCidr(cidr)})`,
        );
      const other = owner.get(ip);
      if (other !== undefined)
        throw new AddressingError(path, `${written} is already the ${plane} address of ${other}`);
      owner.set(ip, n.name);
      fixed.set(n.name, ip - cidr.network - 1);
    });
    const offsets = allocate(
      claims,
      new Set(fixed.values()),
      size,
      () =>
        new AddressingError(
          `/spec/networking/planes/${plane}/cidr`,
          `plane ${plane} (${formatCidr(cidr)}) has ${size} usable addresses for ${nodes.length} nodes`,
        ),
    );
    for (const n of nodes) {
      const o = fixed.get(n.name) ?? offsets.get(n.name)!;
      plan.get(n.name)!.set(plane, formatIpv4(cidr.network + 1 + o));
    }
  }
  return plan;
}

function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/**
 * Every node's Proxmox VMID, by the same scheme within substrate.proxmox.vmidRange (explicit
 * node.vmid reserved first). Without a VMID range only explicit VMIDs are returned.
 */
export function vmidPlan(spec: ClusterSpec): Map<string, number> {
  const nodes = spec.spec.nodes.inventory;
  const range = spec.spec.substrate.proxmox?.vmidRange;
  const out = new Map<string, number>();
  if (!range) {
    for (const n of nodes) if (n.vmid !== undefined) out.set(n.name, n.vmid);
    return out;
  }
  const size = Math.max(0, range.end - range.start + 1);
  const reserved = new Map<number, string>();
  nodes.forEach((n, i) => {
    if (n.vmid === undefined) return;
    const path = `/spec/nodes/inventory/${i}/vmid`;
    if (n.vmid < range.start || n.vmid > range.end)
      throw new AddressingError(path, `VMID ${n.vmid} is outside ${range.start}-${range.end}`);
    const other = reserved.get(n.vmid);
    if (other !== undefined) throw new AddressingError(path, `VMID ${n.vmid} is already used by ${other}`);
    reserved.set(n.vmid, n.name);
  });
  const claimants = nodes.filter((n) => n.vmid === undefined);
  const homes = hashes(claimants);
  const offsets = allocate(
    claimants.map((n) => ({ name: n.name, home: homes.get(n.name)! % Math.max(size, 1) })),
    new Set([...reserved.keys()].map((v) => v - range.start)),
    size,
    () =>
      new AddressingError(
        '/spec/substrate/proxmox/vmidRange',
        `VMID range ${range.start}-${range.end} holds ${size} VMs, not ${nodes.length}`,
      ),
  );
  for (const n of nodes) out.set(n.name, n.vmid ?? range.start + offsets.get(n.name)!);
  return out;
}

/** A plane's prefix length (the /N written after each address). */
export function planePrefix(spec: ClusterSpec, plane: string): number {
  return planeCidr(spec, plane).prefix;
}
