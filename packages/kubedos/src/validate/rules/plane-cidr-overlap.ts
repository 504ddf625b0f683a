import { DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR } from '../../api/defaults.ts';
import { at, entries, str } from '../access.ts';
import { overlaps, parseCidr, type Cidr } from '../ipv4.ts';
import { pointer } from '../pointer.ts';
import { kubernetesOn } from '../spec-parts.ts';
import type { Finding, Rule } from '../types.ts';

interface Block {
  label: string;
  text: string;
  cidr: Cidr;
  /** Where a conflict is reported; undefined for a defaulted Kubernetes network (reported on the other side). */
  path: string | undefined;
}

export const planeCidrOverlap: Rule = {
  id: 'plane-cidr-overlap',
  description:
    'No two plane CIDRs overlap, and none overlaps the Kubernetes pod or service network (given or default).',
  check(spec) {
    const blocks: Block[] = [];
    for (const [name, plane] of entries(at(spec, 'spec', 'networking', 'planes'))) {
      const text = str(at(plane, 'cidr'));
      const cidr = text === undefined ? undefined : parseCidr(text);
      if (text !== undefined && cidr)
        blocks.push({
          label: `plane ${name}`,
          text,
          cidr,
          path: pointer('spec', 'networking', 'planes', name, 'cidr'),
        });
    }
    if (kubernetesOn(spec)) {
      const k8s = at(spec, 'spec', 'kubernetes', 'networking');
      for (const [key, fallback] of [
        ['podCidr', DEFAULT_POD_CIDR],
        ['serviceCidr', DEFAULT_SERVICE_CIDR],
      ] as const) {
        const given = str(at(k8s, key));
        const text = given ?? fallback;
        const cidr = parseCidr(text);
        const label = `kubernetes.networking.${key}${given === undefined ? ' (default)' : ''}`;
        const path = given === undefined ? undefined : pointer('spec', 'kubernetes', 'networking', key);
        if (cidr) blocks.push({ label, text, cidr, path });
      }
    }
    // A handful of blocks: every pair is compared so each conflict is named.
    const out: Finding[] = [];
    for (let j = 1; j < blocks.length; j++) {
      const b = blocks[j] as Block;
      for (let i = 0; i < j; i++) {
        const a = blocks[i] as Block;
        if (!overlaps(a.cidr, b.cidr)) continue;
        const path = b.path ?? a.path;
        if (path === undefined) continue;
        const [self, other] = path === b.path ? [b, a] : [a, b];
        out.push({
          rule: 'plane-cidr-overlap',
          path,
          message: `${self.label} ${self.text} overlaps ${other.label} ${other.text}`,
        });
      }
    }
    return out;
  },
};
