// npm run generate: writes every generated artefact under deploy/ from its source: the CRDs
// (deploy/crds/<plural>.<group>.yaml) and the ClusterSpec JSON Schema (deploy/schemas/).
import { writeCrds } from '@industriverse/kube';
import { writeSchema } from '@industriverse/kubedos/schema-export';
import { crdDir, shippedResources } from './crds.ts';

const { updated, removed } = await writeCrds(crdDir, await shippedResources());
for (const f of updated) process.stdout.write(`wrote ${f}\n`);
for (const f of removed) process.stdout.write(`removed ${f}\n`);
if (await writeSchema()) process.stdout.write('wrote deploy/schemas/clusterspec.schema.json\n');
if (!updated.length && !removed.length) process.stdout.write('deploy/crds is up to date\n');
