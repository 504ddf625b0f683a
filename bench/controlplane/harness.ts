// `npm run bench -- controlplane`: how long the local control plane takes to start (etcd +
// apiserver ready; and with 3 kwok nodes Ready plus controller-manager and scheduler), and with
// --cold how long a cold build of the pinned binaries takes (empty Go build cache and binary cache;
// the module cache is kept, so downloads are not counted).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgress } from '@industriverse/kube';
import { buildBinaries, startControlPlane } from '@industriverse/testenv';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function startSeconds(nodes: number, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const cp = await startControlPlane({ nodes });
    times.push(performance.now() - t);
    await cp.stop();
  }
  return Math.round(median(times)) / 1000;
}

async function coldBuildSeconds(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'cold-build-'));
  const saved = { cache: process.env.INDUSTRIVERSE_CACHE, gocache: process.env.GOCACHE };
  process.env.INDUSTRIVERSE_CACHE = join(scratch, 'cache');
  process.env.GOCACHE = join(scratch, 'gocache');
  try {
    const t = performance.now();
    await buildBinaries(createProgress());
    return Math.round(performance.now() - t) / 1000;
  } finally {
    process.env.INDUSTRIVERSE_CACHE = saved.cache;
    if (saved.gocache === undefined) delete process.env.GOCACHE;
    else process.env.GOCACHE = saved.gocache;
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<number> {
  let runs: number;
  let cold: boolean;
  try {
    if (args.includes('--help')) {
      process.stdout.write(
        'npm run bench -- controlplane [--runs N] [--cold]   (median of N starts, default 5)\n',
      );
      return 0;
    }
    cold = args.includes('--cold');
    runs = numberFlag(
      parseFlags(
        args.filter((a) => a !== '--cold'),
        ['runs'],
      ),
      'runs',
      5,
      { min: 1, integer: true },
    );
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  await buildBinaries(createProgress());
  const bare = await startSeconds(0, runs);
  process.stdout.write(`etcd + kube-apiserver ready: ${bare} s (median of ${runs})\n`);
  const full = await startSeconds(3, runs);
  process.stdout.write(`full control plane with 3 Ready kwok nodes: ${full} s (median of ${runs})\n`);
  const build = cold ? await coldBuildSeconds() : null;
  if (build !== null) process.stdout.write(`cold build of the pinned binaries: ${build} s\n`);
  process.stdout.write(
    JSON.stringify({
      bench: 'controlplane',
      runs,
      start_apiserver_s: bare,
      start_with_3_nodes_s: full,
      cold_build_s: build,
    }) + '\n',
  );
  return 0;
}
