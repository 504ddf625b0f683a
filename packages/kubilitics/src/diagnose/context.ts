// Everything the analyzers share, gathered once: the window, the symptoms, the troubled pods and
// the tail of their logs (read up front so that analyzers stay pure and synchronous).
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../graph/edges.ts';
import { nodeId, type NodeId, type ObjectRef, type World } from '../model/types.ts';
import { containerNames, containerStatuses, ms, phase } from './k8s.ts';
import { findSymptoms } from './symptoms.ts';
import type { DiagnoseContext, DiagnoseOptions } from './types.ts';

export const DEFAULT_WINDOW_SECONDS = 3600;
/** Lines kept from the end of each container log: enough for the last crash, small enough for 5,000 pods. */
const LOG_TAIL_LINES = 200;
/** Pods of one workload whose logs are read: replicas of a workload fail alike. */
const LOG_PODS_PER_WORKLOAD = 3;
const LOG_CONCURRENCY = 16;

export async function buildContext(world: World, opts: DiagnoseOptions = {}): Promise<DiagnoseContext> {
  const now = world.now;
  const windowMs = (opts.windowSeconds ?? DEFAULT_WINDOW_SECONDS) * 1000;
  const owners = new Map<NodeId, ObjectRef>();
  const workloadOf = (o: KubeObject): ObjectRef => {
    const ref = refOfObject(o);
    const id = nodeId(ref);
    let top = owners.get(id);
    if (!top) owners.set(id, (top = world.graph.topOwner(ref)));
    return top;
  };
  const { symptoms, failedNodes } = findSymptoms(world, now, windowMs, workloadOf);
  const byId = new Map(symptoms.map((s) => [s.id, s]));
  const troubledPods = symptoms.flatMap((s) =>
    s.id.startsWith('Pod/') ? (world.get({ kind: 'Pod', ...splitPodId(s.id) }) ?? []) : [],
  );
  return {
    now,
    windowMs,
    symptoms: byId,
    troubledPods,
    logs: await readLogs(world, troubledPods, workloadOf),
    recent: (time) => {
      const t = ms(time);
      return t !== undefined && t <= now.getTime() && now.getTime() - t <= windowMs;
    },
    workloadOf,
    failedNodes,
  };
}

function splitPodId(id: NodeId): { namespace: string; name: string } {
  const [, namespace = '', ...name] = id.split('/');
  return { namespace, name: name.join('/') };
}

export const logKey = (namespace: string, pod: string, container: string): string =>
  `${namespace}/${pod}/${container}`;

/** Containers that never started (pending placement, an image or config they lack) have no log. */
const NEVER_STARTED = new Set([
  'ContainerCreating',
  'PodInitializing',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
]);

function started(pod: KubeObject): boolean {
  if (phase(pod) !== 'Pending') return true;
  return containerStatuses(pod).some(
    (c) => c.lastState?.terminated || !NEVER_STARTED.has(c.state?.waiting?.reason ?? 'ContainerCreating'),
  );
}

/** The tail of each container log of the troubled pods that started at all. */
async function readLogs(
  world: World,
  pods: KubeObject[],
  workloadOf: (o: KubeObject) => ObjectRef,
): Promise<Map<string, string[]>> {
  const perWorkload = new Map<NodeId, number>();
  const wanted: { ns: string; pod: string; container: string }[] = [];
  for (const pod of pods) {
    if (!started(pod)) continue;
    const w = nodeId(workloadOf(pod));
    const n = perWorkload.get(w) ?? 0;
    if (n >= LOG_PODS_PER_WORKLOAD) continue;
    perWorkload.set(w, n + 1);
    for (const container of containerNames(pod))
      wanted.push({ ns: pod.metadata.namespace ?? '', pod: pod.metadata.name ?? '', container });
  }
  const logs = new Map<string, string[]>();
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const w = wanted[next++]!;
      const text = await world.logs(w.ns, w.pod, w.container).catch(() => undefined);
      if (text)
        logs.set(logKey(w.ns, w.pod, w.container), text.split('\n').filter(Boolean).slice(-LOG_TAIL_LINES));
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOG_CONCURRENCY, wanted.length) }, worker));
  return logs;
}
