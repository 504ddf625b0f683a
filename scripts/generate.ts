// npm run generate: writes deploy/crds/<plural>.<group>.yaml from the resource definitions.
import { writeCrds } from '@industriverse/kube';
import { crdDir, shippedResources } from './crds.ts';

const { updated, removed } = await writeCrds(crdDir, await shippedResources());
for (const f of updated) process.stdout.write(`wrote ${f}\n`);
for (const f of removed) process.stdout.write(`removed ${f}\n`);
if (!updated.length && !removed.length) process.stdout.write('deploy/crds is up to date\n');
