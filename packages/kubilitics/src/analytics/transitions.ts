// State-transition analysis (seed §5.1.2): pods as finite state machines, counted from watch history.
// `Pending -> ContainerCreating -> Running` is normal; `Running -> CrashLoopBackOff -> Running` repeated
// is not, and restarts more frequent than a threshold are an anomaly.
import type { KubeObject } from '@industriverse/kube';
import type { ObjectRef, WatchRecord } from '../model/types.ts';

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(rec) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A container's state as one word: `Running`, its waiting reason or its terminated reason. */
export function containerState(status: Json): string {
  const state = rec(status.state);
  if (state.waiting) return text(rec(state.waiting).reason) || 'Waiting';
  if (state.terminated) return text(rec(state.terminated).reason) || 'Terminated';
  if (state.running) return 'Running';
  return 'Unknown';
}

/** The pod's STATUS column as `kubectl get pods` prints it (phase refined by container reasons). */
export function podStatus(pod: KubeObject): string {
  const status = rec(pod.status);
  let reason = text(status.reason) || text(status.phase) || 'Unknown';
  const inits = list(status.initContainerStatuses);
  const initSpecs = list(rec(pod.spec).initContainers);
  let initializing = false;
  for (const [i, c] of inits.entries()) {
    const state = rec(c.state);
    const terminated = rec(state.terminated);
    if (state.terminated && terminated.exitCode === 0) continue;
    initializing = true;
    const waiting = text(rec(state.waiting).reason);
    if (state.terminated)
      reason = `Init:${text(terminated.reason) || `ExitCode:${String(terminated.exitCode)}`}`;
    else if (waiting && waiting !== 'PodInitializing') reason = `Init:${waiting}`;
    else reason = `Init:${i}/${initSpecs.length || inits.length}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const containers = list(status.containerStatuses);
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i]!;
      const state = rec(c.state);
      const waiting = text(rec(state.waiting).reason);
      const terminated = rec(state.terminated);
      if (waiting) reason = waiting;
      else if (state.terminated && text(terminated.reason)) reason = text(terminated.reason);
      else if (state.terminated) reason = `ExitCode:${String(terminated.exitCode)}`;
      else if (c.ready === true && state.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = list(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export interface TransitionOptions {
  /** End of the analysed window, unix seconds. Default: the newest record. */
  now?: number;
  /** Length of the analysed window. Default 3600 (the temporal store's default). */
  windowSeconds?: number;
  /** Restarts of one container within `crashLoopWindowSeconds` that make an anomaly. Default 3. */
  crashLoopRestarts?: number;
  /** Default 600. */
  crashLoopWindowSeconds?: number;
}

export interface ContainerTransitions {
  name: string;
  /** `from -> to` of the container's state, e.g. `Running -> Error`. */
  transitions: Record<string, number>;
  /** Entries into a waiting state, by reason (`CrashLoopBackOff`, `ImagePullBackOff`...). */
  waitingReasons: Record<string, number>;
  /** Entries into a terminated state, by reason (`Error`, `OOMKilled`, `Completed`...). */
  terminatedReasons: Record<string, number>;
  /** restartCount increments seen in the window. */
  restarts: number;
  /** Restarts by the reason the previous run ended (`lastState.terminated.reason`). */
  restartReasons: Record<string, number>;
}

export interface PodTransitions {
  ref: ObjectRef;
  /** The status when the window opened (or the pod first appeared) and the latest one. */
  from: string;
  to: string;
  /** `from -> to` of the pod status, e.g. `Running -> CrashLoopBackOff`. */
  transitions: Record<string, number>;
  restarts: number;
  containers: ContainerTransitions[];
}

export interface CrashLoopAnomaly {
  kind: 'crashloop-frequency';
  ref: ObjectRef;
  container: string;
  /** The most restarts within any `windowSeconds` of the analysed window. */
  restarts: number;
  windowSeconds: number;
  /** First and last restart of that busiest stretch (RFC 3339). */
  from: string;
  to: string;
  /** The commonest reason those runs ended. */
  reason: string;
}

export interface TransitionAnalysis {
  /** Pods seen in the window, by namespace and name. */
  pods: PodTransitions[];
  /** Most restarts first. */
  anomalies: CrashLoopAnomaly[];
}

interface Restart {
  t: number;
  count: number;
  reason: string;
}

interface ContainerTrack {
  state: string;
  restartCount: number;
  out: ContainerTransitions;
  restartLog: Restart[];
}

interface PodTrack {
  uid: string;
  status: string;
  containers: Map<string, ContainerTrack>;
  out: PodTransitions;
  seenInWindow: boolean;
}

const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

const sorted = (counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

const refKey = (r: ObjectRef): string => `${r.namespace ?? ''}/${r.name}`;

/** Counts state transitions of every pod in the history over the window, and flags crash loops. */
export function analyzeTransitions(
  history: readonly WatchRecord[],
  opts: TransitionOptions = {},
): TransitionAnalysis {
  const records = history
    .filter((r) => r.object?.kind === 'Pod')
    .map((r) => ({ t: Date.parse(r.time) / 1000, r }))
    .filter(({ t }) => Number.isFinite(t))
    .sort((a, b) => a.t - b.t);
  const now = opts.now ?? records.at(-1)?.t ?? 0;
  const since = now - (opts.windowSeconds ?? 3600);
  const pods = new Map<string, PodTrack>();

  for (const { t, r } of records) {
    if (t > now) break;
    const inWindow = t >= since;
    const pod = r.object;
    const ref: ObjectRef = {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
    };
    const key = refKey(ref);
    const status = r.type === 'DELETED' ? 'Deleted' : podStatus(pod);
    const uid = pod.metadata.uid ?? '';
    let track = pods.get(key);
    // A pod recreated under the same name (StatefulSet) starts its restart counts again.
    const recreated = track !== undefined && uid !== '' && track.uid !== '' && uid !== track.uid;
    if (!track) {
      track = {
        uid,
        status,
        containers: new Map(),
        out: { ref, from: status, to: status, transitions: {}, restarts: 0, containers: [] },
        seenInWindow: false,
      };
      pods.set(key, track);
    }
    if (inWindow && !track.seenInWindow) {
      track.seenInWindow = true;
      track.out.from = track.status;
    }
    if (inWindow && track.status !== status) bump(track.out.transitions, `${track.status} -> ${status}`);
    track.status = status;
    track.out.to = status;
    if (recreated) {
      track.uid = uid;
      for (const c of track.containers.values()) c.restartCount = 0;
    }
    if (r.type === 'DELETED') continue;

    const podStatusJson = rec(pod.status);
    for (const cs of [
      ...list(podStatusJson.initContainerStatuses),
      ...list(podStatusJson.containerStatuses),
    ]) {
      const name = text(cs.name);
      const state = containerState(cs);
      const restartCount = typeof cs.restartCount === 'number' ? cs.restartCount : 0;
      let c = track.containers.get(name);
      const changed = !c || c.state !== state;
      if (!c) {
        c = {
          state,
          restartCount,
          restartLog: [],
          out: {
            name,
            transitions: {},
            waitingReasons: {},
            terminatedReasons: {},
            restarts: 0,
            restartReasons: {},
          },
        };
        track.containers.set(name, c);
      } else if (inWindow && changed) {
        bump(c.out.transitions, `${c.state} -> ${state}`);
      }
      if (inWindow && changed) {
        const s = rec(cs.state);
        if (s.waiting) bump(c.out.waitingReasons, state);
        if (s.terminated) bump(c.out.terminatedReasons, state);
      }
      if (inWindow && restartCount > c.restartCount) {
        const count = restartCount - c.restartCount;
        const reason = text(rec(rec(cs.lastState).terminated).reason) || 'Unknown';
        c.out.restarts += count;
        track.out.restarts += count;
        bump(c.out.restartReasons, reason, count);
        c.restartLog.push({ t, count, reason });
      }
      c.state = state;
      c.restartCount = restartCount;
    }
  }

  const out: PodTransitions[] = [];
  const anomalies: CrashLoopAnomaly[] = [];
  const threshold = opts.crashLoopRestarts ?? 3;
  const span = opts.crashLoopWindowSeconds ?? 600;
  for (const track of pods.values()) {
    if (!track.seenInWindow) continue;
    track.out.transitions = sorted(track.out.transitions);
    track.out.containers = [...track.containers.values()]
      .map((c) => ({
        ...c.out,
        transitions: sorted(c.out.transitions),
        waitingReasons: sorted(c.out.waitingReasons),
        terminatedReasons: sorted(c.out.terminatedReasons),
        restartReasons: sorted(c.out.restartReasons),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    out.push(track.out);
    for (const c of track.containers.values()) {
      const busiest = busiestStretch(c.restartLog, span);
      if (busiest && busiest.restarts >= threshold)
        anomalies.push({
          kind: 'crashloop-frequency',
          ref: track.out.ref,
          container: c.out.name,
          windowSeconds: span,
          ...busiest,
        });
    }
  }
  out.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
  anomalies.sort(
    (a, b) =>
      b.restarts - a.restarts ||
      refKey(a.ref).localeCompare(refKey(b.ref)) ||
      a.container.localeCompare(b.container),
  );
  return { pods: out, anomalies };
}

/** The stretch of at most `span` seconds holding the most restarts (two pointers over the time-ordered log). */
function busiestStretch(
  log: readonly Restart[],
  span: number,
): { restarts: number; from: string; to: string; reason: string } | undefined {
  let best: { i: number; j: number; restarts: number } | undefined;
  let sum = 0;
  let i = 0;
  for (let j = 0; j < log.length; j++) {
    sum += log[j]!.count;
    while (log[j]!.t - log[i]!.t > span) sum -= log[i++]!.count;
    if (!best || sum > best.restarts) best = { i, j, restarts: sum };
  }
  if (!best) return undefined;
  const reasons: Record<string, number> = {};
  for (const r of log.slice(best.i, best.j + 1)) bump(reasons, r.reason, r.count);
  const reason = Object.entries(reasons).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]![0];
  const iso = (t: number) => new Date(t * 1000).toISOString();
  return { restarts: best.restarts, from: iso(log[best.i]!.t), to: iso(log[best.j]!.t), reason };
}
