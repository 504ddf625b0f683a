#!/usr/bin/env node
// `npm run bench -- <name> [--flags]`: runs one benchmark. Each prints a human summary and, as its
// last line on stdout, one JSON object for scripts. Exit status: 0 ran (goals are reported, not
// enforced), 1 failed, 2 unknown benchmark or bad flags.

interface Benchmark {
  summary: string;
  load(): Promise<{ main(args: string[]): Promise<number> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  runtime: {
    summary:
      'one reconciler on our runtime and on controller-runtime: reconciles/s, latency, CPU, bytes per object',
    load: () => import('./runtime/harness.ts'),
  },
  kubedos: {
    summary: 'validate, plan and render of 10, 100 and 1,000-node ClusterSpecs, and render determinism',
    load: () => import('./kubedos/harness.ts'),
  },
  kubilitics: {
    summary: 'graph ingest, blast-radius p99 on 100k objects, bytes per object, diagnose on 5,000 pods',
    load: () => import('./kubilitics/harness.ts'),
  },
  capsule: {
    summary: 'pack and verify of a capsule with a 1 GiB payload: throughput against sha256sum, peak RSS',
    load: () => import('./capsule/harness.ts'),
  },
  controlplane: {
    summary: 'start time of the local control plane; with --cold, a cold build of the pinned binaries',
    load: () => import('./controlplane/harness.ts'),
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHMARKS[name];
if (!bench) {
  if (name !== undefined) process.stderr.write(`unknown benchmark: ${name}\n`);
  process.stderr.write(
    'usage: npm run bench -- <name> [--flags]   (<name> --help lists its flags)\n\nbenchmarks:\n' +
      Object.entries(BENCHMARKS)
        .map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}\n`)
        .join(''),
  );
  process.exit(2);
}
// Exits explicitly: connection pools and timers of a finished run must not keep the process alive.
process.exit(await (await bench.load()).main(args));
