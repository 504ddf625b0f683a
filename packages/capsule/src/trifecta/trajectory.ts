// ACE trajectories: every run (a deploy with its first run and proof hooks) is written down as the
// steps it took, how long each took and how it ended, so that failure modes and metrics can be
// learned from the capsule's history.
import { randomBytes } from 'node:crypto';
import type { AsalReport, Metrics } from './asal.ts';

export type StepOutcome = 'ok' | 'failed' | 'skipped';

export interface StepRecord {
  name: string;
  startedAt: string;
  durationMs: number;
  outcome: StepOutcome;
  /** Whether the step changed anything (false on an idempotent re-run). */
  changed: boolean;
  error?: { code: string; message: string };
  detail?: Record<string, unknown>;
}

export interface CapsuleIdentity {
  /** null when the capsule could not be read far enough to name it. */
  name: string | null;
  version: string | null;
  digest: string | null;
}

export type RunOutcome = 'succeeded' | 'unchanged' | 'failed';

export interface Trajectory {
  schema: 'capsule.trajectory/v1';
  id: string;
  kind: 'deploy';
  capsule: CapsuleIdentity;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  steps: StepRecord[];
  /** Numbers the ASAL check compares across runs: step durations, proof cost, hook results. */
  metrics: Metrics;
  asal?: AsalReport;
}

export interface StepContext {
  /** Marks whether the step changed anything (default true when it succeeds). */
  changed(value: boolean): void;
  detail(values: Record<string, unknown>): void;
  /** Adds a metric of the run, e.g. `proof.cost`. */
  metric(name: string, value: number): void;
}

/** The error code of a thrown value: its string `code`, else its class name, else ERROR. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  const name = err instanceof Error ? err.name : '';
  return name && name !== 'Error' ? name : 'ERROR';
}

/** Builds a trajectory while a run goes: one `step()` per step of the run. */
export class RunRecorder {
  readonly id: string;
  private readonly now: () => number;
  private readonly started: number;
  private readonly records: StepRecord[] = [];
  private readonly metrics: Metrics = {};
  capsule: CapsuleIdentity = { name: null, version: null, digest: null };

  constructor(opts: { now?: () => number; id?: string } = {}) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.id =
      opts.id ??
      `${new Date(this.started).toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  }

  /** Runs `work` as the step `name`, recording its timing and outcome; errors are recorded and rethrown. */
  async step<T>(name: string, work: (ctx: StepContext) => Promise<T>): Promise<T> {
    const start = this.now();
    let changed = true;
    let detail: Record<string, unknown> | undefined;
    const ctx: StepContext = {
      changed: (value) => {
        changed = value;
      },
      detail: (values) => {
        detail = { ...detail, ...values };
      },
      metric: (metric, value) => {
        if (Number.isFinite(value)) this.metrics[metric] = value;
      },
    };
    const record = (outcome: StepOutcome, error?: StepRecord['error']) => {
      const durationMs = this.now() - start;
      this.metrics[`step.${name}.ms`] = durationMs;
      this.records.push({
        name,
        startedAt: new Date(start).toISOString(),
        durationMs,
        outcome,
        changed: outcome === 'ok' && changed,
        ...(error ? { error } : {}),
        ...(detail ? { detail } : {}),
      });
    };
    try {
      const result = await work(ctx);
      record('ok');
      return result;
    } catch (err) {
      record('failed', { code: errorCode(err), message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** Records a step that did not run, e.g. the ones after a failure. */
  skip(name: string, reason: string): void {
    this.records.push({
      name,
      startedAt: new Date(this.now()).toISOString(),
      durationMs: 0,
      outcome: 'skipped',
      changed: false,
      detail: { reason },
    });
  }

  /** The steps recorded so far. */
  get steps(): readonly StepRecord[] {
    return this.records;
  }

  /** The trajectory of the run; `failed` marks a run that stopped between steps. */
  finish(failed = false): Trajectory {
    const finished = this.now();
    failed ||= this.records.some((s) => s.outcome === 'failed');
    const changed = this.records.some((s) => s.changed);
    this.metrics['run.ms'] = finished - this.started;
    return {
      schema: 'capsule.trajectory/v1',
      id: this.id,
      kind: 'deploy',
      capsule: { ...this.capsule },
      startedAt: new Date(this.started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - this.started,
      outcome: failed ? 'failed' : changed ? 'succeeded' : 'unchanged',
      steps: [...this.records],
      metrics: { ...this.metrics },
    };
  }
}
