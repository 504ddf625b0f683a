// Every renderer over one spec: the address plan is computed once and shared, and secrets from an
// earlier render into the same folder (WireGuard keys, kubeadm token) are reused, so rendering
// again gives byte-identical files.
import type { ClusterSpec } from '../api/clusterspec.ts';
import { withDefaults } from '../api/defaults.ts';
import { addressPlan } from '../addressing.ts';
import {
  renderAnsible,
  renderNftables,
  renderWireguard,
  wireguardKeys,
  wireguardKeysFromDir,
  sortFiles,
  writeRendered,
  type Rendered,
} from './index-a.ts';
import {
  kubeadmSecretsFromDir,
  renderCilium,
  renderCloudInit,
  renderKubeadm,
  renderObservability,
  renderProxmox,
} from './index-b.ts';

export * from './index-a.ts';
export * from './index-b.ts';

/** Renders every file of `spec`; `reuseFrom` is a folder of an earlier render whose secrets are kept. */
export function renderFiles(spec: ClusterSpec, reuseFrom?: string): Rendered {
  const normalised = withDefaults(spec);
  const plan = addressPlan(normalised);
  const keys = wireguardKeys(normalised, reuseFrom ? wireguardKeysFromDir(reuseFrom) : undefined);
  const secrets = reuseFrom ? kubeadmSecretsFromDir(reuseFrom) : undefined;
  return sortFiles([
    ...renderAnsible(normalised, { plan }),
    ...renderWireguard(normalised, { plan, keys }),
    ...renderNftables(normalised, { plan }),
    ...renderKubeadm(normalised, { plan, secrets }),
    ...renderCilium(normalised, { plan }),
    ...renderObservability(normalised, { plan }),
    ...renderCloudInit(normalised, { plan }),
    ...(normalised.spec.substrate.type === 'proxmox' ? renderProxmox(normalised) : []),
  ]);
}

/** Renders `spec` into `outDir`, keeping the secrets an earlier render left there. */
export async function renderAll(spec: ClusterSpec, outDir: string): Promise<Rendered> {
  const files = renderFiles(spec, outDir);
  await writeRendered(outDir, files);
  return files;
}
