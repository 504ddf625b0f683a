import { at, int, list, str, unset } from '../access.ts';
import { pointer } from '../pointer.ts';
import { inventory } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

const CEPH = ['spec', 'storage', 'ceph'] as const;
const REQUIRED = ['size', 'minSize', 'failureDomain', 'plane'] as const;

/** Nodes that can hold OSDs: storage or worker nodes with a ceph-osd disk. */
function osdHosts(spec: unknown): { count: number; domains: Set<string> } {
  let count = 0;
  const domains = new Set<string>();
  for (const node of inventory(spec)) {
    const role = at(node, 'role');
    if (role !== 'storage' && role !== 'worker') continue;
    if (!list(at(node, 'disks')).some((d) => at(d, 'purpose') === 'ceph-osd')) continue;
    count++;
    const domain = str(at(node, 'failureDomain'));
    if (domain !== undefined) domains.add(domain);
  }
  return { count, domains };
}

// The plane naming an undeclared plane is unknown-reference's; this rule checks the replication policy.
export const cephReplication: Rule = {
  id: 'ceph-replication',
  description:
    'With Ceph on: size, minSize, failureDomain and plane are set; size >= 2; minSize <= size; enough OSD nodes (storage or worker nodes with a ceph-osd disk) and, with failureDomain: failureDomain, enough distinct failure domains for size; the same for each pool.',
  check(spec) {
    const ceph = at(spec, ...CEPH);
    if (at(ceph, 'enabled') !== true) return [];
    const out: Finding[] = [];
    const add = (path: string, message: string) => out.push({ rule: 'ceph-replication', path, message });
    for (const key of REQUIRED)
      if (unset(at(ceph, key)))
        add(pointer(...CEPH, key), `with Ceph enabled, storage.ceph.${key} must be set`);

    const hosts = osdHosts(spec);
    const byDomain = at(ceph, 'failureDomain') === 'failureDomain';
    const checkReplicas = (
      base: (string | number)[],
      size: number | undefined,
      minSize: number | undefined,
      sizeSet: boolean,
    ) => {
      const isPool = base.length > CEPH.length;
      const what = isPool ? `pool ${str(at(spec, ...base, 'name')) ?? String(base.at(-1))}` : 'Ceph';
      if (size !== undefined && minSize !== undefined && minSize > size)
        add(pointer(...base, 'minSize'), `${what}: minSize ${minSize} is larger than size ${size}`);
      if (size === undefined || !sizeSet) return;
      if (size < 2)
        add(
          pointer(...base, 'size'),
          `${what}: size ${size} keeps a single copy, so any disk loss loses data; use 3 (at least 2)`,
        );
      if (hosts.count < size)
        add(
          pointer(...base, 'size'),
          `${what}: size ${size} needs ${size} OSD nodes (storage or worker nodes with a ceph-osd disk), the inventory has ${hosts.count}`,
        );
      else if (byDomain && hosts.domains.size < size)
        add(
          pointer(...(isPool ? [...base, 'size'] : [...CEPH, 'failureDomain'])),
          `${what}: size ${size} with failureDomain: failureDomain needs OSD nodes in ${size} failure domains, they are in ${hosts.domains.size}`,
        );
    };
    const size = int(at(ceph, 'size'));
    const minSize = int(at(ceph, 'minSize'));
    checkReplicas([...CEPH], size, minSize, true);
    list(at(ceph, 'pools')).forEach((pool, k) => {
      const poolSize = int(at(pool, 'size'));
      const poolMin = int(at(pool, 'minSize'));
      // Inherited values were checked above: a pool is checked again only for what it overrides.
      if (poolSize === undefined && poolMin === undefined) return;
      checkReplicas([...CEPH, 'pools', k], poolSize ?? size, poolMin ?? minSize, poolSize !== undefined);
    });
    return out;
  },
};
