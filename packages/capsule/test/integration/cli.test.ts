// The format commands as a user runs them: exit codes (0 ok, 1 invalid, 2 bad usage), --json shapes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { capsuleEntries, MANIFEST, payload, tarGz } from '../fixtures.ts';
import { createPrivateKey } from 'node:crypto';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
let dir: string;

async function capsule(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capsule-cli-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'capsule.json'), JSON.stringify(MANIFEST));
  await writeFile(join(dir, 'src', 'run.sh'), '#!/bin/sh\n');
  await chmod(join(dir, 'src', 'run.sh'), 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

test('keygen writes a 0600 private key and refuses to overwrite it', async () => {
  const r = await capsule('keygen', '--out-dir', 'k', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { private: string; public: string; keyId: string; algorithm: string };
  assert.equal(out.algorithm, 'ecdsa-p256');
  assert.match(out.keyId, /^[0-9a-f]{64}$/);
  assert.equal((await stat(out.private)).mode & 0o777, 0o600);
  assert.match(await readFile(out.public, 'utf8'), /BEGIN PUBLIC KEY/);
  assert.equal((await capsule('keygen', '--out-dir', 'k')).code, 2);
  const ed = await capsule('keygen', '--private', 'ed.key', '--public', 'ed.pub', '--algorithm', 'ed25519');
  assert.equal(ed.code, 0, ed.stderr);
  assert.equal((await capsule('keygen', '--algorithm', 'rsa')).code, 2);
});

test('pack, verify --json, inspect --json, sign, bundle', async () => {
  const pack = await capsule('pack', 'src', '--out', 'c.tar.gz', '--key', 'k/capsule.key', '--json');
  assert.equal(pack.code, 0, pack.stderr);
  const packed = JSON.parse(pack.stdout) as { digest: string };
  const v = await capsule('verify', 'c.tar.gz', '--key', 'ed.pub', '--key', 'k/capsule.pub', '--json');
  assert.equal(v.code, 0, v.stdout);
  const result = JSON.parse(v.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(result).sort(), ['digest', 'manifest', 'ok']);
  assert.equal(result.ok, true);
  assert.equal(result.digest, packed.digest);
  const human = await capsule('verify', 'c.tar.gz', '--key', 'k/capsule.pub');
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^OK demo 1\.0\.0/);

  const info = await capsule('inspect', 'c.tar.gz', '--json');
  assert.equal(info.code, 0, info.stderr);
  const inspected = JSON.parse(info.stdout) as {
    manifest: { name: string };
    files: unknown[];
    signer: { keyId: string };
  };
  assert.equal(inspected.manifest.name, 'demo');
  assert.equal(inspected.files.length, 2);
  assert.match(inspected.signer.keyId, /^[0-9a-f]{64}$/);

  assert.equal((await capsule('sign', 'c.tar.gz', '--key', 'ed.key', '--out', 'ed.tar.gz')).code, 0);
  assert.equal((await capsule('verify', 'ed.tar.gz', '--key', 'ed.pub')).code, 0);
  assert.equal((await capsule('verify', 'ed.tar.gz', '--key', 'k/capsule.pub')).code, 1);
  const b = await capsule('bundle', 'c.tar.gz', '--json');
  assert.equal(b.code, 0, b.stderr);
  assert.equal((JSON.parse(b.stdout) as { bundle: string }).bundle, 'c.sigstore.json');
});

test('verify: exit 1 with exactly one error code; limit flags', async () => {
  const key = createPrivateKey(await readFile(join(dir, 'k', 'capsule.key'), 'utf8'));
  await writeFile(
    join(dir, 'bad.tar.gz'),
    await tarGz(
      capsuleEntries(payload(), key, { extra: [{ name: 'ln', type: 'symlink', linkname: '/etc' }] }),
    ),
  );
  const r = await capsule('verify', 'bad.tar.gz', '--key', 'k/capsule.pub', '--json');
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as {
    ok: boolean;
    error: { code: string; message: string; path: string };
    digest: string;
  };
  assert.equal(out.ok, false);
  assert.deepEqual(Object.keys(out.error).sort(), ['code', 'message', 'path']);
  assert.equal(out.error.code, 'LINK_NOT_ALLOWED');
  assert.match(out.digest, /^sha256:[0-9a-f]{64}$/);
  const limited = await capsule(
    'verify',
    'c.tar.gz',
    '--key',
    'k/capsule.pub',
    '--max-entry-size',
    '10',
    '--json',
  );
  assert.equal(limited.code, 1);
  assert.equal((JSON.parse(limited.stdout) as { error: { code: string } }).error.code, 'SIZE_LIMIT');
});

test('bad usage exits 2: no file, no key, unreadable key or capsule, bad limits, both signers', async () => {
  assert.equal((await capsule('verify')).code, 2);
  assert.equal((await capsule('verify', 'c.tar.gz')).code, 2);
  assert.equal((await capsule('verify', 'c.tar.gz', '--key', 'missing.pub')).code, 2);
  assert.equal((await capsule('verify', 'c.tar.gz', '--key', 'k/capsule.key')).code, 2);
  assert.equal((await capsule('verify', 'missing.tar.gz', '--key', 'k/capsule.pub')).code, 2);
  assert.equal((await capsule('verify', 'c.tar.gz', '--key', 'k/capsule.pub', '--max-entries', 'x')).code, 2);
  assert.equal((await capsule('pack', 'src', '--out', 'x.tar.gz')).code, 2);
  assert.equal(
    (
      await capsule(
        'pack',
        'src',
        '--out',
        'x.tar.gz',
        '--key',
        'k/capsule.key',
        '--pkcs11-uri',
        'pkcs11:token=t',
      )
    ).code,
    2,
  );
  assert.equal((await capsule('pack', 'nowhere', '--key', 'k/capsule.key')).code, 2);
  assert.equal((await capsule('inspect', 'missing.tar.gz')).code, 2);
});

test('pack of an invalid folder exits 1 with the code', async () => {
  await mkdir(join(dir, 'broken'));
  await writeFile(join(dir, 'broken', 'capsule.json'), JSON.stringify({ ...MANIFEST, surprise: true }));
  const r = await capsule('pack', 'broken', '--out', 'b.tar.gz', '--key', 'k/capsule.key', '--json');
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(out.error.code, 'MANIFEST_INVALID');
  assert.match(out.error.message, /\/surprise/);
});
