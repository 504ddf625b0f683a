import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import {
  GENERATED_HEADER,
  StructuralSchemaError,
  checkCrds,
  defineResource,
  renderCrdYaml,
  toStructural,
  writeCrds,
} from '../../src/crd/index.ts';
import type { ResourceOf, StructuralSchema } from '../../src/crd/index.ts';

function throwsAt(fn: () => unknown, path: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StructuralSchemaError, `expected StructuralSchemaError, got ${String(err)}`);
    assert.equal(err.path, path);
    assert.match(err.message, message);
    assert.ok(err.message.startsWith(`${path}: `), 'the message names the path');
    return true;
  });
}

function symbolKeys(value: unknown): symbol[] {
  if (typeof value !== 'object' || value === null) return [];
  return [...Object.getOwnPropertySymbols(value), ...Object.values(value).flatMap(symbolKeys)];
}

describe('toStructural', () => {
  it('keeps the value validations and annotations of scalars', () => {
    const schema = Type.Object({
      replicas: Type.Integer({
        format: 'int32',
        minimum: 0,
        maximum: 10,
        default: 1,
        description: 'How many.',
      }),
      bytes: Type.Integer({ format: 'int64' }),
      ratio: Type.Number({ multipleOf: 0.5 }),
      name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z]+$' }),
      since: Type.String({ format: 'date-time', nullable: true }),
      tags: Type.Array(Type.String(), { minItems: 1, maxItems: 3 }),
      enabled: Type.Boolean({ default: false }),
    });
    assert.deepEqual(toStructural(schema), {
      properties: {
        replicas: {
          default: 1,
          description: 'How many.',
          format: 'int32',
          maximum: 10,
          minimum: 0,
          type: 'integer',
        },
        bytes: { format: 'int64', type: 'integer' },
        ratio: { multipleOf: 0.5, type: 'number' },
        name: { maxLength: 63, minLength: 1, pattern: '^[a-z]+$', type: 'string' },
        since: { format: 'date-time', nullable: true, type: 'string' },
        tags: { items: { type: 'string' }, maxItems: 3, minItems: 1, type: 'array' },
        enabled: { default: false, type: 'boolean' },
      },
      required: ['replicas', 'bytes', 'ratio', 'name', 'since', 'tags', 'enabled'],
      type: 'object',
    });
  });

  it('strips TypeBox symbols, $id, $schema and additionalProperties: false', () => {
    const schema = Type.Object(
      { inner: Type.Object({ a: Type.String() }, { additionalProperties: false, $id: 'Inner' }) },
      { $schema: 'https://json-schema.org/draft/2020-12/schema', additionalProperties: false },
    );
    const out = toStructural(schema);
    assert.deepEqual(out, {
      properties: { inner: { properties: { a: { type: 'string' } }, required: ['a'], type: 'object' } },
      required: ['inner'],
      type: 'object',
    });
    assert.deepEqual(symbolKeys(out), []);
  });

  it('derives required from Type.Optional and Type.Partial', () => {
    const schema = Type.Object({ a: Type.String(), b: Type.Optional(Type.String()) });
    assert.deepEqual(toStructural(schema).required, ['a']);
    assert.equal(toStructural(Type.Partial(schema)).required, undefined);
  });

  it('turns Type.Record(Type.String(), X) into additionalProperties and additionalProperties: true into preserve', () => {
    assert.deepEqual(toStructural(Type.Record(Type.String(), Type.Integer())), {
      additionalProperties: { type: 'integer' },
      type: 'object',
    });
    assert.deepEqual(toStructural(Type.Object({}, { additionalProperties: Type.String() })), {
      additionalProperties: { type: 'string' },
      type: 'object',
    });
    assert.deepEqual(toStructural(Type.Object({ a: Type.String() }, { additionalProperties: true })), {
      properties: { a: { type: 'string' } },
      required: ['a'],
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('turns unions of literals into enums', () => {
    assert.deepEqual(
      toStructural(Type.Union([Type.Literal('Fast'), Type.Literal('Slow')], { default: 'Fast' })),
      {
        default: 'Fast',
        enum: ['Fast', 'Slow'],
        type: 'string',
      },
    );
    assert.deepEqual(toStructural(Type.Literal('Only')), { enum: ['Only'], type: 'string' });
    assert.deepEqual(toStructural(Type.Union([Type.Literal(1), Type.Literal(2)])), {
      enum: [1, 2],
      type: 'integer',
    });
    assert.deepEqual(toStructural(Type.Union([Type.Literal(1), Type.Literal(2.5)])), {
      enum: [1, 2.5],
      type: 'number',
    });
    const nested = Type.Union([Type.Union([Type.Literal('a'), Type.Literal('b')]), Type.Literal('c')]);
    assert.deepEqual(toStructural(nested), { enum: ['a', 'b', 'c'], type: 'string' });
    throwsAt(() => toStructural(Type.Union([Type.Literal('a'), Type.Literal(1)])), '$', /must not mix types/);
  });

  it('turns X | null into nullable', () => {
    assert.deepEqual(toStructural(Type.Union([Type.String({ minLength: 1 }), Type.Null()])), {
      minLength: 1,
      nullable: true,
      type: 'string',
    });
  });

  it('moves the values of a nullable enum to a CEL rule, since the apiserver rejects null for an enum', () => {
    assert.deepEqual(toStructural(Type.Union([Type.Literal('a'), Type.Literal('b'), Type.Null()])), {
      nullable: true,
      type: 'string',
      'x-kubernetes-validations': [{ rule: 'self in ["a", "b"]', message: 'must be one of "a", "b"' }],
    });
    const rules = [{ rule: 'self != "c"' }];
    assert.deepEqual(
      toStructural(Type.Union([Type.Literal('c'), Type.Null()], { 'x-kubernetes-validations': rules })),
      {
        nullable: true,
        type: 'string',
        'x-kubernetes-validations': [...rules, { rule: 'self in ["c"]', message: 'must be one of "c"' }],
      },
    );
    assert.deepEqual(
      toStructural(Type.Union([Type.Literal(1), Type.Literal(2.5), Type.Null()]))['x-kubernetes-validations'],
      [{ rule: 'self in [1.0, 2.5]', message: 'must be one of 1, 2.5' }],
    );
  });

  it('supports int-or-string as a TypeBox union and as Type.Unsafe', () => {
    const expected: StructuralSchema = {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      description: 'Port.',
      'x-kubernetes-int-or-string': true,
    };
    assert.deepEqual(
      toStructural(Type.Union([Type.Integer(), Type.String()], { description: 'Port.' })),
      expected,
    );
    assert.deepEqual(
      toStructural(
        Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true, description: 'Port.' }),
      ),
      expected,
    );
    throwsAt(
      () => toStructural(Type.Unsafe({ type: 'string', 'x-kubernetes-int-or-string': true })),
      '$',
      /must not be combined with a type/,
    );
  });

  it('passes Type.Unsafe through, e.g. for preserve-unknown-fields', () => {
    const schema = Type.Object({
      raw: Type.Unsafe<unknown>({ 'x-kubernetes-preserve-unknown-fields': true }),
      embedded: Type.Unsafe<object>({
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      }),
    });
    assert.deepEqual(toStructural(schema).properties, {
      raw: { 'x-kubernetes-preserve-unknown-fields': true },
      embedded: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    });
  });

  it('keeps list and map types and CEL validation rules', () => {
    const rules = [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }];
    const schema = Type.Object(
      {
        min: Type.Integer(),
        max: Type.Integer(),
        ports: Type.Array(Type.Object({ name: Type.String(), port: Type.Integer() }), {
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
        selector: Type.Record(Type.String(), Type.String(), { 'x-kubernetes-map-type': 'atomic' }),
      },
      { 'x-kubernetes-validations': rules },
    );
    const out = toStructural(schema);
    assert.deepEqual(out['x-kubernetes-validations'], rules);
    assert.equal(out.properties?.['ports']?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(out.properties?.['ports']?.['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(out.properties?.['selector']?.['x-kubernetes-map-type'], 'atomic');
    throwsAt(
      () => toStructural(Type.Object({ a: Type.Array(Type.String(), { 'x-kubernetes-list-type': 'bag' }) })),
      '$.a',
      /x-kubernetes-list-type must be one of atomic, set, map/,
    );
    throwsAt(
      () => toStructural(Type.Object({}, { 'x-kubernetes-validations': [{ message: 'no rule' }] })),
      '$',
      /array of \{ rule: string/,
    );
  });

  it('writes exclusive bounds the OpenAPI v3.0 way', () => {
    assert.deepEqual(toStructural(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })), {
      exclusiveMaximum: true,
      exclusiveMinimum: true,
      maximum: 1,
      minimum: 0,
      type: 'number',
    });
  });

  it('merges intersections of objects', () => {
    const a = Type.Object({ a: Type.String() }, { 'x-kubernetes-validations': [{ rule: 'has(self.a)' }] });
    const b = Type.Object({ b: Type.Optional(Type.Integer()) });
    assert.deepEqual(
      toStructural(Type.Intersect([a, b], { unevaluatedProperties: false, description: 'AB' })),
      {
        description: 'AB',
        properties: { a: { type: 'string' }, b: { type: 'integer' } },
        required: ['a'],
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'has(self.a)' }],
      },
    );
    throwsAt(
      () => toStructural(Type.Object({ x: Type.Intersect([a, Type.Object({ a: Type.String() })]) })),
      '$.x.a',
      /more than one intersected object/,
    );
  });

  it('inlines $ref from a Type.Module and rejects other $ref', () => {
    const module = Type.Module({
      Widget: Type.Object({ size: Type.Ref('Size'), sizes: Type.Array(Type.Ref('Size')) }),
      Size: Type.Union([Type.Literal('S'), Type.Literal('L')]),
    });
    assert.deepEqual(toStructural(module.Import('Widget')), {
      properties: {
        size: { enum: ['S', 'L'], type: 'string' },
        sizes: { items: { enum: ['S', 'L'], type: 'string' }, type: 'array' },
      },
      required: ['size', 'sizes'],
      type: 'object',
    });
    throwsAt(
      () => toStructural(Type.Object({ a: Type.Ref('Elsewhere') })),
      '$.a',
      /\$ref 'Elsewhere' is not allowed/,
    );
    const tree = Type.Recursive((This) => Type.Object({ children: Type.Array(This) }));
    throwsAt(() => toStructural(tree), '$.children[*]', /recursive \$ref/);
  });

  it('requires a type on every node and names the JSON path when missing', () => {
    const spec = (value: unknown) =>
      Type.Object({ spec: Type.Object({ items: Type.Array(Type.Object({ 'the-value': value as never })) }) });
    throwsAt(() => toStructural(spec(Type.Any())), "$.spec.items[*]['the-value']", /preserve-unknown-fields/);
    throwsAt(() => toStructural(spec(Type.Unknown())), "$.spec.items[*]['the-value']", /has no type/);
    throwsAt(
      () => toStructural(spec(Type.Unsafe({ description: 'x' }))),
      "$.spec.items[*]['the-value']",
      /no type/,
    );
    throwsAt(() => toStructural(spec(Type.Date())), "$.spec.items[*]['the-value']", /date-time/);
    throwsAt(() => toStructural(spec(Type.Null())), "$.spec.items[*]['the-value']", /nullable/);
    throwsAt(() => toStructural(spec(Type.Tuple([Type.String()]))), "$.spec.items[*]['the-value']", /tuples/);
    throwsAt(
      () => toStructural(spec(Type.Uint8Array())),
      "$.spec.items[*]['the-value']",
      /type "Uint8Array"/,
    );
  });

  it('rejects what the apiserver would reject', () => {
    throwsAt(
      () => toStructural(Type.Union([Type.Object({ a: Type.String() }), Type.String()])),
      '$',
      /unions/,
    );
    throwsAt(() => toStructural(Type.Array(Type.String(), { uniqueItems: true })), '$', /list-type': 'set'/);
    throwsAt(
      () => toStructural(Type.Object({ a: Type.String() }, { additionalProperties: Type.String() })),
      '$',
      /mutually exclusive/,
    );
    throwsAt(() => toStructural(Type.Record(Type.Number(), Type.String())), '$', /map keys/);
    throwsAt(
      () => toStructural(Type.Object({ m: Type.Record(Type.String(), Type.Any()) })),
      '$.m.*',
      /no type/,
    );
    throwsAt(
      () => toStructural(Type.String({ contentEncoding: 'base64' })),
      '$',
      /keyword 'contentEncoding'/,
    );
  });

  it('orders keywords alphabetically and properties as declared', () => {
    const out = toStructural(
      Type.Object({ zeta: Type.String({ description: 'z', minLength: 1 }), alpha: Type.Number() }),
    );
    assert.deepEqual(Object.keys(out), ['properties', 'required', 'type']);
    assert.deepEqual(Object.keys(out.properties ?? {}), ['zeta', 'alpha']);
    assert.deepEqual(Object.keys(out.properties?.['zeta'] ?? {}), ['description', 'minLength', 'type']);
  });
});

const Spec = Type.Object({
  replicas: Type.Integer({ minimum: 0, format: 'int32' }),
  mode: Type.Union([Type.Literal('Fast'), Type.Literal('Slow')]),
  port: Type.Optional(Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true })),
  target: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  ports: Type.Optional(Type.Array(Type.Object({ name: Type.String(), port: Type.Integer() }))),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
});
const Status = Type.Object({ phase: Type.Optional(Type.String()) });

const widgets = defineResource({
  group: 'example.industriverse.io',
  version: 'v1beta1',
  kind: 'Widget',
  plural: 'widgets',
  shortNames: ['wg'],
  categories: ['all'],
  scope: 'Namespaced',
  description: 'A widget.',
  spec: Spec,
  status: Status,
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Lifecycle phase.',
      priority: 1,
    },
  ],
  additionalVersions: [{ version: 'v1alpha1', deprecated: true, deprecationWarning: 'use v1beta1' }],
});

const gadgets = defineResource({
  group: 'example.industriverse.io',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  scope: 'Cluster',
  spec: Type.Object({ size: Type.Integer() }),
});

const validWidget = {
  apiVersion: 'example.industriverse.io/v1beta1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'default' },
  spec: { replicas: 2, mode: 'Fast', port: 'http', target: 8080, since: '2024-01-01T00:00:00Z' },
};

describe('defineResource', () => {
  it('exposes the names', () => {
    assert.equal(widgets.apiVersion, 'example.industriverse.io/v1beta1');
    assert.equal(widgets.kind, 'Widget');
    assert.equal(widgets.listKind, 'WidgetList');
    assert.equal(widgets.plural, 'widgets');
    assert.equal(widgets.singular, 'widget');
    assert.equal(widgets.group, 'example.industriverse.io');
    assert.equal(widgets.version, 'v1beta1');
    assert.equal(widgets.scope, 'Namespaced');
    assert.equal(widgets.namespaced, true);
    assert.equal(gadgets.namespaced, false);
    assert.equal(widgets.name, 'widgets.example.industriverse.io');
    assert.equal(widgets.spec, Spec);
    assert.equal(widgets.status, Status);
    assert.equal(gadgets.status, undefined);
  });

  it('builds the whole object schema', () => {
    assert.deepEqual(Object.keys(widgets.schema.properties), [
      'apiVersion',
      'kind',
      'metadata',
      'spec',
      'status',
    ]);
    assert.deepEqual(Object.keys(gadgets.schema.properties), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.deepEqual(widgets.schema.required, ['spec']);
  });

  it('renders the CustomResourceDefinition', () => {
    const crd = widgets.crd();
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.deepEqual(crd.metadata, { name: 'widgets.example.industriverse.io' });
    assert.deepEqual(crd.spec.names, {
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      singular: 'widget',
      shortNames: ['wg'],
      categories: ['all'],
    });
    assert.equal(crd.spec.scope, 'Namespaced');
    const [stored, alpha] = crd.spec.versions;
    assert.ok(stored && alpha);
    assert.equal(crd.spec.versions.length, 2);
    assert.deepEqual([stored.name, stored.served, stored.storage], ['v1beta1', true, true]);
    assert.deepEqual(stored.subresources, { status: {} });
    assert.deepEqual(stored.additionalPrinterColumns, [
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Lifecycle phase.',
        priority: 1,
      },
    ]);
    const root = stored.schema.openAPIV3Schema;
    assert.equal(root.description, 'A widget.');
    assert.deepEqual(root.properties?.['metadata'], { type: 'object' });
    assert.deepEqual(root.required, ['spec']);
    assert.deepEqual(root.properties?.['spec']?.properties?.['mode'], {
      enum: ['Fast', 'Slow'],
      type: 'string',
    });
    assert.deepEqual(
      [alpha.name, alpha.served, alpha.storage, alpha.deprecated],
      ['v1alpha1', true, false, true],
    );
    assert.equal(alpha.deprecationWarning, 'use v1beta1');
    assert.deepEqual(alpha.schema, stored.schema);
    assert.deepEqual(alpha.additionalPrinterColumns, stored.additionalPrinterColumns);

    const plain = gadgets.crd();
    assert.equal(plain.spec.versions[0]?.subresources, undefined);
    assert.equal(plain.spec.versions[0]?.additionalPrinterColumns, undefined);
    assert.equal('shortNames' in plain.spec.names, false);
  });

  it('returns a fresh CRD object on every call', () => {
    const crd = widgets.crd();
    crd.spec.group = 'changed';
    assert.equal(widgets.crd().spec.group, 'example.industriverse.io');
  });

  it('rejects a non-structural schema where the resource is defined', () => {
    const define = () =>
      defineResource({
        group: 'g.io',
        version: 'v1',
        kind: 'Bad',
        plural: 'bads',
        scope: 'Cluster',
        spec: Type.Object({ anything: Type.Any() }),
      });
    assert.throws(
      define,
      (err: unknown) => err instanceof StructuralSchemaError && err.path === '$.spec.anything',
    );
    assert.throws(
      () =>
        defineResource({
          ...{ group: 'g.io', version: 'v1', kind: 'Bad', plural: 'bads', scope: 'Cluster' as const },
          spec: Type.Object({}),
          printerColumns: [{ name: 'X', type: 'string', jsonPath: 'spec.x' }],
        }),
      /jsonPath must start with '\.'/,
    );
  });

  it('validates objects with paths', () => {
    assert.deepEqual(widgets.validate(validWidget), { ok: true });
    assert.deepEqual(
      widgets.validate({ ...validWidget, spec: { ...validWidget.spec, port: 80, target: 'x' } }),
      {
        ok: true,
      },
    );
    const bad = widgets.validate({
      apiVersion: 'example.industriverse.io/v1',
      kind: 'Widget',
      spec: { replicas: 'two', mode: 'Medium', ports: [{ name: 'http', port: '80' }], labels: { a: 1 } },
    });
    assert.equal(bad.ok, false);
    const paths = bad.ok ? [] : bad.errors.map((e) => e.path);
    for (const p of [
      '/apiVersion',
      '/metadata',
      '/spec/replicas',
      '/spec/mode',
      '/spec/ports/0/port',
      '/spec/labels/a',
    ]) {
      assert.ok(paths.includes(p), `an error at ${p} in ${JSON.stringify(paths)}`);
    }
    const message = (path: string) => (bad.ok ? undefined : bad.errors.find((e) => e.path === path)?.message);
    assert.match(message('/spec/replicas') ?? '', /integer/i);
    assert.equal(message('/spec/mode'), 'Expected one of "Fast", "Slow"');
    const intOrString = widgets.validate({ ...validWidget, spec: { ...validWidget.spec, port: true } });
    assert.deepEqual(intOrString.ok ? [] : intOrString.errors.map((e) => e.path), ['/spec/port']);
    const missing = widgets.validate({ apiVersion: widgets.apiVersion, kind: 'Widget', metadata: {} });
    assert.deepEqual(missing.ok ? [] : missing.errors.map((e) => e.path), ['/spec']);
    assert.equal(widgets.validate(null).ok, false);
  });

  it('validates like the apiserver where TypeBox alone would not', () => {
    const def = defineResource({
      group: 'g.io',
      version: 'v1',
      kind: 'N',
      plural: 'ns',
      scope: 'Cluster',
      spec: Type.Object({
        note: Type.String({ nullable: true, minLength: 2 }),
        at: Type.String({ format: 'date-time' }),
        raw: Type.Unsafe<unknown>({ 'x-kubernetes-preserve-unknown-fields': true }),
      }),
    });
    const obj = {
      apiVersion: 'g.io/v1',
      kind: 'N',
      metadata: {},
      spec: { note: null, at: 'later', raw: [1] },
    };
    assert.deepEqual(def.validate(obj), { ok: true }, 'nullable, unknown formats and Unsafe nodes pass');
    const bad = def.validate({ ...obj, metadata: 'x', spec: { ...obj.spec, note: 'a' } });
    assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.path), ['/metadata', '/spec/note']);
  });

  it('validates specs built from a Type.Module', () => {
    const spec = Type.Module({
      Size: Type.Union([Type.Literal('S'), Type.Literal('L')]),
      Spec: Type.Object({
        sizes: Type.Array(Type.Ref('Size')),
        at: Type.Optional(Type.String({ format: 'date' })),
      }),
    }).Import('Spec');
    const def = defineResource({
      group: 'g.io',
      version: 'v1',
      kind: 'M',
      plural: 'ms',
      scope: 'Cluster',
      spec,
    });
    const obj = { apiVersion: 'g.io/v1', kind: 'M', metadata: {}, spec: { sizes: ['S'], at: '2024-01-01' } };
    assert.deepEqual(def.validate(obj), { ok: true });
    const bad = def.validate({ ...obj, spec: { sizes: ['M'] } });
    assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.path), ['/spec/sizes/0']);
  });

  it('types resources from the definition', () => {
    const w: ResourceOf<typeof widgets> = { ...validWidget, spec: { replicas: 1, mode: 'Slow' }, status: {} };
    const g: ResourceOf<typeof gadgets> = {
      apiVersion: 'v',
      kind: 'Gadget',
      metadata: {},
      spec: { size: 1 },
    };
    // @ts-expect-error mode is an enum of literals
    const wrong: ResourceOf<typeof widgets> = { ...w, spec: { replicas: 1, mode: 'Medium' } };
    assert.equal(w.spec.mode, 'Slow');
    assert.equal(g.spec.size, 1);
    assert.ok(wrong);
  });
});

describe('CRD YAML', () => {
  it('renders stable multi-document YAML', () => {
    const text = renderCrdYaml([widgets, gadgets]);
    assert.ok(text.startsWith(`${GENERATED_HEADER}\n---\napiVersion: apiextensions.k8s.io/v1\n`));
    assert.equal(renderCrdYaml([gadgets, widgets]), text, 'input order does not matter');
    assert.equal(renderCrdYaml([widgets, gadgets]), text, 'same output every time');
    assert.ok(!text.includes('&') && !text.includes('*a'), 'no YAML anchors or aliases');
    const docs = parseAllDocuments(text);
    assert.ok(Array.isArray(docs));
    assert.deepEqual(
      docs.map((d) => d.toJS()),
      [gadgets.crd(), widgets.crd()],
    );
    assert.throws(() => renderCrdYaml([widgets, widgets]), /defined twice/);
  });

  it('writes one file per CRD and reports drift', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crd-test-'));
    try {
      const foreign = join(dir, 'rbac.yaml');
      await writeFile(foreign, 'kind: ClusterRole\n');
      assert.deepEqual(await checkCrds(dir, [widgets, gadgets]), [
        { file: 'gadgets.example.industriverse.io.yaml', problem: 'missing' },
        { file: 'widgets.example.industriverse.io.yaml', problem: 'missing' },
      ]);
      assert.deepEqual(await writeCrds(dir, [widgets, gadgets]), {
        updated: ['gadgets.example.industriverse.io.yaml', 'widgets.example.industriverse.io.yaml'],
        removed: [],
      });
      assert.equal(
        await readFile(join(dir, 'widgets.example.industriverse.io.yaml'), 'utf8'),
        renderCrdYaml([widgets]),
      );
      assert.deepEqual(await checkCrds(dir, [widgets, gadgets]), []);
      assert.deepEqual(await writeCrds(dir, [widgets, gadgets]), { updated: [], removed: [] });

      await writeFile(
        join(dir, 'gadgets.example.industriverse.io.yaml'),
        `${GENERATED_HEADER}\nedited: true\n`,
      );
      assert.deepEqual(await checkCrds(dir, [widgets]), [
        { file: 'gadgets.example.industriverse.io.yaml', problem: 'extra' },
      ]);
      assert.deepEqual(await checkCrds(dir, [widgets, gadgets]), [
        { file: 'gadgets.example.industriverse.io.yaml', problem: 'drifted' },
      ]);
      assert.deepEqual(await writeCrds(dir, [widgets]), {
        updated: [],
        removed: ['gadgets.example.industriverse.io.yaml'],
      });
      assert.deepEqual((await readdir(dir)).sort(), ['rbac.yaml', 'widgets.example.industriverse.io.yaml']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports every file as missing when the folder does not exist', async () => {
    assert.deepEqual(await checkCrds(join(tmpdir(), 'no-such-crd-dir', String(process.pid)), [gadgets]), [
      { file: 'gadgets.example.industriverse.io.yaml', problem: 'missing' },
    ]);
  });
});
