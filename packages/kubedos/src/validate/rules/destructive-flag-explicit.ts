import { at, unset } from '../access.ts';
import { fieldLabel, pointer } from '../pointer.ts';
import type { Finding, Rule } from '../types.ts';

/** The policy boundaries of §14.2: each must be written out, true or false. */
export const DESTRUCTIVE_FLAGS = [
  ['spec', 'substrate', 'allowDestroy'],
  ['spec', 'orchestration', 'ansible', 'safety', 'allowRepartition'],
  ['spec', 'orchestration', 'ansible', 'safety', 'allowWipe'],
  ['spec', 'kubernetes', 'allowReset'],
] as const;

export const destructiveFlagExplicit: Rule = {
  id: 'destructive-flag-explicit',
  description:
    'substrate.allowDestroy, orchestration.ansible.safety.allowRepartition and allowWipe, and kubernetes.allowReset are written out (true or false), never implied.',
  check(spec) {
    const out: Finding[] = [];
    for (const keys of DESTRUCTIVE_FLAGS) {
      if (!unset(at(spec, ...keys))) continue;
      const path = pointer(...keys);
      out.push({
        rule: 'destructive-flag-explicit',
        path,
        message: `${fieldLabel(path)} must be written out: destructive operations are never implied (write false unless you mean it)`,
      });
    }
    return out;
  },
};
