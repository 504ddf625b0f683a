import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { capsuleWorkflow, renderWorkflowYaml } from '../../src/workflow.ts';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/schemas/argo-workflows-v3.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

// The schema is draft 2020-12 (its `$schema`) and uses Kubernetes `x-` keywords Ajv does not know.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validateAny = ajv.compile(schema);
// The Workflow definition alone, with the definitions it refers to.
const { oneOf: _kinds, ...definitions } = schema;
const validateWorkflow = ajv.compile({
  ...definitions,
  $id: `${schema['$id'] as string}?kind=Workflow`,
  $ref: '#/definitions/io.argoproj.workflow.v1alpha1.Workflow',
});

interface Template {
  name: string;
  steps?: { name: string; template: string }[][];
  container?: { image: string; command: string[]; args: string[] };
  retryStrategy?: unknown;
}

it('writes a Workflow that Argo Workflows’ published schema accepts, with every template filled in', () => {
  const docs = parseAllDocuments(
    renderWorkflowYaml({
      capsule: 'capsule://m2n2-metal:0.1.0?proof=true',
      registry: 'https://reg',
      namespace: 'ml',
    }),
  ).map((d) => d.toJS() as Record<string, unknown>);
  assert.deepEqual(
    docs.map((d) => d['kind']),
    ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Workflow'],
  );
  const workflow = docs[3]!;
  assert.ok(validateWorkflow(workflow), ajv.errorsText(validateWorkflow.errors));
  // The same document must also pass the schema's top-level oneOf (Workflow among the Argo kinds).
  assert.ok(validateAny(workflow), ajv.errorsText(validateAny.errors));

  const spec = workflow['spec'] as { entrypoint: string; templates: Template[]; serviceAccountName: string };
  assert.equal(spec.serviceAccountName, 'capsule-deployer');
  assert.equal((docs[0]!['metadata'] as { namespace: string }).namespace, 'ml');
  const byName = new Map(spec.templates.map((t) => [t.name, t]));
  const main = byName.get(spec.entrypoint)!;
  const called = main.steps!.map((group) => group[0]!.template);
  assert.deepEqual(called, [
    'download-capsule',
    'verify-capsule',
    'publish-capsule',
    'deploy-capsule-k8s',
    'generate-proof',
  ]);
  for (const name of called) {
    const t = byName.get(name);
    assert.ok(t?.container, `${name} is a container template`);
    assert.deepEqual(t.container.command, ['capsule']);
    assert.equal(t.container.image, '{{workflow.parameters.capsule-image}}');
  }
  assert.deepEqual(byName.get('verify-capsule')!.container!.args.slice(0, 1), ['verify']);
  assert.equal(byName.get('verify-capsule')!.retryStrategy, undefined, 'a bad capsule is not retried');
  assert.ok(byName.get('download-capsule')!.retryStrategy);
  assert.ok(byName.get('deploy-capsule-k8s')!.container!.args.includes('--no-prove'));
  assert.ok(!byName.get('generate-proof')!.container!.args.includes('--no-prove'));
});

it('rejects what the schema forbids, so that the check above means something', () => {
  const bad = capsuleWorkflow();
  (bad['spec'] as { templates: Record<string, unknown>[] }).templates[1]!['retryStrategy'] = { limit: 3 };
  assert.equal(validateWorkflow(bad), false, 'IntOrString is a string in the published schema');
  assert.equal(validateWorkflow({ ...capsuleWorkflow(), kind: 'CronWorkflow' }), false);
});
