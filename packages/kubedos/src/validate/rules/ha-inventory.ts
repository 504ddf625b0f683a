import { at, int } from '../access.ts';
import { pointer } from '../pointer.ts';
import { inventory, kubernetesOn } from '../spec-parts.ts';
import type { Rule } from '../types.ts';

export const haInventory: Rule = {
  id: 'ha-inventory',
  description: 'The inventory has exactly kubernetes.ha.controlPlaneReplicas nodes with role control-plane.',
  check(spec) {
    const replicas = int(at(spec, 'spec', 'kubernetes', 'ha', 'controlPlaneReplicas'));
    const nodes = at(spec, 'spec', 'nodes', 'inventory');
    if (!kubernetesOn(spec) || replicas === undefined || !Array.isArray(nodes)) return [];
    const count = inventory(spec).filter((n) => at(n, 'role') === 'control-plane').length;
    if (count === replicas) return [];
    return [
      {
        rule: 'ha-inventory',
        path: pointer('spec', 'nodes', 'inventory'),
        message: `the inventory has ${count} control-plane node(s) but kubernetes.ha.controlPlaneReplicas is ${replicas}`,
      },
    ];
  },
};
