import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  BUILD_REVISION,
  COMPONENTS,
  ETCD_VERSION,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  type Component,
} from './versions.ts';

/** Root of the build cache: outside the work tree so that fresh clones on the same machine reuse it. */
export function cacheRoot(): string {
  if (process.env.INDUSTRIVERSE_CACHE) return process.env.INDUSTRIVERSE_CACHE;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'industriverse');
}

/** The folder holding one pinned set of binaries; its name is the cache key. */
export function binariesDir(): string {
  return join(
    cacheRoot(),
    `k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_r${BUILD_REVISION}`,
    'bin',
  );
}

/** kwok's stage configuration, written beside the binaries by the build. */
export const KWOK_STAGES_FILE = 'kwok-stages.yaml';

export interface Manifest {
  kubernetes: string;
  etcd: string;
  kwok: string;
  go: string;
  builtAt: string;
  buildSeconds: number;
  sha256: Record<Component, string>;
}

export function manifestPath(): string {
  return join(binariesDir(), 'manifest.json');
}

export function readManifest(): Manifest | undefined {
  const path = manifestPath();
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

export class MissingBinariesError extends Error {
  constructor(dir: string) {
    super(`control-plane binaries are not built in ${dir}: run \`npm run setup\` first`);
    this.name = 'MissingBinariesError';
  }
}

/** Paths of the pinned binaries; throws MissingBinariesError when the cache is incomplete. */
export function binaryPaths(): Record<Component, string> {
  const dir = binariesDir();
  const manifest = readManifest();
  if (!manifest || !complete(dir)) throw new MissingBinariesError(dir);
  return Object.fromEntries(COMPONENTS.map((c) => [c, join(dir, c)])) as Record<Component, string>;
}

/** Whether `dir` holds every binary and the kwok stages. */
export function complete(dir: string): boolean {
  return [...COMPONENTS, KWOK_STAGES_FILE].every((f) => existsSync(join(dir, f)));
}
