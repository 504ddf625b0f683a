// The rendered Prometheus configuration passes the real `promtool check config` (Debian
// `prometheus`), with the credential files it names in place. Loki has no Debian package, so its
// configuration is checked as YAML with the expected keys (unit tests).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { writeRendered } from '../../src/render/files.ts';
import { renderObservability } from '../../src/render/observability.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'kubedos-observability-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', ['check', 'config', ...args]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Renders into a fresh folder; returns the observability folder (where prometheus.yml lives). */
async function render(name: string, spec: ClusterSpec, credentials: boolean): Promise<string> {
  const dir = path.join(root, name);
  await writeRendered(dir, renderObservability(spec));
  const obs = path.join(dir, 'observability');
  if (credentials) {
    mkdirSync(path.join(obs, 'secrets'));
    writeFileSync(path.join(obs, 'secrets/kubernetes-ca.crt'), '');
    writeFileSync(path.join(obs, 'secrets/kubernetes-token'), 'token\n');
  }
  return obs;
}

test('promtool accepts the seed configuration, credential files included', async () => {
  const obs = await render('seed', seedSpec(), true);
  const result = await promtool(path.join(obs, 'prometheus.yml'));
  assert.ok(result.ok, result.output);
  assert.match(result.output, /SUCCESS/);
});

test('promtool accepts a 100-node configuration', async () => {
  const obs = await render('n100', generatedSpec(100), true);
  const result = await promtool(path.join(obs, 'prometheus.yml'));
  assert.ok(result.ok, result.output);
});

test('the credential files are the only missing pieces of a fresh render', async () => {
  const obs = await render('fresh', seedSpec(), false);
  const file = path.join(obs, 'prometheus.yml');
  assert.ok((await promtool('--syntax-only', file)).ok);
  const full = await promtool(file);
  assert.equal(full.ok, false);
  assert.match(full.output, /secrets\/kubernetes-token/);
});

test('promtool rejects a broken configuration (the check is effective)', async () => {
  const obs = await render('broken', seedSpec(), true);
  const file = path.join(obs, 'prometheus.yml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(/scrape_interval: "?30s"?/, 'scrape_interval: thirty'),
  );
  assert.equal((await promtool(file)).ok, false);
});

test('Grafana datasources and Loki configuration parse as YAML', async () => {
  const obs = await render('yaml', seedSpec(), false);
  const ds = parse(readFileSync(path.join(obs, 'grafana/datasources.yaml'), 'utf8')) as {
    apiVersion: number;
  };
  assert.equal(ds.apiVersion, 1);
  const loki = parse(readFileSync(path.join(obs, 'loki.yaml'), 'utf8')) as Record<string, unknown>;
  assert.ok(loki.server && loki.common && loki.schema_config);
});
