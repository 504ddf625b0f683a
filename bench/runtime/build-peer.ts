// Builds the controller-runtime peer (peer/) into the shared build cache, once per source version:
// the binary is keyed on the sha256 of go.mod, go.sum and main.go.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from '@industriverse/testenv';

const run = promisify(execFile);
const peerDir = join(dirname(fileURLToPath(import.meta.url)), 'peer');
const SOURCES = ['go.mod', 'go.sum', 'main.go'];

export interface PeerBuild {
  binary: string;
  cached: boolean;
}

async function sourceKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of SOURCES) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(peerDir, name)));
  }
  return hash.digest('hex');
}

/** `<cacheRoot()>/bench/runtime-peer`, rebuilt when the peer's sources changed since the last build. */
export async function buildPeer(): Promise<PeerBuild> {
  const binary = join(cacheRoot(), 'bench', 'runtime-peer');
  const keyFile = `${binary}.sha256`;
  const key = await sourceKey();
  const built = existsSync(keyFile) ? (await readFile(keyFile, 'utf8')).trim() : undefined;
  if (built === key && existsSync(binary)) return { binary, cached: true };
  await mkdir(dirname(binary), { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  try {
    await run('go', ['build', '-o', partial, '.'], {
      cwd: peerDir,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    await rm(partial, { force: true });
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('the Go toolchain (`go`) is not on PATH; the peer needs it', { cause: err });
    }
    throw new Error(`go build of ${peerDir} failed:\n${e.stderr ?? String(err)}`, { cause: err });
  }
  // Binary first, key second: an interrupted build leaves a stale key, never a wrong binary under a good one.
  await rename(partial, binary);
  await writeFile(keyFile, `${key}\n`);
  return { binary, cached: false };
}
