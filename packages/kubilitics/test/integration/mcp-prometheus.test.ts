// get_metrics against a real Prometheus: samples written as TSDB blocks with promtool, served by
// prometheus on loopback, read back through the abstract metric names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorldModel } from '../../src/model/world.ts';
import { connect } from '../fixtures/mcp-world.ts';

const run = promisify(execFile);
const available = await run('promtool', ['--version']).then(
  () => true,
  () => false,
);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

test(
  'get_metrics reads memory and CPU from Prometheus',
  { skip: !available && 'prometheus is not installed' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubilitics-prom-'));
    // Prometheus keeps 15 days: the samples end at the current minute.
    const now = Math.floor(Date.now() / 60_000) * 60;
    const lines = ['# TYPE container_memory_working_set_bytes gauge'];
    for (let i = 0; i <= 120; i++)
      lines.push(
        `container_memory_working_set_bytes{namespace="pay",pod="api-1",container="api"} ${100_000_000 + i * 1_000_000} ${now - 1800 + i * 15}`,
      );
    lines.push('# TYPE container_cpu_usage_seconds_total counter');
    for (let i = 0; i <= 120; i++)
      lines.push(
        `container_cpu_usage_seconds_total{namespace="pay",pod="api-1",container="api"} ${i * 7.5} ${now - 1800 + i * 15}`,
      );
    lines.push('# EOF');
    await writeFile(join(dir, 'data.om'), `${lines.join('\n')}\n`);
    await run('promtool', [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      join(dir, 'data.om'),
      join(dir, 'tsdb'),
    ]);
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    const port = await freePort();
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; ; i++) {
        const ready = await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) break;
        if (i > 100) throw new Error('prometheus did not become ready');
        await new Promise((r) => setTimeout(r, 100));
      }
      const world = new WorldModel({ now: new Date(now * 1000) });
      world.upsert({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'api-1', namespace: 'pay' },
        spec: { containers: [{ name: 'api' }] },
      });
      const s = await connect(world, { prometheusUrl: url });
      const mem = await s.call('get_metrics', { query: 'memory_usage', pod: 'api-1', time_window: '30m' });
      assert.equal(mem.isError, false, mem.text);
      assert.equal(mem.json.source, 'prometheus');
      const [series] = mem.json.series;
      assert.deepEqual(series.labels, { container: 'api', namespace: 'pay', pod: 'api-1' });
      assert.equal(series.stats.last, 220_000_000);
      assert.ok(
        Math.abs(series.stats.trend_per_hour - 240_000_000) < 1_000_000,
        String(series.stats.trend_per_hour),
      );
      assert.ok(series.points.length <= 30);
      const cpu = await s.call('get_metrics', {
        query: 'cpu_usage',
        namespace: 'pay',
        time_window: '30m',
        summary: true,
      });
      assert.equal(cpu.json.series[0].stats.last, 0.5);
      const none = await s.call('get_metrics', { query: 'memory_usage', namespace: 'elsewhere' });
      assert.equal(none.json.total, 0);
      await s.close();
    } finally {
      prometheus.kill();
      await new Promise((r) => prometheus.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  },
);
