import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asalCheck, meanStddev, zScore } from '../../src/trifecta/asal.ts';
import { readPlaybook, readTrajectories, recordRun } from '../../src/trifecta/history.ts';
import { extractFailureModes, mergePlaybook, messageSignature } from '../../src/trifecta/playbook.ts';
import { errorCode, RunRecorder, type Trajectory } from '../../src/trifecta/trajectory.ts';

/** A clock that advances by the given steps, one per call. */
function clock(start: number, ...steps: number[]): () => number {
  let t = start;
  let i = 0;
  return () => {
    const now = t;
    t += steps[i++ % steps.length]!;
    return now;
  };
}

function run(
  id: string,
  metrics: Record<string, number>,
  outcome: Trajectory['outcome'] = 'succeeded',
): Trajectory {
  return {
    schema: 'capsule.trajectory/v1',
    id,
    kind: 'deploy',
    capsule: { name: 'm2n2-metal', version: '0.1.0', digest: 'sha256:' + 'a'.repeat(64) },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    outcome,
    steps: [],
    metrics,
  };
}

describe('ASAL z-score check', () => {
  it('computes mean, sample standard deviation and z-scores', () => {
    assert.deepEqual(meanStddev([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, stddev: Math.sqrt(32 / 7) });
    assert.equal(zScore(5, [2, 4, 4, 4, 5, 5, 7, 9]), 0);
    assert.equal(zScore(3, [3, 3, 3]), 0, 'the same value on a constant history is no surprise');
    assert.equal(zScore(4, [3, 3, 3]), null, 'any other value on a constant history has no finite z');
  });

  it('skips metrics with less history than the minimum', () => {
    const report = asalCheck({ 'step.verify.ms': 500 }, [{ 'step.verify.ms': 10 }, { 'step.verify.ms': 11 }]);
    assert.deepEqual(report.checked, []);
    assert.deepEqual(report.skipped, [{ metric: 'step.verify.ms', n: 2 }]);
    assert.equal(report.minHistory, 5);
  });

  it('flags |z| > 3 as an outlier and keeps values inside', () => {
    const history = [100, 102, 98, 101, 99, 100].map((v) => ({ 'step.verify.ms': v, 'proof.cost': 0.05 }));
    const report = asalCheck({ 'step.verify.ms': 160, 'proof.cost': 0.05, 'hook.x.score': 1 }, history);
    assert.deepEqual(
      report.checked.map((c) => [c.metric, c.outlier]),
      [
        ['proof.cost', false],
        ['step.verify.ms', true],
      ],
    );
    assert.equal(report.outliers.length, 1);
    assert.ok(report.outliers[0]!.z! > 3);
    assert.deepEqual(report.skipped, [{ metric: 'hook.x.score', n: 0 }]);
    const inside = asalCheck({ 'step.verify.ms': 101 }, history);
    assert.equal(inside.outliers.length, 0);
  });

  it('flags a departure from a constant history and honours custom limits', () => {
    const history = Array.from({ length: 5 }, () => ({ 'proof.cost': 0.05 }));
    const report = asalCheck({ 'proof.cost': 0.5 }, history);
    assert.equal(report.outliers[0]?.z, null);
    const loose = asalCheck({ x: 12 }, [{ x: 10 }, { x: 11 }, { x: 9 }], { minHistory: 3, threshold: 5 });
    assert.equal(loose.checked[0]?.outlier, false);
  });
});

describe('ACE trajectories and playbook', () => {
  it('records steps with timing, outcome, changes and metrics', async () => {
    const rec = new RunRecorder({ now: clock(Date.UTC(2026, 0, 1), 10), id: 'run-1' });
    await rec.step('verify', async () => undefined);
    await rec.step('apply', async (s) => {
      s.changed(false);
      s.metric('proof.cost', 0.25);
      s.detail({ objects: 2 });
    });
    const err = Object.assign(new Error('hook exited with code 3'), { code: 'HOOK_FAILED' });
    await assert.rejects(
      rec.step('proof-hooks', async () => {
        throw err;
      }),
      err,
    );
    rec.skip('publish', 'an earlier step failed');
    const t = rec.finish();
    assert.equal(t.id, 'run-1');
    assert.equal(t.outcome, 'failed');
    assert.deepEqual(
      t.steps.map((s) => [s.name, s.outcome, s.changed, s.durationMs]),
      [
        ['verify', 'ok', true, 10],
        ['apply', 'ok', false, 10],
        ['proof-hooks', 'failed', false, 10],
        ['publish', 'skipped', false, 0],
      ],
    );
    assert.deepEqual(t.steps[2]!.error, { code: 'HOOK_FAILED', message: 'hook exited with code 3' });
    assert.deepEqual(t.steps[1]!.detail, { objects: 2 });
    assert.equal(t.metrics['proof.cost'], 0.25);
    assert.equal(t.metrics['step.verify.ms'], 10);
  });

  it('says unchanged when no step changed anything, failed when the run stopped between steps', async () => {
    const rec = new RunRecorder({ now: clock(0, 1) });
    await rec.step('apply', async (s) => s.changed(false));
    assert.equal(rec.finish().outcome, 'unchanged');
    assert.equal(rec.finish(true).outcome, 'failed');
  });

  it('names error codes by code, else by error class', () => {
    assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
    class ApiError extends Error {
      override name = 'ApiError';
    }
    assert.equal(errorCode(new ApiError('x')), 'ApiError');
    assert.equal(errorCode(new Error('x')), 'ERROR');
    assert.equal(errorCode('text'), 'ERROR');
  });

  it('masks the variable parts of messages', () => {
    assert.equal(
      messageSignature(
        'checksum of "expansion/model.pt" is sha256:' + 'b'.repeat(64) + ' at /tmp/x/y, 3 times',
      ),
      'checksum of <value> is sha256:<digest> at <path>, <n> times',
    );
    assert.equal(messageSignature('node  deadbeef99 has 2.5 cpu'), 'node <hex> has <n> cpu');
  });

  it('groups failure modes by step, code and signature, and counts them in a stable order', () => {
    const failed = (id: string, step: string, code: string, message: string): Trajectory => ({
      ...run(id, {}, 'failed'),
      finishedAt: `2026-01-01T00:00:0${id.at(-1)}.000Z`,
      steps: [
        {
          name: step,
          startedAt: '',
          durationMs: 1,
          outcome: 'failed',
          changed: false,
          error: { code, message },
        },
      ],
    });
    let pb = mergePlaybook(
      undefined,
      'm2n2-metal',
      failed('r1', 'verify', 'CHECKSUM_MISMATCH', 'file "a" differs'),
    );
    pb = mergePlaybook(
      pb,
      'm2n2-metal',
      failed('r2', 'requirements', 'REQUIREMENTS_UNMET', 'gpu:true: 0 of 3 nodes'),
    );
    pb = mergePlaybook(pb, 'm2n2-metal', failed('r3', 'verify', 'CHECKSUM_MISMATCH', 'file "b" differs'));
    assert.deepEqual(
      pb.failureModes.map((m) => [m.step, m.code, m.signature, m.count, m.firstSeen, m.lastRun]),
      [
        [
          'requirements',
          'REQUIREMENTS_UNMET',
          'gpu:true: <n> of <n> nodes',
          1,
          '2026-01-01T00:00:02.000Z',
          'r2',
        ],
        ['verify', 'CHECKSUM_MISMATCH', 'file <value> differs', 2, '2026-01-01T00:00:01.000Z', 'r3'],
      ],
    );
    assert.equal(pb.failureModes[1]!.example, 'file "b" differs');
    assert.match(pb.failureModes[1]!.id, /^[0-9a-f]{12}$/);
    assert.ok(pb.failureModes[1]!.advice);
  });

  it('records ASAL outliers as failure modes of the step asal', () => {
    const t: Trajectory = {
      ...run('r9', { 'step.verify.ms': 160 }),
      asal: {
        minHistory: 5,
        threshold: 3,
        checked: [],
        skipped: [],
        outliers: [
          { metric: 'step.verify.ms', value: 160, n: 6, mean: 100, stddev: 1.4, z: 42.8, outlier: true },
        ],
      },
    };
    assert.deepEqual(
      extractFailureModes(t).map((o) => [o.step, o.code, o.signature]),
      [['asal', 'ASAL_OUTLIER', 'metric step.verify.ms']],
    );
  });

  it('keeps the history on disk and checks each run against the runs that ended the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capsule-state-'));
    try {
      for (let i = 0; i < 5; i++) await recordRun(dir, run(`r${i}`, { 'step.verify.ms': 100 + (i % 2) }));
      await recordRun(dir, run('u0', { 'step.verify.ms': 5000 }, 'unchanged'));
      const { trajectory, playbook } = await recordRun(dir, run('r5', { 'step.verify.ms': 400 }));
      assert.equal(trajectory.asal?.checked[0]?.n, 5, 'the unchanged run is not part of the comparison');
      assert.equal(trajectory.asal?.outliers[0]?.metric, 'step.verify.ms');
      assert.equal(playbook.failureModes[0]?.code, 'ASAL_OUTLIER');
      const runs = await readTrajectories(dir, 'm2n2-metal');
      assert.deepEqual(
        runs.map((r) => r.id),
        ['r0', 'r1', 'r2', 'r3', 'r4', 'u0', 'r5'],
      );
      assert.deepEqual(await readPlaybook(dir, 'm2n2-metal'), playbook);
      const text = await readFile(join(dir, 'm2n2-metal', 'trajectories.jsonl'), 'utf8');
      assert.equal(text.trim().split('\n').length, 7, 'one JSON line a run');
      assert.deepEqual(await readTrajectories(dir, 'nothing-yet'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
