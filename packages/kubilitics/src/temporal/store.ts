// The temporal window: every change of every resource kept as an RFC 6902 diff from its previous
// state, for a sliding window (default one hour) that ends at the newest time seen.
//
// Reconstruction: each resource has a timeline of entries. An entry holds the diff; a full state is
// kept (by reference, objects are never mutated) on ADDED, on the first record of a resource seen
// mid-life, and every `checkpointEvery` changes, so stateAt applies at most that many diffs forward
// from the nearest full state at or before t. Evicted entries are folded into the state before the
// window, so stateAt stays right back to the window's start.
import { jsonPatchDiff, type KubeObject } from '@industriverse/kube';
import { nodeId, type Change, type NodeId, type ObjectRef, type WatchRecord } from '../model/types.ts';
import { applyPatch } from './patch.ts';

export const DEFAULT_WINDOW_MS = 60 * 60 * 1000;

export interface TemporalOptions {
  /** How long changes are kept, relative to the newest time seen (default one hour). */
  windowMs?: number;
  /** A full state is kept every this many changes of one resource (default 32). */
  checkpointEvery?: number;
}

interface Entry {
  /** Milliseconds, never below the previous entry's (records arriving late are ordered at arrival). */
  t: number;
  change: Change;
  /** The full state after this change, when kept (see above); DELETED entries have none and `gone`. */
  state?: KubeObject;
  gone?: boolean;
}

interface Timeline {
  /** The state just before entries[0]: folded from evicted entries, or undefined (did not exist). */
  before: KubeObject | undefined;
  /** False while the oldest entry is the first record of a resource seen mid-life: earlier state unknown. */
  beforeKnown: boolean;
  entries: Entry[];
  /** The state after the newest entry (undefined once deleted). */
  last: KubeObject | undefined;
  sinceCheckpoint: number;
}

export class TemporalStore {
  readonly windowMs: number;
  private readonly checkpointEvery: number;
  private readonly timelines = new Map<NodeId, Timeline>();
  private log: Entry[] = [];
  private head = 0;
  private newestMs = -Infinity;

  constructor(opts: TemporalOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    this.checkpointEvery = opts.checkpointEvery ?? 32;
  }

  /** The newest time seen (records and advance()), if any. */
  get newest(): Date | undefined {
    return Number.isFinite(this.newestMs) ? new Date(this.newestMs) : undefined;
  }

  /** Number of changes kept. */
  get size(): number {
    return this.log.length - this.head;
  }

  /**
   * Records one watch event; returns the change kept, or undefined for a MODIFIED that changed
   * nothing. `previous` is the state before a MODIFIED when the caller knows it (an informer's
   * update) and the store has no history of the resource yet. Throws on an unparsable time.
   */
  record(rec: WatchRecord, previous?: KubeObject): Change | undefined {
    const time = Date.parse(rec.time);
    if (Number.isNaN(time)) throw new Error(`invalid time ${JSON.stringify(rec.time)}`);
    const { kind } = rec.object;
    const { namespace, name = '' } = rec.object.metadata;
    const ref: ObjectRef = namespace ? { kind, namespace, name } : { kind, name };
    const id = nodeId(ref);
    let tl = this.timelines.get(id);
    if (!tl && previous && rec.type === 'MODIFIED') {
      tl = { before: previous, beforeKnown: true, entries: [], last: previous, sinceCheckpoint: 0 };
      this.timelines.set(id, tl);
    }
    const t = Math.max(time, this.newestMs);
    const entry: Entry = { t, change: { time: rec.time, type: rec.type, ref, diff: [] } };
    if (rec.type === 'DELETED') {
      entry.gone = true;
    } else if (rec.type === 'ADDED' || !tl?.last) {
      entry.state = rec.object;
    } else {
      const diff = jsonPatchDiff(tl.last, rec.object);
      if (diff.length === 0) return undefined;
      entry.change.diff = diff as Change['diff'];
      if (tl.sinceCheckpoint + 1 >= this.checkpointEvery) entry.state = rec.object;
    }
    if (!tl) {
      tl = {
        before: undefined,
        beforeKnown: rec.type === 'ADDED',
        entries: [],
        last: undefined,
        sinceCheckpoint: 0,
      };
      this.timelines.set(id, tl);
    }
    tl.entries.push(entry);
    tl.last = rec.type === 'DELETED' ? undefined : rec.object;
    tl.sinceCheckpoint = entry.state || entry.gone ? 0 : tl.sinceCheckpoint + 1;
    this.log.push(entry);
    this.advance(new Date(t));
    return entry.change;
  }

  /** Moves the window's end forward to `now` (never back) and evicts what fell out of it. */
  advance(now: Date): void {
    this.newestMs = Math.max(this.newestMs, now.getTime());
    const cutoff = this.newestMs - this.windowMs;
    while (this.head < this.log.length && this.log[this.head]!.t < cutoff) this.evict(this.log[this.head++]!);
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }

  /** Whether the store has a history for `ref` (else the caller knows better: the current object). */
  tracks(ref: ObjectRef): boolean {
    return this.timelines.has(nodeId(ref));
  }

  /** Changes kept, oldest first, optionally of one resource and/or with time in [since, before). */
  changes(opts: { ref?: ObjectRef; since?: Date; before?: Date } = {}): Change[] {
    const since = opts.since?.getTime() ?? -Infinity;
    const before = opts.before?.getTime() ?? Infinity;
    const inRange = (e: Entry) => {
      const t = Date.parse(e.change.time);
      return t >= since && t < before;
    };
    if (opts.ref) {
      const tl = this.timelines.get(nodeId(opts.ref));
      return tl ? tl.entries.filter(inRange).map((e) => e.change) : [];
    }
    const out: Change[] = [];
    for (let i = this.firstAtOrAfter(since); i < this.log.length; i++) {
      const e = this.log[i]!;
      if (e.t >= before && Date.parse(e.change.time) >= before) break;
      if (inRange(e)) out.push(e.change);
    }
    return out;
  }

  /**
   * The state of `ref` at `t`, or undefined when it did not exist then (or the store has no history
   * of it: see tracks()). Before the first record of a resource seen mid-life, its first known state
   * stands in if it was already created. Returned objects are shared: do not mutate them.
   */
  stateAt(ref: ObjectRef, t: Date): KubeObject | undefined {
    const tl = this.timelines.get(nodeId(ref));
    if (!tl) return undefined;
    const ms = t.getTime();
    const { entries } = tl;
    // The last entry at or before t.
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid]!.t <= ms) lo = mid + 1;
      else hi = mid;
    }
    const at = lo - 1;
    if (at < 0) {
      if (tl.beforeKnown) return tl.before;
      const first = entries[0]?.state;
      const created = Date.parse(first?.metadata.creationTimestamp ?? '');
      return first && created <= ms ? first : undefined;
    }
    if (at === entries.length - 1) return tl.last;
    let from = at;
    while (from >= 0 && !entries[from]!.state && !entries[from]!.gone) from--;
    let state = from < 0 ? tl.before : entries[from]!.state;
    for (let i = from + 1; i <= at; i++) state = applyPatch(state, entries[i]!.change.diff);
    return state;
  }

  private firstAtOrAfter(ms: number): number {
    let lo = this.head;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid]!.t < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Folds the oldest entry of a resource into the state before its window. */
  private evict(entry: Entry): void {
    const id = nodeId(entry.change.ref);
    const tl = this.timelines.get(id);
    if (!tl || tl.entries[0] !== entry) return;
    tl.entries.shift();
    tl.beforeKnown = true;
    if (tl.entries.length === 0) {
      // Nothing left to replay: the state before the window is the latest one.
      if (tl.last) tl.before = tl.last;
      else this.timelines.delete(id);
      return;
    }
    tl.before = entry.gone ? undefined : (entry.state ?? applyPatch(tl.before, entry.change.diff));
  }
}
