// Discouraged but valid choices: reported as warnings, never making a spec invalid. Their ids start
// with `warning:` so they never collide with an error rule.
import { at, entries, int, str } from './access.ts';
import { parseCidr } from './ipv4.ts';
import { fieldLabel, pointer } from './pointer.ts';
import { DESTRUCTIVE_FLAGS } from './rules/destructive-flag-explicit.ts';
import type { Finding, Rule, RuleInfo, WarningId } from './types.ts';

/** A warning raised when the value at `keys` is `value`. */
function whenValue(id: WarningId, keys: string[], value: unknown, description: string, why: string): Rule {
  return {
    id,
    description,
    check: (spec) =>
      at(spec, ...keys) === value
        ? [
            {
              rule: id,
              path: pointer(...keys),
              message: `${fieldLabel(pointer(...keys))} is ${String(value)}: ${why}`,
            },
          ]
        : [],
  };
}

export const WARNING_RULES: readonly Rule[] = [
  whenValue(
    'warning:tofu-bootstrap',
    ['spec', 'security', 'bootstrap', 'model'],
    'to-fu',
    'security.bootstrap.model is to-fu (trust on first use).',
    'the first contact is trusted blindly; prefer offline-ca or pinned-ca',
  ),
  whenValue(
    'warning:inter-plane-allow',
    ['spec', 'networking', 'policy', 'defaultInterPlane'],
    'allow',
    'networking.policy.defaultInterPlane is allow.',
    'traffic between planes is open unless a rule forbids it; deny with explicit allow rules is recommended',
  ),
  whenValue(
    'warning:password-auth',
    ['spec', 'security', 'ssh', 'passwordAuth'],
    true,
    'security.ssh.passwordAuth is true.',
    'SSH accepts passwords; key-only authentication is the baseline',
  ),
  whenValue(
    'warning:cilium-policy-allow',
    ['spec', 'kubernetes', 'cni', 'policyDefault'],
    'allow',
    'kubernetes.cni.policyDefault is allow.',
    'pods talk freely until a policy selects them; deny is the hardened default',
  ),
  whenValue(
    'warning:hubble-disabled',
    ['spec', 'kubernetes', 'cni', 'hubble'],
    false,
    'kubernetes.cni.hubble is false.',
    'no flow visibility, and the hubble-flows acceptance gate cannot pass',
  ),
  whenValue(
    'warning:ha-disabled',
    ['spec', 'kubernetes', 'ha', 'enabled'],
    false,
    'kubernetes.ha.enabled is false.',
    'the control plane is a single point of failure',
  ),
  {
    id: 'warning:destructive-enabled',
    description: 'A destructive flag (allowDestroy, allowRepartition, allowWipe, allowReset) is true.',
    check: (spec) =>
      DESTRUCTIVE_FLAGS.filter((keys) => at(spec, ...keys) === true).map((keys) => ({
        rule: 'warning:destructive-enabled',
        path: pointer(...keys),
        message: `${fieldLabel(pointer(...keys))} is true: plans may include destructive steps; set it back to false once done`,
      })),
  },
  {
    id: 'warning:cidr-host-bits',
    description: 'A plane CIDR has host bits set (10.101.0.5/24); the network address is used.',
    check: (spec) =>
      entries(at(spec, 'spec', 'networking', 'planes')).flatMap(([name, plane]): Finding[] => {
        const text = str(at(plane, 'cidr'));
        const cidr = text === undefined ? undefined : parseCidr(text);
        if (!cidr?.hostBits) return [];
        return [
          {
            rule: 'warning:cidr-host-bits',
            path: pointer('spec', 'networking', 'planes', name, 'cidr'),
            message: `plane ${name} CIDR ${String(text)} has host bits set; it is read as its network address`,
          },
        ];
      }),
  },
  {
    id: 'warning:ceph-low-redundancy',
    description: 'Ceph is enabled with size 2 or minSize 1: one more failure loses data or writes.',
    check: (spec) => {
      const ceph = at(spec, 'spec', 'storage', 'ceph');
      if (at(ceph, 'enabled') !== true) return [];
      const out: Finding[] = [];
      const base = ['spec', 'storage', 'ceph'];
      if (int(at(ceph, 'size')) === 2)
        out.push({
          rule: 'warning:ceph-low-redundancy',
          path: pointer(...base, 'size'),
          message: 'storage.ceph.size is 2: a second failure during recovery loses data; 3 is recommended',
        });
      if (int(at(ceph, 'minSize')) === 1 && (int(at(ceph, 'size')) ?? 0) >= 2)
        out.push({
          rule: 'warning:ceph-low-redundancy',
          path: pointer(...base, 'minSize'),
          message: 'storage.ceph.minSize is 1: writes are acknowledged with a single copy; 2 is recommended',
        });
      return out;
    },
  },
];

export const WARNINGS: readonly RuleInfo[] = WARNING_RULES.map(({ id, description }) => ({
  id,
  description,
}));
