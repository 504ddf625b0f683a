// The TypeScript side of the runtime benchmark: peer/main.go's Widget reconciler on our runtime, run
// by the harness as a process of its own so that its CPU time and RSS are measured alone.
//
//   node --expose-gc bench/runtime/controller.ts --kubeconfig PATH [--namespace NS] [--concurrency 4]
//     [--qps -1] [--burst 0] [--ready-file PATH]
//
// SIGUSR2 runs a full garbage collection (with --expose-gc), so that an RSS sample taken after it
// counts live objects rather than garbage not yet collected. SIGTERM and SIGINT stop it with status 0.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLogger, Manager } from '@industriverse/kube';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';
import { widgets, type Widget } from './widget.ts';

const USAGE =
  'usage: node --expose-gc bench/runtime/controller.ts --kubeconfig PATH [--namespace NS] [--concurrency 4] ' +
  '[--qps -1] [--burst 0] [--ready-file PATH]';

interface Options {
  kubeconfig: string;
  namespace: string | undefined;
  concurrency: number;
  qps: number;
  burst: number;
  readyFile: string | undefined;
}

function options(args: string[]): Options {
  const v = parseFlags(args, ['kubeconfig', 'namespace', 'concurrency', 'qps', 'burst', 'ready-file']);
  if (!v['kubeconfig']) throw new UsageError('--kubeconfig is required');
  return {
    kubeconfig: v['kubeconfig'],
    namespace: v['namespace'] || undefined,
    concurrency: numberFlag(v, 'concurrency', 4, { min: 1, integer: true }),
    // As in the peer: a QPS <= 0 turns client-side rate limiting off.
    qps: numberFlag(v, 'qps', -1),
    burst: numberFlag(v, 'burst', 0, { min: 0, integer: true }),
    readyFile: v['ready-file'] || undefined,
  };
}

/** Written then renamed, so that the harness never reads a half-written file. */
async function writeReadyFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${process.pid}\n`);
  await rename(`${path}.tmp`, path);
}

async function run(o: Options): Promise<void> {
  const mgr = await Manager.create({
    kubeconfig: o.kubeconfig,
    namespace: o.namespace,
    qps: o.qps,
    // 0 keeps the client's default burst, as client-go does.
    burst: o.burst > 0 ? o.burst : undefined,
    // Errors only: per-reconcile logging would be part of what is measured.
    log: createLogger({ name: 'widget-bench', level: 'error' }),
  });
  mgr
    .controller('widget')
    .for(widgets)
    .withOptions({ maxConcurrentReconciles: o.concurrency })
    .complete(async (req) => {
      const now = Date.now();
      const w = mgr.cache.get<Widget>(widgets, req.namespace, req.name);
      if (!w) return;
      const generation = w.metadata.generation;
      if (w.status?.observedGeneration === generation && w.status?.observedValue === w.spec.value) return;
      await mgr.client.patch(
        widgets,
        req.namespace,
        req.name,
        { status: { observedValue: w.spec.value, reconciledAtMs: now, observedGeneration: generation } },
        'merge',
        'status',
      );
    });
  // Leader-only runnables start once the caches have synced, together with the controller, whose
  // handlers were registered on the informer before it started: no event from now on is missed.
  const readyFile = o.readyFile;
  if (readyFile) mgr.add({ leaderOnly: true, start: () => writeReadyFile(readyFile) });

  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  process.on('SIGUSR2', () => globalThis.gc?.());
  await mgr.start(stop.signal);
  await mgr.client.close();
}

try {
  await run(options(process.argv.slice(2)));
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
