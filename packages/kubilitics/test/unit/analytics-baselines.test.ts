import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BaselineStore,
  detectAnomalies,
  hourOfWeek,
  loadBaselines,
  saveBaselines,
  seriesKey,
} from '../../src/analytics/index.ts';
import type { MetricSeries } from '../../src/model/types.ts';

const sec = (iso: string): number => Date.parse(iso) / 1000;

/** Deterministic uniform noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

// Wednesday 2024-01-31 14:30 UTC; four weeks of history before it.
const NOW = sec('2024-01-31T14:30:00Z');
const labels = { __name__: 'queue_depth', namespace: 'shop', queue: 'orders' };

/** A daily cycle (busy afternoons) with bounded noise, every 5 minutes for 4 weeks up to NOW. */
function normalSeries(seed = 1): MetricSeries {
  const rand = noise(seed);
  const values: [number, string][] = [];
  for (let t = NOW - 28 * 86_400; t <= NOW; t += 300) {
    const v = 100 + 50 * Math.sin((2 * Math.PI * hourOfWeek(t)) / 24) + 10 * rand();
    values.push([t, String(v)]);
  }
  return { metric: labels, values };
}

describe('hourOfWeek', () => {
  it('counts from Monday 00:00 UTC', () => {
    assert.equal(hourOfWeek(sec('2024-01-01T00:00:00Z')), 0, '2024-01-01 was a Monday');
    assert.equal(hourOfWeek(sec('2024-01-03T05:10:00Z')), 53);
    assert.equal(hourOfWeek(sec('2024-01-07T23:59:59Z')), 167);
    assert.equal(hourOfWeek(sec('2024-01-08T00:00:00Z')), 0);
    assert.equal(hourOfWeek(0), 72, 'the epoch was a Thursday');
  });
});

describe('BaselineStore', () => {
  it('keeps the mean and sample deviation of each hour of the week (Welford)', () => {
    const rand = noise(9);
    const store = new BaselineStore();
    const t = sec('2024-01-03T05:00:00Z');
    const xs = Array.from({ length: 500 }, () => 1e9 + 1e6 * rand());
    xs.forEach((x, i) => store.observe(labels, t + (i % 3600), x));
    store.observe(labels, t + 3600, 123); // the next hour has its own baseline
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const b = store.baseline(labels, t)!;
    assert.equal(b.n, 500);
    assert.equal(b.hourOfWeek, 53);
    assert.ok(Math.abs(b.mean - mean) < 1e-3);
    assert.ok(Math.abs(b.stddev - sd) / sd < 1e-9);
    assert.equal(store.baseline(seriesKey(labels), t + 3600)!.mean, 123, 'a key works like labels');
  });

  it('needs enough samples before judging, and scores a change from a steady hour very high', () => {
    const store = new BaselineStore({ minSamples: 10 });
    const t = sec('2024-01-03T05:00:00Z');
    for (let i = 0; i < 9; i++) store.observe(labels, t + i, 5);
    assert.equal(store.zScore(labels, t, 6), undefined);
    store.observe(labels, t + 9, 5);
    assert.equal(store.zScore(labels, t, 5)!.z, 0);
    assert.ok(store.zScore(labels, t, 6)!.z > 1e6);
  });

  it('keeps only the configured weeks, in a ring', () => {
    const store = new BaselineStore({ weeks: 2, minSamples: 2 });
    const monday = sec('2024-01-01T09:00:00Z');
    const week = 7 * 86_400;
    for (const [w, v] of [
      [0, 0],
      [1, 10],
      [2, 20],
    ] as const) {
      store.observe(labels, monday + w * week, v);
      store.observe(labels, monday + w * week + 60, v);
    }
    assert.equal(
      store.baseline(labels, monday + 2 * week)!.mean,
      15,
      'weeks 1 and 2; week 0 was overwritten',
    );
    assert.equal(store.baseline(labels, monday + 2 * week)!.n, 4);
    store.observe(labels, monday, 1000);
    assert.equal(
      store.baseline(labels, monday + 2 * week)!.mean,
      15,
      'a sample older than the ring is dropped',
    );
    assert.equal(store.baseline(labels, monday + 4 * week), undefined, 'and stale weeks do not count');
  });

  it('drops the least recently observed series beyond maxSeries', () => {
    const store = new BaselineStore({ maxSeries: 2 });
    store.observe('a', NOW, 1);
    store.observe('b', NOW, 1);
    store.observe('a', NOW, 1);
    store.observe('c', NOW, 1);
    assert.equal(store.size, 2);
    assert.equal(store.baseline('b', NOW), undefined);
    assert.ok(store.baseline('a', NOW));
  });
});

describe('anomalies', () => {
  const outlierAt = NOW - 20 * 60; // Wednesday 14:10, hour of week 62

  it('finds a planted 5σ point at its hour of the week, and nothing else', () => {
    const normal = normalSeries();
    const learnt = new BaselineStore();
    learnt.observeAll([normal], NOW - 3600);
    const b = learnt.baseline(labels, outlierAt)!;
    assert.equal(b.hourOfWeek, 62);
    assert.ok(b.n >= 36, 'three weeks of 12 samples an hour, plus this week');

    const planted: MetricSeries = {
      metric: labels,
      values: normal.values.map(([t, v]) => [t, t === outlierAt ? String(b.mean + 5 * b.stddev) : v]),
    };
    const found = detectAnomalies([planted], NOW);
    assert.equal(found.length, 1);
    const a = found[0]!;
    assert.equal(a.t, outlierAt);
    assert.equal(a.hourOfWeek, 62);
    assert.equal(a.key, seriesKey(labels));
    assert.deepEqual(a.labels, labels);
    assert.ok(Math.abs(a.z - 5) < 1e-9, String(a.z));

    assert.deepEqual(detectAnomalies([normal], NOW), []);
    assert.deepEqual(learnt.anomalies([normal], NOW), []);
    assert.equal(learnt.anomalies([planted], NOW).length, 1);
  });

  it('has a configurable threshold', () => {
    const normal = normalSeries(2);
    assert.ok(detectAnomalies([normal], NOW, { threshold: 0.5 }).length > 0);
  });
});

describe('persistence', () => {
  it('round-trips through JSON and a file', async () => {
    const store = new BaselineStore({ weeks: 3 });
    store.observeAll([normalSeries()]);
    const copy = BaselineStore.fromJSON(JSON.parse(JSON.stringify(store)));
    assert.equal(copy.weeks, 3);
    assert.equal(copy.size, 1);
    for (const t of [NOW, NOW - 86_400, NOW - 5 * 3600])
      assert.deepEqual(copy.baseline(labels, t), store.baseline(labels, t));

    const dir = await mkdtemp(join(tmpdir(), 'baselines-'));
    try {
      const file = join(dir, 'baselines.json');
      assert.equal((await loadBaselines(file)).size, 0, 'no file yet: an empty store');
      await saveBaselines(store, file);
      const json = JSON.parse(await readFile(file, 'utf8'));
      assert.equal(json.kind, 'kubilitics-baselines');
      assert.equal(json.version, 1);
      const loaded = await loadBaselines(file);
      assert.deepEqual(loaded.baseline(labels, NOW), store.baseline(labels, NOW));
      // Fewer weeks than the file holds: the newest are kept (14:00 .. 14:30 of this week, every 5 minutes).
      assert.equal(store.baseline(labels, NOW)!.n, 7 + 2 * 12);
      const shorter = await loadBaselines(file, { weeks: 1 });
      assert.equal(shorter.baseline(labels, NOW)!.n, 7);

      await writeFile(file, '{"kind":"something-else"}');
      await assert.rejects(loadBaselines(file), /not a kubilitics baselines file/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
