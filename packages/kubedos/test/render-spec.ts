// Specs for the renderer tests: the seed example, and generated clusters of any size derived from it
// (3 control-plane nodes, the rest workers, spread over three failure domains, /16 planes).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ClusterSpec } from '../src/api/clusterspec.ts';

const SEED = new URL('./fixtures/seed-lab-01.yaml', import.meta.url);

export function seedSpec(): ClusterSpec {
  return parse(readFileSync(SEED, 'utf8')) as ClusterSpec;
}

export function generatedSpec(nodes: number): ClusterSpec {
  const spec = seedSpec();
  const template = spec.spec.nodes.inventory;
  const domains = ['rack-a', 'rack-b', 'rack-c'];
  spec.spec.nodes.failureDomains = domains.map((name) => ({ name }));
  spec.spec.nodes.inventory = Array.from({ length: nodes }, (_, i) => ({
    ...structuredClone(template[i < 3 ? 0 : 3]!),
    name: i < 3 ? `cp-${i + 1}` : `w-${i - 2}`,
    failureDomain: domains[i % domains.length]!,
  }));
  spec.spec.substrate.proxmox!.vmidRange = { start: 10000, end: 10000 + 4 * nodes };
  for (const [name, plane] of Object.entries(spec.spec.networking.planes))
    plane.cidr = `10.${100 + Number(name.slice(2))}.0.0/16`;
  return spec;
}

/** Values whose YAML spelling is easy to get wrong, in YAML 1.1 (Ansible) or 1.2. */
export const TRICKY_YAML = {
  strings: [
    'no',
    'On',
    'Y',
    '~',
    '',
    '10.0.0.1',
    '0.1.0',
    '1e3',
    '0o17',
    '1_000',
    '12:30',
    '.inf',
    '.NaN',
    '<<',
    '=',
    'a: b',
    'a #b',
    '#x',
    '- x',
    '{{ x }}',
    '[a]',
    '*ref',
    '&a',
    '!tag',
    '%x',
    '@x',
    '`x',
    "'q'",
    '"q"',
    'a b',
    ' lead',
    'trail ',
    'é',
    'line\nbreak',
    'tab\tx',
    'sha256:abc',
    'token+pin',
    '/dev/sda',
    'v1.30.x',
    'null',
    'NULL',
    '30s',
    '0644',
    '2024-01-01',
    '-1',
    '+1',
    '0x1F',
    '0b101',
    '1_000.5',
    'a:b',
    'x:',
    'a,b',
    'é:ü',
    '\u2028',
    '\ufeffbom',
    'del\u007f',
  ],
  multiline: [
    'a\nb',
    'a\nb\n',
    'a\nb\n\n',
    '#!/bin/sh\nset -eu\necho "x: y" # c\n',
    '  lead\nx',
    'x\n  indented\n',
    'tab\tin\nblock\n',
    'a\n\nb\n',
    'x\r\ny',
    '\n',
    'last\n',
    'trail \nspace \n',
    'nel\u0085x\ny',
  ],
  blocks: { script: 'line 1\nline 2\n', after: 'x', list: ['one\ntwo\n', 'k'] },
  numbers: [0, -1, 2.5, 51820],
  flags: [true, false, null],
  empty: { map: {}, list: [] },
  nested: [[1, [2, { a: [] }]], { b: { c: 'd' } }, {}],
};
