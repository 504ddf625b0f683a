import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@industriverse/kube';
import {
  fitLine,
  forecastAll,
  formatDuration,
  limitsFromObjects,
  rateOf,
  timeToExhaustion,
} from '../../src/analytics/index.ts';
import type { Sample } from '../../src/analytics/index.ts';
import type { MetricSeries } from '../../src/model/types.ts';

const NOW = Date.parse('2024-01-08T12:00:00Z') / 1000;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

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

/** Samples every `step` seconds over `span` seconds ending at NOW, of f(seconds before NOW). */
function line(span: number, step: number, f: (ago: number) => number): Sample[] {
  const out: Sample[] = [];
  for (let ago = span; ago >= 0; ago -= step) out.push([NOW - ago, f(ago)]);
  return out;
}

const series = (metric: Record<string, string>, samples: Sample[]): MetricSeries => ({
  metric,
  values: samples.map(([t, v]) => [t, String(v)]),
});

const constant = (metric: Record<string, string>, v: number): MetricSeries =>
  series(
    metric,
    line(3600, 600, () => v),
  );

describe('least squares', () => {
  it('recovers slope and the value at now of an exact line', () => {
    const fit = fitLine(
      line(3600, 60, (ago) => 1000 - 2 * ago),
      NOW,
    )!;
    assert.ok(Math.abs(fit.slope - 2) < 1e-9);
    assert.ok(Math.abs(fit.intercept - 1000) < 1e-6);
    assert.equal(fit.r2, 1);
    assert.equal(fit.n, 61);
  });

  it('gives no line for fewer than two distinct times', () => {
    assert.equal(fitLine([[NOW, 1]], NOW), undefined);
    assert.equal(
      fitLine(
        [
          [NOW, 1],
          [NOW, 2],
        ],
        NOW,
      ),
      undefined,
    );
  });
});

describe('timeToExhaustion', () => {
  it('is exact for memory growing 1 MiB a minute towards its limit', () => {
    // 400 MiB now, 512 MiB limit: 112 minutes left.
    const samples = line(3600, 30, (ago) => 400 * MiB - (ago / 60) * MiB);
    const r = timeToExhaustion(samples, 512 * MiB, NOW, '1h');
    assert.ok(Math.abs(r.seconds! - 112 * 60) < 1e-3, String(r.seconds));
    assert.ok(Math.abs(r.slope - MiB / 60) < 1e-6);
    assert.equal(r.r2, 1);
  });

  it('stays close through noise', () => {
    const rand = noise(7);
    // 10 GiB used, +100 MiB/h, limit 20 GiB: 102.4 h; noise of ±200 MiB.
    const samples = line(86_400, 300, (ago) => 10 * GiB - (ago / 3600) * 100 * MiB + rand() * 200 * MiB);
    const r = timeToExhaustion(samples, 20 * GiB, NOW, '1d');
    const expected = (10 * GiB) / ((100 * MiB) / 3600);
    assert.ok(Math.abs(r.seconds! - expected) / expected < 0.03, `${r.seconds} vs ${expected}`);
    assert.ok(r.r2 > 0.9 && r.r2 < 1);
  });

  it('is null when flat, decreasing or with too few samples', () => {
    assert.equal(
      timeToExhaustion(
        line(3600, 60, () => 5),
        10,
        NOW,
        '1h',
      ).seconds,
      null,
    );
    assert.equal(
      timeToExhaustion(
        line(3600, 60, (ago) => 5 + ago / 3600),
        10,
        NOW,
        '1h',
      ).seconds,
      null,
    );
    const two = line(60, 60, (ago) => 5 - ago);
    assert.equal(timeToExhaustion(two, 10, NOW, '1h').seconds, null);
    assert.equal(timeToExhaustion(two, 10, NOW, '1h', { minSamples: 2 }).n, 2);
    assert.notEqual(timeToExhaustion(two, 10, NOW, '1h', { minSamples: 2 }).seconds, null);
    assert.equal(timeToExhaustion([], 10, NOW, '1h').seconds, null);
  });

  it('fits only the window: flat for days, rising for the last hour', () => {
    const samples = line(7 * 86_400, 60, (ago) => (ago > 3600 ? 100 : 100 + (3600 - ago) / 36));
    // The last hour climbs 100 units/h from 100 to 200: 800 more to the 1000 limit is 8 h.
    const hour = timeToExhaustion(samples, 1000, NOW, '1h');
    assert.ok(Math.abs(hour.seconds! - 8 * 3600) < 1);
    const week = timeToExhaustion(samples, 1000, NOW, '1w');
    assert.ok(week.seconds! > 30 * 86_400, 'a week of flat usage barely moves the line');
    assert.ok(week.r2 < 0.5);
    // A window in seconds works like a named one.
    assert.deepEqual(timeToExhaustion(samples, 1000, NOW, 3600), hour);
  });

  it('forecasts free space falling to zero', () => {
    // 10 GiB free, 1 GiB less every hour: 10 h.
    const samples = line(3 * 3600, 300, (ago) => 10 * GiB + (ago / 3600) * GiB);
    const r = timeToExhaustion(samples, 0, NOW, '1d', { direction: 'falling' });
    assert.ok(Math.abs(r.seconds! - 36_000) < 1e-3);
    assert.equal(timeToExhaustion(samples, 0, NOW, '1d').seconds, null, 'rising: never');
  });

  it('is 0 once the line is past the limit', () => {
    const r = timeToExhaustion(
      line(600, 60, (ago) => 600 - ago / 60),
      500,
      NOW,
      '1h',
    );
    assert.equal(r.seconds, 0);
  });
});

describe('forecastAll', () => {
  const pod = { namespace: 'shop', pod: 'api-7d9f-abcde', container: 'api' };
  const limitSeries = constant(
    { __name__: 'kube_pod_container_resource_limits', ...pod, resource: 'memory', unit: 'byte' },
    512 * MiB,
  );
  /** Working set that reaches 512 MiB exactly `left` seconds after NOW, 1 MiB/min. */
  const leaking = (left: number, metric = 'container_memory_working_set_bytes') =>
    series(
      { __name__: metric, ...pod },
      line(3600, 60, (ago) => 512 * MiB - ((left + ago) / 60) * MiB),
    );

  it('warns when a container will reach its memory limit within 24 h, with the pod and container', () => {
    const { warnings, forecasts } = forecastAll([leaking(3 * 3600), limitSeries], undefined, NOW);
    assert.equal(forecasts.length, 1);
    assert.equal(warnings.length, 1);
    const w = warnings[0]!;
    assert.equal(w.kind, 'exhaustion');
    assert.equal(w.resource, 'memory');
    assert.deepEqual(w.ref, { kind: 'Pod', namespace: 'shop', name: 'api-7d9f-abcde' });
    assert.equal(w.container, 'api');
    assert.equal(w.limit, 512 * MiB);
    assert.equal(w.limitSource, 'kube_pod_container_resource_limits');
    assert.ok(Math.abs(w.secondsToExhaustion - 3 * 3600) < 1e-3);
    assert.match(
      w.summary,
      /memory of Pod shop\/api-7d9f-abcde container api grows by 60 MiB\/h over the last 1h \(332 MiB of 512 MiB, r²=1\.00\)/,
    );
    assert.match(w.summary, /exhausted in 3h/);
  });

  it('warns just under the 24 h threshold and not just over it', () => {
    const under = forecastAll([leaking(86_400 - 60), limitSeries], undefined, NOW);
    assert.equal(under.warnings.length, 1);
    const over = forecastAll([leaking(86_400 + 60), limitSeries], undefined, NOW);
    assert.equal(over.warnings.length, 0);
    assert.ok(Math.abs(over.forecasts[0]!.windows['1h']!.seconds! - (86_400 + 60)) < 1e-3);
    const wider = forecastAll([leaking(86_400 + 60), limitSeries], undefined, NOW, {
      warnSeconds: 2 * 86_400,
    });
    assert.equal(wider.warnings.length, 1);
  });

  it('reads one metric per container, the working set first', () => {
    const usage = leaking(3600, 'container_memory_usage_bytes');
    const { forecasts, warnings } = forecastAll([usage, leaking(5 * 3600), limitSeries], undefined, NOW);
    assert.equal(forecasts.length, 1);
    assert.equal(forecasts[0]!.metric, 'container_memory_working_set_bytes');
    assert.ok(Math.abs(warnings[0]!.secondsToExhaustion - 5 * 3600) < 1e-3);
  });

  it('takes limits from the pod spec when the metrics carry none', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { namespace: 'shop', name: 'api-7d9f-abcde' },
        spec: { containers: [{ name: 'api', resources: { limits: { memory: '512Mi', cpu: '500m' } } }] },
      },
    ];
    assert.equal(
      forecastAll([leaking(3600)], undefined, NOW).forecasts.length,
      0,
      'no limit: nothing to forecast',
    );
    const { warnings } = forecastAll([leaking(3600)], limitsFromObjects(objects), NOW);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.limitSource, 'given');
    assert.ok(Math.abs(warnings[0]!.secondsToExhaustion - 3600) < 1e-3);
  });

  it('takes node allocatable (matched by address) and PVC capacity from the objects', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'worker-1' },
        status: { addresses: [{ type: 'InternalIP', address: '10.0.0.7' }], allocatable: { memory: '8Gi' } },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { namespace: 'shop', name: 'data' },
        status: { capacity: { storage: '10Gi' } },
      },
    ];
    const { forecasts } = forecastAll(
      [
        constant({ __name__: 'memory_usage', instance: '10.0.0.7:9100' }, 4 * GiB),
        constant(
          { __name__: 'kubelet_volume_stats_used_bytes', namespace: 'shop', persistentvolumeclaim: 'data' },
          GiB,
        ),
      ],
      limitsFromObjects(objects),
      NOW,
    );
    assert.deepEqual(
      forecasts.map((f) => [f.ref?.kind, f.capacity]),
      [
        ['PersistentVolumeClaim', 10 * GiB],
        ['Node', 8 * GiB],
      ],
    );
  });

  it('says exhausted when usage already sits at the limit', () => {
    const full = series(
      { __name__: 'memory_usage', ...pod },
      line(3600, 60, () => 512 * MiB),
    );
    const { warnings } = forecastAll([full, limitSeries], undefined, NOW);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.secondsToExhaustion, 0);
    assert.match(warnings[0]!.summary, /is exhausted/);
  });

  it('ignores noise with no trend', () => {
    const rand = noise(3);
    const jitter = series(
      { __name__: 'container_memory_working_set_bytes', ...pod },
      line(86_400, 60, () => 300 * MiB + rand() * 50 * MiB),
    );
    assert.equal(forecastAll([jitter, limitSeries], undefined, NOW).warnings.length, 0);
  });

  it('warns on a volume filling up only once its free space is low (kubernetes-mixin style)', () => {
    const pvc = { namespace: 'shop', persistentvolumeclaim: 'data-postgres-0' };
    const capacity = constant({ __name__: 'kubelet_volume_stats_capacity_bytes', ...pvc }, 100 * GiB);
    // 1 GiB less free space every hour: `free` GiB now, so `free` hours left.
    const available = (free: number) =>
      series(
        { __name__: 'kubelet_volume_stats_available_bytes', ...pvc },
        line(6 * 3600, 300, (ago) => free * GiB + (ago / 3600) * GiB),
      );
    const half = forecastAll([available(20), capacity], undefined, NOW, { diskFreeRatio: 0.15 });
    assert.equal(half.warnings.length, 0, '20 % free is not low yet');
    const low = forecastAll([available(10), capacity], undefined, NOW, { diskFreeRatio: 0.15 });
    assert.equal(low.warnings.length, 1);
    const w = low.warnings[0]!;
    assert.deepEqual(w.ref, { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data-postgres-0' });
    assert.equal(w.direction, 'falling');
    assert.equal(w.capacity, 100 * GiB);
    assert.ok(Math.abs(w.secondsToExhaustion - 10 * 3600) < 1e-3);
    assert.match(w.summary, /shrinks by 1\.0 GiB\/h/);
    // Default threshold: 40 % free.
    assert.equal(forecastAll([available(20), capacity], undefined, NOW).warnings.length, 1);
  });

  it('forecasts node filesystems from node-exporter series', () => {
    const fs = { instance: '10.0.0.7:9100', device: '/dev/sda1', mountpoint: '/', fstype: 'ext4' };
    const { warnings } = forecastAll(
      [
        series(
          { __name__: 'node_filesystem_avail_bytes', ...fs },
          line(3600, 60, (ago) => 5 * GiB + (ago / 3600) * GiB),
        ),
        constant({ __name__: 'node_filesystem_size_bytes', ...fs }, 50 * GiB),
      ],
      undefined,
      NOW,
    );
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]!.ref, { kind: 'Node', name: '10.0.0.7' });
    assert.ok(Math.abs(warnings[0]!.secondsToExhaustion - 5 * 3600) < 1e-3);
  });

  it('forecasts node CPU against allocatable and turns CPU counters into rates', () => {
    const node = { node: 'worker-2' };
    const cpu = series(
      { __name__: 'cpu_usage', ...node },
      line(86_400, 600, (ago) => 3.5 - ago / 86_400),
    );
    const allocatable = constant({ __name__: 'kube_node_status_allocatable', ...node, resource: 'cpu' }, 4);
    const { warnings } = forecastAll([cpu, allocatable], undefined, NOW);
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]!.ref, { kind: 'Node', name: 'worker-2' });
    assert.ok(Math.abs(warnings[0]!.secondsToExhaustion - 43_200) < 1e-3, 'half a core left at a core a day');

    // A counter climbing at a steady 0.5 cores: flat usage, forecast but no warning.
    const counter = series(
      { __name__: 'container_cpu_usage_seconds_total', ...pod },
      line(3600, 60, (ago) => 0.5 * (3600 - ago)),
    );
    const cpuLimit = constant({ __name__: 'kube_pod_container_resource_limits', ...pod, resource: 'cpu' }, 1);
    const steady = forecastAll([counter, cpuLimit], undefined, NOW);
    assert.equal(steady.warnings.length, 0);
    assert.equal(steady.forecasts.length, 1);
    assert.ok(Math.abs(steady.forecasts[0]!.current - 0.5) < 1e-9);
    assert.equal(steady.forecasts[0]!.windows['1h']!.seconds, null);
  });

  it('warns when a container is CPU-throttled most of the time', () => {
    const periods = series(
      { __name__: 'container_cpu_cfs_periods_total', ...pod },
      line(3600, 60, (ago) => 10 * (3600 - ago)),
    );
    const throttled = (ratio: number) =>
      series(
        { __name__: 'container_cpu_cfs_throttled_periods_total', ...pod },
        line(3600, 60, (ago) => ratio * 10 * (3600 - ago)),
      );
    assert.equal(forecastAll([periods, throttled(0.1)], undefined, NOW).warnings.length, 0);
    const { warnings } = forecastAll([periods, throttled(0.6)], undefined, NOW);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.kind, 'throttling');
    assert.ok(Math.abs(warnings[0]!.current - 0.6) < 1e-9);
    assert.match(warnings[0]!.summary, /60% of CFS periods throttled/);
  });

  it('puts the soonest warning first', () => {
    const other = { namespace: 'shop', pod: 'cart-1', container: 'cart' };
    const { warnings } = forecastAll(
      [
        leaking(5 * 3600),
        limitSeries,
        series(
          { __name__: 'memory_usage', ...other },
          line(3600, 60, (ago) => 100 - (3600 + ago) / 60),
        ),
        constant({ __name__: 'memory_limit', ...other }, 100),
      ],
      undefined,
      NOW,
    );
    assert.deepEqual(
      warnings.map((w) => w.ref?.name),
      ['cart-1', 'api-7d9f-abcde'],
    );
  });
});

describe('helpers', () => {
  it('rates counters across resets', () => {
    assert.deepEqual(
      rateOf([
        [0, 0],
        [10, 50],
        [20, 5],
      ]),
      [
        [10, 5],
        [20, 0.5],
      ],
    );
  });

  it('formats durations', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(3 * 3600 + 125), '3h 2m');
    assert.equal(formatDuration(2 * 86_400 + 7200), '2d 2h');
  });
});
