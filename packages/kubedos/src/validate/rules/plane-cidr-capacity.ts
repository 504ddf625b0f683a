import { at, entries, str } from '../access.ts';
import { contains, formatIpv4, parseCidr, parseIpv4, usableHosts, type Cidr } from '../ipv4.ts';
import { pointer } from '../pointer.ts';
import { inventory, nodeLabel } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

export const planeCidrCapacity: Rule = {
  id: 'plane-cidr-capacity',
  description:
    'Each plane CIDR has a usable address (2^(32-prefix) - 2) for every node; explicit addresses are usable hosts of their plane and unique; with static addressing every node lists one per plane.',
  check(spec) {
    const out: Finding[] = [];
    const nodes = inventory(spec);
    const planes = new Map<string, Cidr>();
    for (const [name, plane] of entries(at(spec, 'spec', 'networking', 'planes'))) {
      const text = str(at(plane, 'cidr'));
      const cidr = text === undefined ? undefined : parseCidr(text);
      if (text === undefined || !cidr) continue;
      planes.set(name, cidr);
      const usable = usableHosts(cidr);
      if (usable < nodes.length)
        out.push({
          rule: 'plane-cidr-capacity',
          path: pointer('spec', 'networking', 'planes', name, 'cidr'),
          message: `plane ${name} ${text} has ${usable} usable address(es) for ${nodes.length} nodes`,
        });
    }
    const isStatic = at(spec, 'spec', 'networking', 'addressing', 'mode') === 'static';
    const taken = new Map<string, string>();
    nodes.forEach((node, i) => {
      const label = nodeLabel(node, i);
      const addresses = at(node, 'addresses');
      for (const [plane, value] of entries(addresses)) {
        const cidr = planes.get(plane);
        const text = str(value);
        const ip = text === undefined ? undefined : parseIpv4(text);
        // Undeclared planes are unknown-reference's; malformed addresses are the schema's.
        if (!cidr || ip === undefined) continue;
        const path = pointer('spec', 'nodes', 'inventory', i, 'addresses', plane);
        const range = `${formatIpv4(cidr.network)}/${cidr.prefix}`;
        if (!contains(cidr, ip)) {
          out.push({
            rule: 'plane-cidr-capacity',
            path,
            message: `node ${label}: ${text} is outside plane ${plane} ${range}`,
          });
          continue;
        }
        if (ip === cidr.network || ip === cidr.last) {
          out.push({
            rule: 'plane-cidr-capacity',
            path,
            message: `node ${label}: ${text} is the ${ip === cidr.network ? 'network' : 'broadcast'} address of plane ${plane} ${range}`,
          });
          continue;
        }
        const key = `${plane} ${ip}`;
        const owner = taken.get(key);
        if (owner !== undefined)
          out.push({
            rule: 'plane-cidr-capacity',
            path,
            message: `node ${label}: ${plane} address ${text} is already node ${owner}'s`,
          });
        else taken.set(key, label);
      }
      if (!isStatic) return;
      for (const plane of planes.keys()) {
        if (at(addresses, plane) !== undefined) continue;
        out.push({
          rule: 'plane-cidr-capacity',
          path: pointer('spec', 'nodes', 'inventory', i, 'addresses', plane),
          message: `node ${label} has no ${plane} address: with networking.addressing.mode static every node lists one per plane`,
        });
      }
    });
    return out;
  },
};
