import { at, entries, list, nameSet, str } from '../access.ts';
import { pointer } from '../pointer.ts';
import { inventory, nodeLabel, planeNames, proxmox } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

// Planes named by inter-plane allow rules are inter-plane-rule's, VLAN consistency is vlan-trunk's:
// this rule reports every other name that points at something the spec does not declare.
export const unknownReference: Rule = {
  id: 'unknown-reference',
  description:
    "Names used elsewhere are declared: a node's failure domain, disk pools and NIC bridges (Proxmox), zfs pools, node address planes, ceph.plane and observability.bindPlane.",
  check(spec) {
    const out: Finding[] = [];
    const add = (path: string, message: string) => out.push({ rule: 'unknown-reference', path, message });
    const known = (names: Set<string>) => [...names].join(', ') || 'none';

    const domains = nameSet(at(spec, 'spec', 'nodes', 'failureDomains'));
    const planes = new Set(planeNames(spec));
    const pve = proxmox(spec);
    const pools = pve && nameSet(at(pve, 'storagePools'));
    const bridges = pve && nameSet(at(pve, 'bridges'));

    inventory(spec).forEach((node, i) => {
      const who = `node ${nodeLabel(node, i)}`;
      const base = ['spec', 'nodes', 'inventory', i] as const;
      const domain = str(at(node, 'failureDomain'));
      if (domain !== undefined && !domains.has(domain))
        add(
          pointer(...base, 'failureDomain'),
          `${who}: failure domain ${domain} is not declared in nodes.failureDomains (declared: ${known(domains)})`,
        );
      for (const [plane] of entries(at(node, 'addresses')))
        if (!planes.has(plane))
          add(
            pointer(...base, 'addresses', plane),
            `${who}: address for plane ${plane}, which networking.planes does not declare (declared: ${known(planes)})`,
          );
      if (pools)
        list(at(node, 'disks')).forEach((disk, k) => {
          const pool = str(at(disk, 'pool'));
          if (pool !== undefined && !pools.has(pool))
            add(
              pointer(...base, 'disks', k, 'pool'),
              `${who}: disk ${k} uses storage pool ${pool}, which substrate.proxmox.storagePools does not declare (declared: ${known(pools)})`,
            );
        });
      if (bridges)
        list(at(node, 'nics')).forEach((nic, j) => {
          const bridge = str(at(nic, 'bridge'));
          if (bridge !== undefined && !bridges.has(bridge))
            add(
              pointer(...base, 'nics', j, 'bridge'),
              `${who}: NIC ${j} attaches to bridge ${bridge}, which substrate.proxmox.bridges does not declare (declared: ${known(bridges)})`,
            );
        });
    });

    if (pools)
      list(at(spec, 'spec', 'storage', 'zfs', 'pools')).forEach((pool, k) => {
        if (typeof pool === 'string' && !pools.has(pool))
          add(
            pointer('spec', 'storage', 'zfs', 'pools', k),
            `zfs pool ${pool} is not declared in substrate.proxmox.storagePools (declared: ${known(pools)})`,
          );
      });

    for (const keys of [
      ['spec', 'storage', 'ceph', 'plane'],
      ['spec', 'kubernetes', 'observability', 'bindPlane'],
    ] as const) {
      const plane = str(at(spec, ...keys));
      if (plane !== undefined && !planes.has(plane))
        add(
          pointer(...keys),
          `plane ${plane} is not declared in networking.planes (declared: ${known(planes)})`,
        );
    }
    return out;
  },
};
