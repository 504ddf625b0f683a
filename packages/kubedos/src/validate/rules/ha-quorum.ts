import { at, bool, int } from '../access.ts';
import { pointer } from '../pointer.ts';
import { kubernetesOn } from '../spec-parts.ts';
import type { Rule } from '../types.ts';

export const haQuorum: Rule = {
  id: 'ha-quorum',
  description:
    'With HA on, kubernetes.ha.controlPlaneReplicas is odd and at least 3 (etcd quorum survives a loss).',
  check(spec) {
    const ha = at(spec, 'spec', 'kubernetes', 'ha');
    if (!kubernetesOn(spec) || bool(at(ha, 'enabled')) === false) return [];
    const replicas = int(at(ha, 'controlPlaneReplicas'));
    if (replicas === undefined || (replicas >= 3 && replicas % 2 === 1)) return [];
    return [
      {
        rule: 'ha-quorum',
        path: pointer('spec', 'kubernetes', 'ha', 'controlPlaneReplicas'),
        message: `with HA enabled, controlPlaneReplicas must be odd and at least 3 so etcd keeps quorum when one fails, got ${replicas}`,
      },
    ];
  },
};
