import { at, int } from '../access.ts';
import { pointer } from '../pointer.ts';
import { inventory, nodeLabel, proxmox } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

export const vmidRange: Rule = {
  id: 'vmid-range',
  description:
    'On Proxmox, vmidRange is ordered (start <= end) and holds a VMID for every node; explicit node vmids lie inside it and are unique.',
  check(spec) {
    const pve = proxmox(spec);
    if (!pve) return [];
    const out: Finding[] = [];
    const start = int(at(pve, 'vmidRange', 'start'));
    const end = int(at(pve, 'vmidRange', 'end'));
    const rangePath = pointer('spec', 'substrate', 'proxmox', 'vmidRange');
    const nodes = inventory(spec);
    const ordered = start !== undefined && end !== undefined && start <= end;
    if (start !== undefined && end !== undefined && !ordered)
      out.push({
        rule: 'vmid-range',
        path: rangePath,
        message: `vmidRange start ${start} is after end ${end}`,
      });
    if (ordered && end - start + 1 < nodes.length)
      out.push({
        rule: 'vmid-range',
        path: rangePath,
        message: `vmidRange ${start}-${end} holds ${end - start + 1} VMIDs for ${nodes.length} VMs`,
      });
    const owners = new Map<number, string>();
    nodes.forEach((node, i) => {
      const vmid = int(at(node, 'vmid'));
      if (vmid === undefined) return;
      const path = pointer('spec', 'nodes', 'inventory', i, 'vmid');
      const label = nodeLabel(node, i);
      if (ordered && (vmid < start || vmid > end))
        out.push({
          rule: 'vmid-range',
          path,
          message: `node ${label}: vmid ${vmid} is outside vmidRange ${start}-${end}`,
        });
      const owner = owners.get(vmid);
      if (owner !== undefined)
        out.push({
          rule: 'vmid-range',
          path,
          message: `node ${label}: vmid ${vmid} is already node ${owner}'s`,
        });
      else owners.set(vmid, label);
    });
    return out;
  },
};
