// deploy/ is generated: this fails when a resource definition changed without `npm run generate`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCrds } from '@industriverse/kube';
import { crdDir, shippedResources } from '../scripts/crds.ts';

test('deploy/crds matches the resource definitions', async () => {
  const drift = await checkCrds(crdDir, await shippedResources());
  assert.deepEqual(
    drift,
    [],
    `run \`npm run generate\`: ${drift.map((d) => `${d.file} ${d.problem}`).join(', ')}`,
  );
});
