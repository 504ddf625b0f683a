// cosign, built from its Go module at a pinned tag, for tests that check our Sigstore bundles with
// the reference verifier. Built once into the cache folder (npm run setup); the build goes to a
// temporary folder renamed into place, so an interrupted build leaves nothing half-written.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress } from '@industriverse/kube';
import { go } from './build.ts';
import { cacheRoot } from './cache.ts';
import { COSIGN_VERSION } from './versions.ts';

export function cosignDir(): string {
  return join(cacheRoot(), `cosign-${COSIGN_VERSION}`);
}

/** Path of the pinned cosign binary, building it (about two minutes) when it is not cached. */
export async function ensureCosign(progress?: Progress): Promise<string> {
  const dir = cosignDir();
  const binary = join(dir, 'cosign');
  if (existsSync(binary)) return binary;
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const build = (): Promise<string> =>
    go(
      [
        'install',
        '-trimpath',
        '-ldflags',
        '-s -w',
        `github.com/sigstore/cosign/v3/cmd/cosign@${COSIGN_VERSION}`,
      ],
      tmpdir(),
      { GOBIN: staging },
    );
  try {
    await (progress ? progress.stage(`build cosign ${COSIGN_VERSION}`, build) : build());
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    // Another process may have finished the same build first.
    if (existsSync(binary)) return binary;
    throw err;
  }
  return binary;
}

/** Environment for running cosign with every proxy pointed at a closed port: any network use fails. */
export function offlineEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  };
}
