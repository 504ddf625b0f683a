import { at, list, named } from '../access.ts';
import { pointer } from '../pointer.ts';
import type { Finding, Rule } from '../types.ts';

/** Lists whose items are named, and what the name identifies. */
const NAMED_LISTS: { keys: string[]; what: string }[] = [
  { keys: ['spec', 'nodes', 'inventory'], what: 'node' },
  { keys: ['spec', 'nodes', 'failureDomains'], what: 'failure domain' },
  { keys: ['spec', 'substrate', 'proxmox', 'bridges'], what: 'bridge' },
  { keys: ['spec', 'substrate', 'proxmox', 'storagePools'], what: 'storage pool' },
  { keys: ['spec', 'storage', 'ceph', 'pools'], what: 'Ceph pool' },
];
/** Lists of plain names. */
const NAME_LISTS: { keys: string[]; what: string }[] = [
  { keys: ['spec', 'substrate', 'proxmox', 'hosts'], what: 'Proxmox host' },
  { keys: ['spec', 'storage', 'zfs', 'pools'], what: 'zfs pool' },
];

export const duplicateName: Rule = {
  id: 'duplicate-name',
  description:
    'Names are unique: nodes, failure domains, bridges, storage pools, Ceph pools, Proxmox hosts and zfs pools.',
  check(spec) {
    const out: Finding[] = [];
    const report = (
      names: { name: string; index: number }[],
      keys: string[],
      what: string,
      leaf: string[],
    ) => {
      const first = new Map<string, number>();
      for (const { name, index } of names) {
        const seen = first.get(name);
        if (seen === undefined) first.set(name, index);
        else
          out.push({
            rule: 'duplicate-name',
            path: pointer(...keys, index, ...leaf),
            message: `duplicate ${what} name ${name} (first at ${pointer(...keys, seen)})`,
          });
      }
    };
    for (const { keys, what } of NAMED_LISTS) report(named(at(spec, ...keys)), keys, what, ['name']);
    for (const { keys, what } of NAME_LISTS) {
      const names = list(at(spec, ...keys)).flatMap((name, index) =>
        typeof name === 'string' ? [{ name, index }] : [],
      );
      report(names, keys, what, []);
    }
    return out;
  },
};
