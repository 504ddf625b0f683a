import { at, unset } from '../access.ts';
import { pointer } from '../pointer.ts';
import type { Rule } from '../types.ts';

export const interPlaneDefault: Rule = {
  id: 'inter-plane-default',
  description: 'networking.policy.defaultInterPlane is set (deny is recommended; allow is warned about).',
  check(spec) {
    if (!unset(at(spec, 'spec', 'networking', 'policy', 'defaultInterPlane'))) return [];
    return [
      {
        rule: 'inter-plane-default',
        path: pointer('spec', 'networking', 'policy', 'defaultInterPlane'),
        message: 'networking.policy.defaultInterPlane must be set: write deny (recommended) or allow',
      },
    ];
  },
};
