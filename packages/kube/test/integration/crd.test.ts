import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { startControlPlane } from '@industriverse/testenv';
import type { ControlPlane } from '@industriverse/testenv';
import { ApiError, KubeClient, builtin, resourcePath } from '../../src/client/index.ts';
import { defineResource } from '../../src/crd/index.ts';
import type { ResourceOf } from '../../src/crd/index.ts';

const widgets = defineResource({
  group: 'crdtest.industriverse.io',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  shortNames: ['wdg'],
  scope: 'Namespaced',
  spec: Type.Object(
    {
      replicas: Type.Integer({ minimum: 0, maximum: 10, format: 'int32' }),
      mode: Type.Optional(Type.Union([Type.Literal('Fast'), Type.Literal('Slow')], { default: 'Fast' })),
      minSize: Type.Integer(),
      maxSize: Type.Integer(),
      port: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
      labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      raw: Type.Optional(Type.Unsafe<unknown>({ 'x-kubernetes-preserve-unknown-fields': true })),
    },
    {
      'x-kubernetes-validations': [
        { rule: 'self.minSize <= self.maxSize', message: 'minSize must not exceed maxSize' },
      ],
    },
  ),
  status: Type.Object({ phase: Type.Optional(Type.String()) }),
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
type Widget = ResourceOf<typeof widgets>;

// Every construct toStructural supports, so the apiserver is the judge of what it produces.
const gizmoSpec = Type.Module({
  Size: Type.Union([Type.Literal('S'), Type.Literal('M'), Type.Literal('L')]),
  Port: Type.Object({ name: Type.String({ maxLength: 15 }), port: Type.Integer({ format: 'int32' }) }),
  GizmoSpec: Type.Object({
    size: Type.Ref('Size'),
    ports: Type.Array(Type.Ref('Port'), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      maxItems: 8,
    }),
    tags: Type.Optional(Type.Array(Type.String(), { 'x-kubernetes-list-type': 'set' })),
    selector: Type.Optional(Type.Record(Type.String(), Type.String(), { 'x-kubernetes-map-type': 'atomic' })),
    ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    size2: Type.Optional(Type.Union([Type.Literal('S'), Type.Literal('L'), Type.Null()])),
    target: Type.Optional(Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true })),
    template: Type.Optional(
      Type.Unsafe<object>({
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      }),
    ),
    extra: Type.Optional(Type.Object({}, { additionalProperties: true })),
    bytes: Type.Optional(Type.Integer({ format: 'int64', default: 0 })),
  }),
}).Import('GizmoSpec');
const gizmos = defineResource({
  group: 'crdtest.industriverse.io',
  version: 'v1beta1',
  kind: 'Gizmo',
  plural: 'gizmos',
  categories: ['industriverse'],
  scope: 'Cluster',
  description: 'A gizmo.',
  spec: gizmoSpec,
  status: Type.Intersect([
    Type.Object({ observedGeneration: Type.Optional(Type.Integer()) }),
    Type.Object({ phase: Type.Optional(Type.String()) }),
  ]),
  additionalVersions: [{ version: 'v1alpha1', deprecated: true }],
});
type Gizmo = ResourceOf<typeof gizmos>;

function widget(name: string, spec: Record<string, unknown>): Widget {
  return {
    apiVersion: widgets.apiVersion,
    kind: widgets.kind,
    metadata: { name, namespace: 'default' },
    spec: { replicas: 1, minSize: 1, maxSize: 2, ...spec } as Widget['spec'],
  };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => assert.fail('the apiserver accepted the object'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, String(err));
  return err;
}

interface Table {
  kind: string;
  columnDefinitions: { name: string; type: string; description: string }[];
  rows: { cells: unknown[] }[];
}

describe('CRDs on a real kube-apiserver', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = await KubeClient.fromKubeConfig(cp.kubeConfig);
    await client.create(builtin.crd, widgets.crd());
    await established(widgets.name);
  });

  async function established(name: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const crd = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        builtin.crd,
        undefined,
        name,
      );
      const conditions = crd.status?.conditions ?? [];
      assert.ok(
        !conditions.some((c) => c.type === 'NonStructuralSchema' && c.status === 'True'),
        'structural',
      );
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
      assert.ok(Date.now() < deadline, `${name} became Established within 30 s`);
      await sleep(100);
    }
  }

  after(async () => {
    await client?.close();
    await cp?.stop();
  });

  it('accepts a CRD using every supported construct', async () => {
    await client.create(builtin.crd, gizmos.crd());
    await established(gizmos.name);
    const created = await client.create<Gizmo>(gizmos, {
      apiVersion: gizmos.apiVersion,
      kind: gizmos.kind,
      metadata: { name: 'g' },
      spec: {
        size: 'M',
        ports: [{ name: 'http', port: 80 }],
        size2: null,
        target: '50%',
        template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } },
        extra: { anything: true },
      },
    });
    assert.equal(created.spec.bytes, 0);
    assert.equal(created.spec.size2, null);
    const alpha = await client.get({ ...gizmos, version: 'v1alpha1' }, undefined, 'g');
    assert.equal(alpha.apiVersion, 'crdtest.industriverse.io/v1alpha1', 'the additional version is served');
    assert.equal(created.spec.target, '50%');
    assert.deepEqual(created.spec.extra, { anything: true });
    const err = await rejection(
      client.create(gizmos, {
        apiVersion: gizmos.apiVersion,
        kind: gizmos.kind,
        metadata: { name: 'bad' },
        spec: {
          size: 'XL',
          ports: [
            { name: 'a', port: 1 },
            { name: 'a', port: 2 },
          ],
          ratio: 0,
        },
      }),
    );
    assert.equal(err.status, 422);
    assert.match(err.message, /spec\.size/);
    assert.match(err.message, /spec\.ports\[1\]/);
    assert.match(err.message, /spec\.ratio/);
    const nullableEnum = await rejection(
      client.create(gizmos, {
        apiVersion: gizmos.apiVersion,
        kind: gizmos.kind,
        metadata: { name: 'bad-size2' },
        spec: { size: 'S', ports: [], size2: 'M' },
      }),
    );
    assert.match(nullableEnum.message, /spec\.size2: Invalid value: "M": must be one of "S", "L"/);
  });

  it('accepts a valid object, applies defaults and prunes unknown fields', async () => {
    const obj = widget('valid', {
      port: 'http',
      labels: { tier: 'web' },
      note: null,
      raw: { free: { form: [1, 'two'] } },
      unknownField: 'pruned',
    });
    assert.deepEqual(widgets.validate(obj), { ok: true });
    const created = await client.create(widgets, obj);
    assert.equal(created.spec.mode, 'Fast', 'the default from the schema is applied by the server');
    assert.equal(created.spec.port, 'http');
    assert.equal(created.spec.note, null);
    assert.deepEqual(created.spec.raw, { free: { form: [1, 'two'] } });
    assert.equal('unknownField' in created.spec, false);
    const numeric = await client.create(widgets, widget('numeric-port', { port: 8080, mode: 'Slow' }));
    assert.equal(numeric.spec.port, 8080);
  });

  it('rejects an object that breaks the schema with 422', async () => {
    const obj = widget('invalid', { replicas: 'many', mode: 'Medium', port: true });
    assert.equal(widgets.validate(obj).ok, false);
    const err = await rejection(client.create(widgets, obj));
    assert.equal(err.status, 422);
    assert.equal(err.reason, 'Invalid');
    assert.match(err.message, /spec\.replicas/);
    assert.match(err.message, /spec\.mode/);
    assert.match(err.message, /spec\.port/);
    const tooMany = await rejection(client.create(widgets, widget('too-many', { replicas: 11 })));
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.message, /spec\.replicas/);
  });

  it('enforces x-kubernetes-validations (CEL) rules', async () => {
    const err = await rejection(client.create(widgets, widget('inverted', { minSize: 5, maxSize: 1 })));
    assert.equal(err.status, 422);
    assert.match(err.message, /minSize must not exceed maxSize/);
  });

  it('serves the printer columns in a Table and the status subresource', async () => {
    await client.create(widgets, widget('tabled', { replicas: 3, mode: 'Slow' }));
    await client.patch(widgets, 'default', 'tabled', { status: { phase: 'Ready' } }, 'merge', 'status');
    const table = await client.request<Table>('GET', resourcePath(widgets, 'default', 'tabled'), {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    assert.equal(table.kind, 'Table');
    const names = table.columnDefinitions.map((c) => c.name);
    assert.deepEqual(names, ['Name', 'Replicas', 'Mode', 'Phase', 'Age']);
    assert.equal(table.columnDefinitions[3]?.description, 'Lifecycle phase.');
    const cells = table.rows[0]?.cells ?? [];
    assert.deepEqual(cells.slice(0, 4), ['tabled', 3, 'Slow', 'Ready']);
  });
});
