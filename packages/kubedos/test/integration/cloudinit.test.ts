// Every rendered user-data passes the real `cloud-init schema` (Debian `cloud-init`; older releases
// spell it `cloud-init devel schema`), before and after stage 1 fills its placeholders; the firstboot
// script it carries is shellcheck-clean (seed §19.2).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { renderCloudInit } from '../../src/render/cloudinit.ts';
import { writeRendered } from '../../src/render/files.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'kubedos-cloudinit-'));
after(() => rmSync(root, { recursive: true, force: true }));

let schemaCommand: string[];
before(async () => {
  for (const candidate of [['schema'], ['devel', 'schema']]) {
    try {
      await run('cloud-init', [...candidate, '--help']);
      schemaCommand = candidate;
      return;
    } catch {
      // try the older spelling
    }
  }
  throw new Error('cloud-init has neither `schema` nor `devel schema`');
});

async function check(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('cloud-init', [...schemaCommand, '--config-file', file]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function renderTo(name: string, spec: ClusterSpec): Promise<string> {
  const dir = path.join(root, name);
  await writeRendered(dir, renderCloudInit(spec));
  return dir;
}

test('cloud-init schema accepts every node of the seed', async () => {
  const spec = seedSpec();
  const dir = await renderTo('seed', spec);
  for (const node of spec.spec.nodes.inventory) {
    const result = await check(path.join(dir, 'cloud-init', node.name, 'user-data'));
    assert.ok(result.ok, `${node.name}: ${result.output}`);
    assert.match(result.output, /Valid cloud-config/);
  }
});

test('with placeholders filled (a key, a token) and password auth on, user-data stays valid', async () => {
  const spec = generatedSpec(6);
  spec.spec.security.ssh.passwordAuth = true;
  const dir = await renderTo('filled', spec);
  const file = path.join(dir, 'cloud-init/w-1/user-data');
  const filled = readFileSync(file, 'utf8')
    .replace(
      '${SSH_AUTHORIZED_KEY_OPS}',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv0c3QKa2V5Zm9ydGVzdHM ops@example',
    )
    .replace('${KUBEDOS_ENROLLMENT_TOKEN}', 'enroll-0123456789abcdef');
  writeFileSync(file, filled);
  const result = await check(file);
  assert.ok(result.ok, result.output);
});

test('cloud-init schema rejects a broken document (the check is effective)', async () => {
  const dir = await renderTo('broken', seedSpec());
  const file = path.join(dir, 'cloud-init/cp-1/user-data');
  writeFileSync(file, readFileSync(file, 'utf8').replace('package_update: false', 'package_update: 5'));
  assert.equal((await check(file)).ok, false);
});

test('the firstboot script is shellcheck-clean', async () => {
  const dir = await renderTo('script', seedSpec());
  const doc = parse(readFileSync(path.join(dir, 'cloud-init/cp-1/user-data'), 'utf8')) as {
    write_files: { path: string; content: string }[];
  };
  const script = path.join(dir, 'kubedos-firstboot');
  writeFileSync(script, doc.write_files.find((f) => f.path === '/usr/local/sbin/kubedos-firstboot')!.content);
  await run('shellcheck', [script]);
  await run('bash', ['-n', script]);
});
