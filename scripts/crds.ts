// The CRDs this repository ships: every package that defines kinds exports them as `resources`
// from src/api/resources.ts. Both `npm run generate` and the drift test read this one list.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceDefinition } from '@industriverse/kube';

export const root = new URL('..', import.meta.url).pathname;
export const crdDir = join(root, 'deploy', 'crds');

export async function shippedResources(): Promise<ResourceDefinition[]> {
  const defs: ResourceDefinition[] = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', pkg, 'src', 'api', 'resources.ts');
    if (!existsSync(file)) continue;
    const mod = (await import(file)) as { resources?: ResourceDefinition[] };
    if (!Array.isArray(mod.resources))
      throw new Error(`${file} must export \`resources\`, an array of defineResource(...)`);
    defs.push(...mod.resources);
  }
  return defs;
}
