// The parts of a (possibly malformed) ClusterSpec that several rules read, guarded like access.ts.
import { at, bool, entries, list, obj, str } from './access.ts';

export const inventory = (spec: unknown): unknown[] => list(at(spec, 'spec', 'nodes', 'inventory'));

/** Declared plane names (keys of networking.planes), in spec order. */
export const planeNames = (spec: unknown): string[] =>
  entries(at(spec, 'spec', 'networking', 'planes')).map(([name]) => name);

/** substrate.proxmox when the substrate is Proxmox: bridges, pools and VMIDs only mean something there. */
export function proxmox(spec: unknown): Record<string, unknown> | undefined {
  const substrate = at(spec, 'spec', 'substrate');
  return at(substrate, 'type') === 'proxmox' ? obj(at(substrate, 'proxmox')) : undefined;
}

/** Kubernetes checks apply unless the workload is explicitly off. */
export const kubernetesOn = (spec: unknown): boolean =>
  bool(at(spec, 'spec', 'kubernetes', 'enabled')) !== false;

export const nodeLabel = (node: unknown, index: number): string => str(at(node, 'name')) ?? `#${index}`;
