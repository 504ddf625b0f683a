// `kaas dev`: the commands, their JSON and their exit codes, on a real control plane.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = join(mkdtempSync(join(tmpdir(), 'kaas-cli-')), 'dev');
const kaas = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 120_000 });

after(() => {
  kaas('dev', 'down', '--dir', dir);
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

test('bad usage exits 2 and names the problem', () => {
  const r = kaas('dev', 'up', '--nodes', 'many');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--nodes.*must be a whole number/);
  assert.equal(kaas('dev', 'sideways').status, 2);
});

test('dev up --detach, kubectl, status and down', () => {
  const up = kaas('dev', 'up', '--nodes', '1', '--detach', '--json', '--dir', dir);
  assert.equal(up.status, 0, up.stderr);
  const info = JSON.parse(up.stdout) as { kubeconfig: string; server: string; pids: Record<string, number> };
  assert.equal(info.kubeconfig, join(dir, 'kubeconfig'));
  assert.match(info.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(existsSync(info.kubeconfig));

  const again = kaas('dev', 'up', '--detach', '--dir', dir);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already running/);

  const nodes = kaas('dev', 'kubectl', '--dir', dir, '--', 'get', 'nodes', '-o', 'name');
  assert.equal(nodes.status, 0, nodes.stderr);
  assert.equal(nodes.stdout.trim(), 'node/kwok-node-0');

  const status = kaas('dev', 'status', '--json', '--dir', dir);
  assert.equal(status.status, 0);
  assert.equal((JSON.parse(status.stdout) as { running: boolean }).running, true);

  const down = kaas('dev', 'down', '--json', '--dir', dir);
  assert.equal(down.status, 0);
  assert.deepEqual(JSON.parse(down.stdout), { dir, stopped: true });
  assert.equal(existsSync(dir), false);
  for (const pid of Object.values(info.pids)) assert.throws(() => process.kill(pid, 0), /ESRCH/);

  const none = kaas('dev', 'down', '--dir', dir);
  assert.equal(none.status, 0);
  assert.match(none.stdout, /nothing running/);
});
