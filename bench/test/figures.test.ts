import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  figures,
  median,
  percentile,
  ratios,
  renderTable,
  resultLine,
  type Measurement,
} from '../runtime/figures.ts';

const measurement = (wallMs: number[], cpuSeconds: number, memory?: Measurement['memory']): Measurement => ({
  objects: 1000,
  rounds: wallMs.map((w) => ({
    wallMs: w,
    latenciesMs: Array.from({ length: 100 }, (_, i) => i + 1),
    cpuSeconds,
    rssBytes: 100 * 2 ** 20,
  })),
  ...(memory ? { memory } : {}),
});

test('percentile is nearest-rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('figures are medians over rounds, memory from the memory phase', () => {
  const f = figures(
    measurement([4000, 2000, 3000], 0.5, {
      rssBytesSmall: 50_000_000,
      rssBytesLarge: 95_000_000,
      objectsLarge: 10_000,
    }),
  );
  assert.deepEqual(f, {
    wall_seconds: 3,
    reconciles_per_second: 333.3,
    latency_ms: { p50: 50, p99: 99 },
    cpu_seconds_per_1000: 0.5,
    rss_bytes_5k: 50_000_000,
    rss_bytes_50k: 95_000_000,
    bytes_per_object: 5000,
  });
});

test('without a memory phase, RSS is the rounds median and bytes per object is null', () => {
  const f = figures(measurement([1000], 1));
  assert.equal(f.rss_bytes_5k, 100 * 2 ** 20);
  assert.equal(f.rss_bytes_50k, null);
  assert.equal(f.bytes_per_object, null);
  assert.equal(ratios(f, f).bytes_per_object, null);
});

test('ratios are ours over controller-runtime, and the last line has the agreed shape', () => {
  const mem = (large: number) => ({ rssBytesSmall: 0, rssBytesLarge: large, objectsLarge: 2000 });
  const ours = figures(measurement([2000], 0.6, mem(3_000_000)));
  const peer = figures(measurement([1000], 0.4, mem(2_000_000)));
  assert.deepEqual(ratios(ours, peer), { throughput: 0.5, cpu_per_reconcile: 1.5, bytes_per_object: 1.5 });
  const line = JSON.parse(resultLine(1000, ours, peer));
  assert.deepEqual(Object.keys(line), ['bench', 'objects', 'ours', 'controller_runtime', 'ratios']);
  assert.equal(line.bench, 'runtime');
  assert.deepEqual(Object.keys(line.ours), [
    'wall_seconds',
    'reconciles_per_second',
    'latency_ms',
    'cpu_seconds_per_1000',
    'rss_bytes_5k',
    'rss_bytes_50k',
    'bytes_per_object',
  ]);
  const table = renderTable(1000, 2000, ours, peer);
  assert.match(table, /reconciles\/s .* 0\.50x +>= 1\.0x MISSED/);
  assert.match(table, /CPU s \/ 1000 reconciles .* 1\.50x +<= 1\.5x met/);
  assert.doesNotMatch(renderTable(1000, undefined, ours, peer), /bytes \/ cached object/);
});
