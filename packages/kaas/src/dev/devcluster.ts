// `kaas dev`: a local control plane in a folder, kept between commands through state.json.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Progress } from '@industriverse/kube';
import {
  binaryPaths,
  buildBinaries,
  startControlPlane,
  stopPid,
  type ControlPlane,
} from '@industriverse/testenv';

export const defaultDevDir = () => resolve(process.env.KAAS_DEV_DIR ?? join(homedir(), '.kaas', 'dev'));

export interface DevState {
  server: string;
  kubeconfig: string;
  nodes: number;
  startedAt: string;
  /** Component name → pid, stopped in reverse order. */
  pids: Record<string, number>;
}

export class DevClusterError extends Error {}

const statePath = (dir: string) => join(dir, 'state.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function readState(dir: string): Promise<DevState | undefined> {
  if (!existsSync(statePath(dir))) return undefined;
  return JSON.parse(await readFile(statePath(dir), 'utf8')) as DevState;
}

export async function devUp(opts: {
  dir: string;
  nodes: number;
  detach: boolean;
  progress: Progress;
}): Promise<{ cp: ControlPlane; state: DevState }> {
  const existing = await readState(opts.dir);
  if (existing && Object.values(existing.pids).some(alive)) {
    throw new DevClusterError(
      `a dev control plane is already running in ${opts.dir}: run \`kaas dev down --dir ${opts.dir}\` first`,
    );
  }
  await rm(opts.dir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });
  await opts.progress.stage('control-plane binaries', () => buildBinaries(opts.progress));
  const cp = await opts.progress.stage(`start control plane with ${opts.nodes} kwok node(s)`, () =>
    startControlPlane({ nodes: opts.nodes, dir: opts.dir, detached: opts.detach }),
  );
  const state: DevState = {
    server: cp.server,
    kubeconfig: cp.kubeconfigPath,
    nodes: opts.nodes,
    startedAt: new Date().toISOString(),
    pids: Object.fromEntries(Object.entries(cp.components).map(([name, c]) => [name, c.child.pid!])),
  };
  await writeFile(statePath(opts.dir), JSON.stringify(state, null, 2) + '\n');
  return { cp, state };
}

/** Stops a dev control plane and removes its folder; returns false when nothing was running. */
export async function devDown(dir: string): Promise<boolean> {
  const state = await readState(dir);
  if (!state) return false;
  const pids = Object.entries(state.pids);
  // Everything but etcd first, so the apiserver does not log a storm of etcd errors.
  await Promise.all(pids.filter(([n]) => n !== 'etcd').map(([, pid]) => stopPid(pid)));
  if (state.pids.etcd) await stopPid(state.pids.etcd);
  await rm(dir, { recursive: true, force: true });
  return true;
}

export function kubectlPath(): string {
  return binaryPaths().kubectl;
}
