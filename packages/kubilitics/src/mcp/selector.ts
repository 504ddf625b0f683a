// Label selectors as kubectl writes them: `app=web,tier!=db,env in (prod,staging),!canary,release`.
import type { LabelSelector, LabelSelectorRequirement } from '@industriverse/kube';

const KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Parses a selector string; throws with the offending part when it is not one. */
export function parseLabelSelector(text: string): LabelSelector {
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const part of splitRequirements(text)) {
    const req = parseRequirement(part);
    if (!req)
      throw new Error(`label_selector: cannot parse "${part}" (e.g. app=web,tier!=db,env in (a,b),!canary)`);
    matchExpressions.push(req);
  }
  return { matchExpressions };
}

function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

function parseRequirement(part: string): LabelSelectorRequirement | undefined {
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    if (!KEY.test(set[1]!) || !values.every((v) => VALUE.test(v))) return undefined;
    return { key: set[1]!, operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    if (!KEY.test(eq[1]!) || !VALUE.test(eq[3]!)) return undefined;
    return { key: eq[1]!, operator: eq[2] === '!=' ? 'NotIn' : 'In', values: [eq[3]!] };
  }
  const not = /^!\s*(\S+)$/.exec(part);
  if (not) return KEY.test(not[1]!) ? { key: not[1]!, operator: 'DoesNotExist' } : undefined;
  return KEY.test(part) ? { key: part, operator: 'Exists' } : undefined;
}
