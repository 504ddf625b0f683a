import { at, bool, int, list, named } from '../access.ts';
import { pointer } from '../pointer.ts';
import { inventory, nodeLabel, proxmox } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

// A NIC naming a bridge that does not exist is unknown-reference's; this rule keeps to VLAN consistency.
export const vlanTrunk: Rule = {
  id: 'vlan-trunk',
  description:
    'A NIC with a VLAN sits on a VLAN-aware bridge that trunks that VLAN; a bridge that is not VLAN-aware lists no trunks.',
  check(spec) {
    const pve = proxmox(spec);
    if (!pve) return [];
    const out: Finding[] = [];
    const bridges = new Map<string, unknown>();
    for (const { name, index } of named(at(pve, 'bridges'))) {
      const bridge = at(pve, 'bridges', index);
      if (!bridges.has(name)) bridges.set(name, bridge);
      if (bool(at(bridge, 'vlanAware')) === false && list(at(bridge, 'trunks')).length > 0)
        out.push({
          rule: 'vlan-trunk',
          path: pointer('spec', 'substrate', 'proxmox', 'bridges', index, 'trunks'),
          message: `bridge ${name} is not VLAN-aware but lists trunks: set vlanAware: true or write trunks: []`,
        });
    }
    inventory(spec).forEach((node, i) => {
      list(at(node, 'nics')).forEach((nic, j) => {
        const vlan = int(at(nic, 'vlan'));
        const name = at(nic, 'bridge');
        const bridge = typeof name === 'string' ? bridges.get(name) : undefined;
        if (vlan === undefined || bridge === undefined) return;
        const path = pointer('spec', 'nodes', 'inventory', i, 'nics', j, 'vlan');
        const who = `node ${nodeLabel(node, i)} NIC ${j}`;
        if (bool(at(bridge, 'vlanAware')) !== true) {
          out.push({
            rule: 'vlan-trunk',
            path,
            message: `${who} is tagged with VLAN ${vlan} but bridge ${String(name)} is not VLAN-aware`,
          });
          return;
        }
        const trunks = list(at(bridge, 'trunks'));
        if (!trunks.includes(vlan))
          out.push({
            rule: 'vlan-trunk',
            path,
            message: `${who} is tagged with VLAN ${vlan} but bridge ${String(name)} trunks only ${trunks.join(', ') || 'no VLANs'}`,
          });
      });
    });
    return out;
  },
};
