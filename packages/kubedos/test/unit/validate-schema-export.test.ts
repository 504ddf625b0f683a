import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import {
  checkSchema,
  clusterSpecJsonSchema,
  SCHEMA_DIALECT,
  SCHEMA_FILE,
  writeSchema,
} from '../../src/schema-export.ts';
import { conditionalFindings } from '../../src/validate/schema.ts';
import { validateSpec } from '../../src/validate/index.ts';
import { mutate, random } from './validate-mutate.ts';

const fixtures = new URL('../fixtures/', import.meta.url);
const seed = parse(readFileSync(new URL('seed-lab-01.yaml', fixtures), 'utf8')) as object;
const invalidDir = new URL('invalid/', fixtures);
const invalid = readdirSync(invalidDir).filter((f) => f.endsWith('.yaml'));

const ajv = new Ajv({ allErrors: true, strict: true });
const ajvValidate = ajv.compile(clusterSpecJsonSchema());

/** Ajv's error locations in the validator's convention: the pointer of the offending field. */
function ajvPaths(doc: unknown): Set<string> {
  if (ajvValidate(doc)) return new Set();
  const esc = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');
  return new Set(
    (ajvValidate.errors ?? []).map((e: ErrorObject) => {
      const p = e.params as { additionalProperty?: string; missingProperty?: string };
      const key = p.additionalProperty ?? p.missingProperty;
      return key === undefined ? e.instancePath : `${e.instancePath}/${esc(key)}`;
    }),
  );
}

/** The schema rule's findings that come from the JSON Schema itself (not its conditional requirements). */
function schemaPaths(doc: object): Set<string> {
  const conditional = new Set(conditionalFindings(doc).map((f) => f.path));
  return new Set(
    validateSpec(doc)
      .errors.filter((e) => e.rule === 'schema' && !conditional.has(e.path))
      .map((e) => e.path),
  );
}

test('the committed deploy/schemas/clusterspec.schema.json matches the ClusterSpec schema', async () => {
  assert.equal(await checkSchema(), 'ok', 'run `node packages/kubedos/src/schema-export.ts`');
});

test('writeSchema writes once, then reports no change; checkSchema sees missing and drifted files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubedos-schema-'));
  try {
    assert.equal(await checkSchema(dir), 'missing');
    assert.equal(await writeSchema(dir), true);
    assert.equal(await writeSchema(dir), false);
    assert.equal(await checkSchema(dir), 'ok');
    const text = await readFile(join(dir, SCHEMA_FILE), 'utf8');
    assert.deepEqual(JSON.parse(text), clusterSpecJsonSchema());
    await writeFile(join(dir, SCHEMA_FILE), text.replace('"Cluster"', '"Klaster"'));
    assert.equal(await checkSchema(dir), 'drifted');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the published schema is draft-07 with closed objects and maps', () => {
  const schema = clusterSpecJsonSchema();
  assert.equal(schema.$schema, SCHEMA_DIALECT);
  assert.equal(schema.$id, 'https://kubedos.ca/schemas/clusterspec-v1alpha1.json');
  const open: string[] = [];
  const walk = (s: unknown, path: string) => {
    if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${path}/${i}`));
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    const isMetadataLabels = path.endsWith('/labels');
    if (o.type === 'object' && o.additionalProperties !== false && !isMetadataLabels) open.push(path);
    for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
  };
  walk(schema, '');
  assert.deepEqual(open, []);
});

test('Ajv with the published schema accepts the seed spec', () => {
  assert.equal(ajvValidate(seed), true, JSON.stringify(ajvValidate.errors));
});

for (const file of invalid) {
  test(`Ajv and the schema rule agree on invalid/${file}`, () => {
    const doc = parse(readFileSync(new URL(file, invalidDir), 'utf8')) as object;
    assert.deepEqual([...ajvPaths(doc)].sort(), [...schemaPaths(doc)].sort());
  });
}

test('Ajv and the schema rule agree on random corruptions of the seed', () => {
  const next = random(7);
  for (let i = 0; i < 200; i++) {
    const doc = structuredClone(seed);
    mutate(doc, next);
    assert.equal(ajvPaths(doc).size === 0, schemaPaths(doc).size === 0, `case ${i}`);
  }
});
