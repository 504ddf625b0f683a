// Interop with the reference tools: openssl checks capsule signatures (key file and SoftHSM via
// PKCS#11), capsule verify accepts signatures made by openssl in archives made by GNU tar, and
// cosign verifies the exported Sigstore bundle with no network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createSoftHsmToken, ensureCosign, offlineEnv } from '@industriverse/testenv';
import { generateKeyPair } from '@industriverse/trust';
import { MANIFEST } from '../fixtures.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const OFFLINE = offlineEnv();
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capsule-interop-'));
  const src = join(dir, 'src');
  await mkdir(join(src, 'scripts'), { recursive: true });
  await writeFile(join(src, 'capsule.json'), JSON.stringify(MANIFEST));
  await writeFile(join(src, 'run.sh'), '#!/bin/sh\necho hello\n');
  await chmod(join(src, 'run.sh'), 0o755);
  await writeFile(join(src, 'scripts', 'healthcheck.sh'), 'exit 0\n');
});
after(() => rm(dir, { recursive: true, force: true }));

async function capsule(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: dir, env: process.env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function sh(script: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: dir, env: OFFLINE });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** openssl's verdict on the signature.sig of `file`, extracted with GNU tar. */
async function opensslVerifies(file: string, pub: string): Promise<{ ok: boolean; output: string }> {
  const out = join(dir, `x-${Date.now()}`);
  await mkdir(out);
  return sh(
    `tar -xzf ${file} -C ${out} checksum.sha256 signature.sig && ` +
      `openssl dgst -sha256 -verify ${pub} -signature <(base64 -d ${out}/signature.sig) ${out}/checksum.sha256`,
  );
}

test('openssl verifies a capsule packed with a key file; GNU tar lists it', async () => {
  const kg = await capsule(['keygen', '--out-dir', 'keys', '--json']);
  assert.equal(kg.code, 0, kg.stderr);
  const pack = await capsule(['pack', 'src', '--out', 'file.tar.gz', '--key', 'keys/capsule.key', '--json']);
  assert.equal(pack.code, 0, pack.stderr);
  const v = await opensslVerifies('file.tar.gz', 'keys/capsule.pub');
  assert.ok(v.ok, v.output);
  assert.match(v.output, /Verified OK/);
  const list = await sh('tar -tzvf file.tar.gz');
  assert.ok(list.ok, list.output);
  assert.match(list.output, /0\/0 .* 1970-01-01 00:00 run\.sh/);
});

test('openssl verifies a capsule packed with SoftHSM through --pkcs11-uri', async () => {
  const token = await createSoftHsmToken({
    dir: join(dir, 'hsm'),
    label: 'capsule-test',
    pin: '1234',
    soPin: '5678',
  });
  const pair = generateKeyPair('ecdsa-p256');
  await writeFile(join(dir, 'hsm.pub'), pair.publicKeyPem);
  const uri = await token.importKey({ privateKeyPem: pair.privateKeyPem, label: 'signing', id: '01' });
  const pack = await capsule(['pack', 'src', '--out', 'hsm.tar.gz', '--pkcs11-uri', uri]);
  assert.equal(pack.code, 0, pack.stderr);
  const v = await opensslVerifies('hsm.tar.gz', 'hsm.pub');
  assert.ok(v.ok, v.output);
  const verify = await capsule(['verify', 'hsm.tar.gz', '--key', 'hsm.pub', '--json']);
  assert.equal(verify.code, 0, verify.stdout);
  // Re-signing a key-file capsule with the HSM.
  const sign = await capsule(['sign', 'file.tar.gz', '--pkcs11-uri', uri, '--out', 'resigned.tar.gz']);
  assert.equal(sign.code, 0, sign.stderr);
  assert.ok((await opensslVerifies('resigned.tar.gz', 'hsm.pub')).ok);
});

test('capsule verify accepts a signature made by openssl in an archive made by GNU tar', async () => {
  const pair = generateKeyPair('ecdsa-p256');
  await writeFile(join(dir, 'ossl.key'), pair.privateKeyPem);
  await writeFile(join(dir, 'ossl.pub'), pair.publicKeyPem);
  const made = await sh(
    'rm -rf ossl && cp -r src ossl && cd ossl && ' +
      'find . -type f ! -name checksum.sha256 ! -name signature.sig | sed "s|^\\./||" | LC_ALL=C sort | xargs sha256sum > checksum.sha256 && ' +
      'openssl dgst -sha256 -sign ../ossl.key checksum.sha256 | base64 > signature.sig && ' +
      'tar -czf ../ossl.tar.gz .',
  );
  assert.ok(made.ok, made.output);
  const verify = await capsule(['verify', 'ossl.tar.gz', '--key', 'ossl.pub', '--json']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const result = JSON.parse(verify.stdout) as { ok: boolean; manifest: { name: string }; digest: string };
  assert.equal(result.ok, true);
  assert.equal(result.manifest.name, 'demo');
  const wrong = await capsule(['verify', 'ossl.tar.gz', '--key', 'keys/capsule.pub', '--json']);
  assert.equal(wrong.code, 1);
  assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'SIGNATURE_INVALID');
});

test('cosign verify-blob accepts the exported bundle over checksum.sha256, offline', async () => {
  const cosign = await ensureCosign();
  for (const algorithm of ['ecdsa-p256', 'ed25519']) {
    const kg = await capsule([
      'keygen',
      '--private',
      `${algorithm}.key`,
      '--public',
      `${algorithm}.pub`,
      '--algorithm',
      algorithm,
    ]);
    assert.equal(kg.code, 0, kg.stderr);
    const file = `cosign-${algorithm}.tar.gz`;
    assert.equal((await capsule(['pack', 'src', '--out', file, '--key', `${algorithm}.key`])).code, 0);
    const b = await capsule([
      'bundle',
      file,
      '--out',
      `${algorithm}.bundle.json`,
      '--checksum-out',
      `${algorithm}.checksum.sha256`,
    ]);
    assert.equal(b.code, 0, b.stderr);
    const bundle = JSON.parse(await readFile(join(dir, `${algorithm}.bundle.json`), 'utf8')) as {
      mediaType: string;
    };
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const args = `verify-blob --key ${algorithm}.pub --bundle ${algorithm}.bundle.json --insecure-ignore-tlog`;
    const good = await sh(`${cosign} ${args} ${algorithm}.checksum.sha256`);
    assert.ok(good.ok, good.output);
    assert.match(good.output, /Verified OK/);
    await writeFile(
      join(dir, 'tampered'),
      Buffer.concat([await readFile(join(dir, `${algorithm}.checksum.sha256`)), Buffer.from('x')]),
    );
    assert.equal((await sh(`${cosign} ${args} tampered`)).ok, false);
  }
});
