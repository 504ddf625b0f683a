// IPv4 arithmetic for the plane rules: addresses as unsigned 32-bit numbers.

export interface Cidr {
  /** The network address (host bits cleared). */
  network: number;
  prefix: number;
  /** Last address of the block (the broadcast address). */
  last: number;
  /** Whether the written address had host bits set (10.0.0.5/24). */
  hostBits: boolean;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$/.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (const part of m.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bits, extra] = text.split('/');
  if (addr === undefined || bits === undefined || extra !== undefined || !/^[0-9]{1,2}$/.test(bits))
    return undefined;
  const ip = parseIpv4(addr);
  const prefix = Number(bits);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const network = ip - (ip % size);
  return { network, prefix, last: network + size - 1, hostBits: network !== ip };
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Addresses a node can hold: all but the network and broadcast addresses. */
export function usableHosts(cidr: Cidr): number {
  return Math.max(0, 2 ** (32 - cidr.prefix) - 2);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= b.last && b.network <= a.last;
}

export function contains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.network && ip <= cidr.last;
}
