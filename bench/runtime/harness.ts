// The runtime benchmark: the same Widget reconciler on our runtime (controller.ts) and on
// controller-runtime (peer/), each in its own process against one local kube-apiserver, compared on
// throughput, event-to-reconcile latency, CPU per reconcile and memory per cached object.
//
// A round gives each implementation a fresh controller process and namespace: the harness starts the
// controller, waits for its ready file, watches the namespace itself, creates the Widgets (bounded
// parallelism) and waits until it has seen a status on every one. Rounds alternate which
// implementation goes first, and the figures are medians over the rounds: on a small machine the
// apiserver, etcd, the harness and the controller share the cores, and single runs are noisy. In the
// last round, with the controller still running, more Widgets are created so that RSS can be sampled
// at two cache sizes. The apiserver needs no raised in-flight limits: the harness and both
// controllers authenticate as system:masters, whose requests API Priority and Fairness exempts from
// every limit. Its only extra flags serve the clean-up between runs (see deleteNamespace).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtin,
  createProgress,
  isNotFound,
  KubeClient,
  resourcePath,
  type Progress,
} from '@industriverse/kube';
import { buildBinaries, startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';
import { buildPeer } from './build-peer.ts';
import { ControllerProcess } from './controller-process.ts';
import { figures, renderTable, resultLine, type Figures, type Measurement, type Round } from './figures.ts';
import { nowMs, WidgetObserver } from './observer.ts';
import { cpuSeconds, rssBytes } from './proc.ts';
import { widgets, type Widget } from './widget.ts';

// Operators built on packages/kube run with a 16 MiB young generation (see its README): V8's
// default keeps up to 128 MiB of young-generation pages resident, which dominates RSS per object.
const DEFAULT_NODE_FLAGS = '--max-semi-space-size=16';

export const USAGE = `usage: npm run bench -- runtime [flags]

  --objects N             Widgets per round, for throughput, latency and CPU (default 5000)
  --memory-objects N      cache size of the second RSS sample; 0 skips the memory phase (default 50000)
  --rounds N              throughput rounds per implementation; figures are medians (default 3)
  --warm-up N             Widgets each controller reconciles before the timing starts (default 1000)
  --concurrency N         concurrent reconciles of each controller (default 8)
  --qps X                 controllers' client QPS; <= 0 turns client-side rate limiting off (default -1)
  --burst N               controllers' client burst; 0 keeps each client's default (default 0)
  --create-parallelism N  Widget creates in flight (default 32)
  --timeout S             seconds a phase may take to see every status (default 600)
  --node-flags=FLAGS      Node.js flags of our controller (default: the production setting,
                          --max-semi-space-size=16; --node-flags= runs Node untuned)`;

interface Options {
  objects: number;
  memoryObjects: number;
  rounds: number;
  /** Widgets each controller reconciles before the timed run (they stay cached in both RSS samples). */
  warmUp: number;
  concurrency: number;
  qps: number;
  burst: number;
  createParallelism: number;
  timeoutMs: number;
  nodeFlags: string[];
}

function options(args: string[]): Options {
  const v = parseFlags(args, [
    'objects',
    'memory-objects',
    'rounds',
    'concurrency',
    'qps',
    'burst',
    'create-parallelism',
    'timeout',
    'node-flags',
    'warm-up',
  ]);
  const o: Options = {
    objects: numberFlag(v, 'objects', 5000, { min: 1, integer: true }),
    memoryObjects: numberFlag(v, 'memory-objects', 50_000, { min: 0, integer: true }),
    rounds: numberFlag(v, 'rounds', 3, { min: 1, integer: true }),
    warmUp: numberFlag(v, 'warm-up', 1000, { min: 0, integer: true }),
    concurrency: numberFlag(v, 'concurrency', 8, { min: 1, integer: true }),
    qps: numberFlag(v, 'qps', -1),
    burst: numberFlag(v, 'burst', 0, { min: 0, integer: true }),
    createParallelism: numberFlag(v, 'create-parallelism', 32, { min: 1, integer: true }),
    timeoutMs: numberFlag(v, 'timeout', 600, { min: 1 }) * 1000,
    nodeFlags: (v['node-flags'] ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter(Boolean),
  };
  if (o.memoryObjects !== 0 && o.memoryObjects <= o.objects) {
    throw new UsageError(`--memory-objects must be 0 or more than --objects (${o.objects})`);
  }
  return o;
}

interface Implementation {
  key: 'ours' | 'controller_runtime';
  label: string;
  /** Whether SIGUSR2 makes it collect garbage, so that an RSS sample counts live memory only. */
  gcOnSignal: boolean;
  command(flags: string[]): { file: string; args: string[] };
}

function implementations(peerBinary: string, nodeFlags: string[]): Implementation[] {
  const controller = fileURLToPath(new URL('./controller.ts', import.meta.url));
  return [
    {
      key: 'ours',
      label: 'ours',
      gcOnSignal: true,
      command: (flags) => ({
        file: process.execPath,
        args: ['--expose-gc', ...nodeFlags, controller, ...flags],
      }),
    },
    {
      key: 'controller_runtime',
      label: 'controller-runtime',
      gcOnSignal: false,
      command: (flags) => ({ file: peerBinary, args: flags }),
    },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const widgetName = (i: number) => `w-${String(i).padStart(6, '0')}`;
/** Warm-up Widgets are numbered from here, apart from the measured ones. */
const WARM_UP_BASE = 9_000_000;

/** Runs `work(i)` for i in `from` .. `to - 1` with at most `parallelism` running at once. */
async function forEachParallel(
  from: number,
  to: number,
  parallelism: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, to - from) }, worker));
}

/** Creates Widgets `from` .. `to - 1` with `parallelism` requests in flight; counts them in `counter`. */
function createWidgets(
  client: KubeClient,
  namespace: string,
  from: number,
  to: number,
  parallelism: number,
  counter: { created: number },
): Promise<void> {
  return forEachParallel(from, to, parallelism, async (i) => {
    const widget: Widget = {
      apiVersion: widgets.apiVersion,
      kind: widgets.kind,
      metadata: { name: widgetName(i), namespace },
      spec: { value: i },
    };
    await client.create(widgets, widget);
    counter.created++;
  });
}

async function installCrd(client: KubeClient): Promise<void> {
  await client.create(builtin.crd, widgets.crd());
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      await client.list(widgets, { limit: 1 });
      return;
    } catch (err) {
      if (!isNotFound(err) || performance.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/**
 * The apiserver deletes a collection one object at a time with --delete-collection-workers (default 1)
 * and gives up after --request-timeout (default 1 min): 50,000 Widgets need more of both.
 */
const API_SERVER_FLAGS = ['--delete-collection-workers=8', '--request-timeout=10m'];

/**
 * Deletes the namespace and its Widgets and compacts etcd, so that the next run finds the apiserver's
 * watch cache and etcd as the first did: without the compaction every run leaves its writes in etcd's
 * history, and later runs are measurably slower. The control plane runs no namespace controller, so
 * the harness empties the namespace and removes its finalizer itself.
 */
async function deleteNamespace(cp: ControlPlane, client: KubeClient, namespace: string): Promise<void> {
  await client.request('DELETE', resourcePath(widgets, namespace), { timeoutMs: 600_000 });
  await client.delete(builtin.namespace, undefined, namespace);
  await client.request('PUT', `${resourcePath(builtin.namespace, undefined, namespace)}/finalize`, {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace }, spec: { finalizers: [] } },
  });
  await cp.compactEtcd();
}

/**
 * Drives every path the measured runs use (creates, status patches, the watch, namespace deletion)
 * once, from the harness itself: the first Widget writes after the CRD is installed are far slower
 * (the apiserver still sets the kind up), and that cost must not fall on whichever controller runs first.
 */
async function warmUp(cp: ControlPlane, client: KubeClient, o: Options): Promise<void> {
  const namespace = 'bench-warm-up';
  const count = Math.min(o.objects, 500);
  await client.create(builtin.namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const observer = new WidgetObserver(client, namespace);
  try {
    await observer.start();
    await createWidgets(client, namespace, 0, count, o.createParallelism, { created: 0 });
    await forEachParallel(0, count, o.concurrency, async (i) => {
      const status = { observedValue: i, reconciledAtMs: Date.now(), observedGeneration: 1 };
      await client.patch(widgets, namespace, widgetName(i), { status }, 'merge', 'status');
    });
    await observer.waitForReconciled(count, o.timeoutMs, () => {});
  } finally {
    await observer.close();
  }
  await deleteNamespace(cp, client, namespace);
}

/** RSS after a settle (and, where the controller supports it, a full GC). */
async function sampleRss(proc: ControllerProcess, impl: Implementation): Promise<number> {
  if (impl.gcOnSignal) proc.signal('SIGUSR2');
  await sleep(2000);
  return rssBytes(proc.pid);
}

interface Context {
  client: KubeClient;
  cp: ControlPlane;
  o: Options;
  progress: Progress;
}

interface RoundPlan {
  /** 0-based. */
  index: number;
  /** Whether to go on to the memory phase after the throughput run. */
  memory: boolean;
  /** Whether to delete the namespace afterwards (not worth it when the control plane goes next). */
  cleanUp: boolean;
}

interface RoundResult {
  round: Round;
  memory: Measurement['memory'];
  notes: string[];
}

async function runRound(impl: Implementation, ctx: Context, plan: RoundPlan): Promise<RoundResult> {
  const { client, cp, o, progress } = ctx;
  const label = o.rounds > 1 ? `${impl.label} (round ${plan.index + 1}/${o.rounds})` : impl.label;
  const namespace = `bench-${impl.key.replace('_', '-')}-${plan.index + 1}`;
  await client.create(builtin.namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const readyFile = join(cp.dir, `${namespace}.ready`);
  const { file, args } = impl.command([
    ...['--kubeconfig', cp.kubeconfigPath, '--namespace', namespace],
    ...['--concurrency', String(o.concurrency), '--qps', String(o.qps), '--burst', String(o.burst)],
    ...['--ready-file', readyFile],
  ]);
  const proc = new ControllerProcess(file, args, join(cp.dir, 'logs', `${namespace}.log`));
  const observer = new WidgetObserver(client, namespace);
  const counter = { created: 0 };
  const tick = (target: number) => () =>
    progress.info(
      `${label}: ${counter.created}/${target} created, ${observer.reconciled}/${target} reconciled`,
    );
  // Creating and waiting both end early if the controller dies.
  const phase = <T>(work: Promise<T>) => Promise.race([work, proc.crashed]);
  const notes: string[] = [];
  let round: Round;
  let memory: Measurement['memory'];
  let exitStatus: number | null;
  try {
    await progress.stage(`${label}: start the controller`, () => proc.waitReady(readyFile, 60_000));
    await observer.start();
    // Each controller first reconciles a batch outside the timing: the figures are those of a
    // running operator, not of a fresh process still compiling its hot paths.
    if (o.warmUp > 0) {
      await progress.stage(`${label}: warm-up, ${o.warmUp} Widgets reconciled`, () =>
        phase(
          (async () => {
            await createWidgets(
              client,
              namespace,
              WARM_UP_BASE,
              WARM_UP_BASE + o.warmUp,
              o.createParallelism,
              {
                created: 0,
              },
            );
            return observer.waitForReconciled(o.warmUp, o.timeoutMs, () => {});
          })(),
        ),
      );
    }

    const cpuBefore = cpuSeconds(proc.pid);
    const started = nowMs();
    const finished = await progress.stage(`${label}: ${o.objects} Widgets reconciled`, () =>
      phase(
        (async () => {
          await createWidgets(client, namespace, 0, o.objects, o.createParallelism, counter);
          return observer.waitForReconciled(o.warmUp + o.objects, o.timeoutMs, tick(o.objects));
        })(),
      ),
    );
    // The controller also handles the status events of its own last patches: let it finish them.
    await sleep(1000);
    const cpu = cpuSeconds(proc.pid) - cpuBefore;
    round = {
      wallMs: finished - started,
      latenciesMs: observer.latencies(Array.from({ length: o.objects }, (_, i) => widgetName(i))),
      cpuSeconds: cpu,
      rssBytes: await sampleRss(proc, impl),
    };

    if (plan.memory) {
      const more = o.memoryObjects - o.objects;
      const t0 = nowMs();
      let createdAt = t0;
      await progress.stage(`${label}: ${more} more Widgets reconciled`, () =>
        phase(
          (async () => {
            await createWidgets(client, namespace, o.objects, o.memoryObjects, o.createParallelism, counter);
            createdAt = nowMs();
            await observer.waitForReconciled(o.warmUp + o.memoryObjects, o.timeoutMs, tick(o.memoryObjects));
          })(),
        ),
      );
      const createSeconds = (createdAt - t0) / 1000;
      notes.push(
        `${impl.label}: the memory phase created ${more} Widgets in ${createSeconds.toFixed(1)} s ` +
          `(${Math.round(more / createSeconds)}/s); all had a status after ${((nowMs() - t0) / 1000).toFixed(1)} s`,
      );
      await sleep(1000);
      memory = {
        rssBytesSmall: round.rssBytes,
        rssBytesLarge: await sampleRss(proc, impl),
        objectsLarge: o.memoryObjects,
      };
    }
  } catch (err) {
    const tail = proc.tail();
    throw new Error(
      `${label}: ${err instanceof Error ? err.message : String(err)}` +
        (tail ? `\nlast lines of ${proc.logFile}:\n${tail}` : ''),
      { cause: err },
    );
  } finally {
    await observer.close();
    exitStatus = await proc.stop();
  }
  if (exitStatus !== 0) notes.push(`${label}: the controller exited with status ${exitStatus} on SIGTERM`);
  if (plan.cleanUp) {
    await progress.stage(`${label}: delete the namespace`, () => deleteNamespace(cp, client, namespace));
  }
  return { round, memory, notes };
}

/** Runs the benchmark; resolves with the exit status (0 ran, 1 failed, 2 bad flags). */
export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let o: Options;
  try {
    o = options(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  const progress = createProgress();
  let cp: ControlPlane | undefined;
  let client: KubeClient | undefined;
  try {
    await progress.stage('control-plane binaries', () => buildBinaries(progress));
    const peer = await progress.stage('controller-runtime peer', () => buildPeer());
    cp = await progress.stage('control plane', () =>
      startControlPlane({ nodes: 0, apiServerFlags: API_SERVER_FLAGS }),
    );
    client = await KubeClient.fromKubeConfig(cp.kubeConfig);
    await progress.stage('Widget CRD', () => installCrd(client!));
    await progress.stage('warm-up', () => warmUp(cp!, client!, o));

    const impls = implementations(peer.binary, o.nodeFlags);
    const measured = new Map(impls.map((i) => [i.key, { objects: o.objects, rounds: [] } as Measurement]));
    const notes: string[] = [];
    for (let index = 0; index < o.rounds; index++) {
      const last = index === o.rounds - 1;
      // Alternating the order cancels most of the drift of a long run (etcd growth, the apiserver's heap).
      const order = index % 2 === 0 ? impls : [...impls].reverse();
      for (const [position, impl] of order.entries()) {
        const plan = {
          index,
          memory: last && o.memoryObjects > 0,
          cleanUp: !(last && position === order.length - 1),
        };
        const result = await runRound(impl, { client, cp, o, progress }, plan);
        const m = measured.get(impl.key)!;
        m.rounds.push(result.round);
        if (result.memory) m.memory = result.memory;
        notes.push(...result.notes);
      }
    }
    if (o.rounds > 1) {
      for (const impl of impls) {
        const perRound = measured.get(impl.key)!.rounds.map((r) => Math.round(o.objects / (r.wallMs / 1000)));
        notes.push(`${impl.label}: reconciles/s by round: ${perRound.join(', ')}`);
      }
    }
    const ours: Figures = figures(measured.get('ours')!);
    const peerFigures: Figures = figures(measured.get('controller_runtime')!);
    process.stdout.write(
      `\nruntime: ${o.objects} Widgets, concurrency ${o.concurrency}, qps ${o.qps}` +
        `${o.qps > 0 ? ` burst ${o.burst}` : ' (no client-side limit)'}, ${o.createParallelism} creates in flight, ` +
        `median of ${o.rounds} round${o.rounds > 1 ? 's' : ''}` +
        `${o.nodeFlags.length ? `, ours with node ${o.nodeFlags.join(' ')}` : ''}\n\n` +
        `${renderTable(o.objects, o.memoryObjects || undefined, ours, peerFigures)}\n\n` +
        notes.map((n) => `${n}\n`).join('') +
        `${resultLine(o.objects, ours, peerFigures)}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client?.close();
    await cp?.stop();
  }
}
