import { at, list, str } from '../access.ts';
import { pointer } from '../pointer.ts';
import { planeNames } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

const PORTS = /^([0-9]{1,5})(?:-([0-9]{1,5}))?\/(tcp|udp)$/;

export const interPlaneRule: Rule = {
  id: 'inter-plane-rule',
  description:
    'Each networking.policy.allow rule names declared planes, goes from one plane to another, and lists ports 1-65535 with ordered ranges.',
  check(spec) {
    const out: Finding[] = [];
    const planes = new Set(planeNames(spec));
    const declared = [...planes].join(', ') || 'none';
    list(at(spec, 'spec', 'networking', 'policy', 'allow')).forEach((rule, i) => {
      const base = ['spec', 'networking', 'policy', 'allow', i] as const;
      const from = str(at(rule, 'from'));
      const to = str(at(rule, 'to'));
      for (const [key, plane] of [
        ['from', from],
        ['to', to],
      ] as const) {
        if (plane !== undefined && !planes.has(plane))
          out.push({
            rule: 'inter-plane-rule',
            path: pointer(...base, key),
            message: `allow rule ${i} names plane ${plane}, which networking.planes does not declare (declared: ${declared})`,
          });
      }
      if (from !== undefined && from === to)
        out.push({
          rule: 'inter-plane-rule',
          path: pointer(...base, 'to'),
          message: `allow rule ${i} goes from ${from} to itself: inter-plane rules join two different planes`,
        });
      list(at(rule, 'ports')).forEach((entry, k) => {
        const m = PORTS.exec(str(entry) ?? '');
        if (!m) return; // the schema reports the format
        const low = Number(m[1]);
        const high = m[2] === undefined ? low : Number(m[2]);
        const problem =
          low < 1 || low > 65535 || high < 1 || high > 65535
            ? 'ports must be between 1 and 65535'
            : low > high
              ? `the range is reversed (${low} > ${high})`
              : undefined;
        if (problem)
          out.push({
            rule: 'inter-plane-rule',
            path: pointer(...base, 'ports', k),
            message: `allow rule ${i} port ${String(entry)}: ${problem}`,
          });
      });
    });
    return out;
  },
};
