// Installs CRDs with server-side apply and waits until the apiserver serves them, so that the
// client may create objects of those kinds as soon as this returns.
import type { KubeClient } from '../client/client.ts';
import { builtin } from '../client/resources.ts';
import { applyObject } from '../objects/apply.ts';
import type { ResourceDefinition } from './define.ts';

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

export interface InstallCrdsOptions {
  fieldManager: string;
  timeoutMs?: number;
}

export async function installCrds(
  client: KubeClient,
  defs: readonly ResourceDefinition[],
  opts: InstallCrdsOptions,
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (const def of defs) {
    await applyObject(client, builtin.crd, def.crd(), { fieldManager: opts.fieldManager, force: true });
  }
  for (const def of defs) {
    for (;;) {
      const crd = await client.get<
        CrdStatus & { apiVersion: string; kind: string; metadata: { name: string } }
      >(builtin.crd, undefined, def.name);
      const conditions = crd.status?.conditions ?? [];
      const refused = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      if (refused) throw new Error(`CRD ${def.name}: names not accepted: ${refused.message ?? ''}`);
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${def.name} was not Established in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Resources looked up before the install were cached as unknown.
  client.invalidateDiscovery();
}
