import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { generateKeyPair, openSigner, readPublicKey, type KeyAlgorithm } from '@industriverse/trust';
import type { CapsuleError } from '../../src/errors.ts';
import { inspectCapsule } from '../../src/inspect.ts';
import { packCapsule, resignCapsule } from '../../src/pack.ts';
import { verifyCapsule } from '../../src/verify.ts';
import { MANIFEST } from '../fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'capsule-pack-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function sourceDir(manifest: object = MANIFEST): string {
  const dir = join(work, `src${n++}`);
  mkdirSync(join(dir, 'data', 'nested'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'capsule.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hello\n');
  chmodSync(join(dir, 'run.sh'), 0o700);
  writeFileSync(
    join(dir, 'data', 'nested', 'weights.bin'),
    Buffer.alloc(3 * 1024 * 1024 + 17, 1).map((_, i) => (i * 2654435761) >>> 24),
  );
  writeFileSync(join(dir, 'data', 'notes.txt'), 'some text '.repeat(1000));
  writeFileSync(join(dir, `${'long-name-'.repeat(12)}.txt`), 'long');
  return dir;
}

async function keys(algorithm: KeyAlgorithm) {
  const pair = generateKeyPair(algorithm);
  const file = join(work, `key${n++}.pem`);
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600 });
  return { signer: await openSigner({ key: file }), pub: readPublicKey(pair.publicKeyPem) };
}

for (const algorithm of ['ecdsa-p256', 'ed25519'] as const) {
  test(`pack → verify round trip (${algorithm})`, async () => {
    const { signer, pub } = await keys(algorithm);
    const out = join(work, `rt-${algorithm}.tar.gz`);
    const packed = await packCapsule(sourceDir(), { out, signer });
    const r = await verifyCapsule(out, { publicKeys: [pub], extract: true });
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    if (!r.ok) return;
    assert.equal(r.digest, packed.digest);
    assert.equal(r.keyId, signer.publicKey.keyId);
    assert.deepEqual(
      r.files.map((f) => f.path),
      [
        'capsule.json',
        'data/nested/weights.bin',
        'data/notes.txt',
        `${'long-name-'.repeat(12)}.txt`,
        'run.sh',
      ],
    );
    assert.equal(readFileSync(join(r.dir!, 'data', 'notes.txt'), 'utf8'), 'some text '.repeat(1000));
    rmSync(r.dir!, { recursive: true });
    const info = await inspectCapsule(out);
    assert.equal(info.signer?.keyId, pub.keyId);
    assert.equal(info.manifest?.name, 'demo');
  });
}

test('same inputs give byte-identical capsules (Ed25519); with ECDSA only the signature differs', async () => {
  const dir = sourceDir();
  const ed = await keys('ed25519');
  const a = join(work, 'det-a.tar.gz');
  const b = join(work, 'det-b.tar.gz');
  await packCapsule(dir, { out: a, signer: ed.signer });
  await packCapsule(sourceDir(), { out: b, signer: ed.signer });
  assert.deepEqual(readFileSync(a), readFileSync(b));
  // gzip header: no name, mtime 0, XFL 0, OS 255.
  assert.deepEqual([...readFileSync(a).subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

  const ec = await keys('ecdsa-p256');
  const c = gunzipSync(
    readFileSync((await packCapsule(dir, { out: join(work, 'det-c.tar.gz'), signer: ec.signer })).file),
  );
  const d = gunzipSync(
    readFileSync((await packCapsule(dir, { out: join(work, 'det-d.tar.gz'), signer: ec.signer })).file),
  );
  const signatureEntry = (tar: Buffer) => tar.lastIndexOf('signature.sig');
  assert.deepEqual(c.subarray(0, signatureEntry(c)), d.subarray(0, signatureEntry(d)));
  // The tar inside: owners 0, mtime 0, empty names, sorted entries, 0644/0755.
  const octal = (h: Buffer, at: number, len: number) =>
    parseInt(
      h
        .subarray(at, at + len)
        .toString('latin1')
        .trim() || '0',
      8,
    );
  const names: string[] = [];
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= c.length;) {
    const h = c.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    if (type === 'x') {
      paxPath = /^\d+ path=(.*)$/m.exec(c.subarray(at + 512, at + 512 + size).toString('utf8'))?.[1];
    } else {
      names.push(paxPath ?? h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, ''));
      paxPath = undefined;
      assert.deepEqual([octal(h, 108, 8), octal(h, 116, 8), octal(h, 136, 12)], [0, 0, 0]);
      assert.equal(h[265], 0);
      assert.equal(h[297], 0);
      const mode = octal(h, 100, 8);
      assert.ok(mode === 0o644 || mode === 0o755, `mode ${mode.toString(8)}`);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  assert.deepEqual(names.slice(0, 4), ['capsule.json', 'data/', 'data/nested/', 'data/nested/weights.bin']);
  assert.deepEqual(names.slice(-2), ['checksum.sha256', 'signature.sig']);
  assert.ok(names.includes('empty/'));
});

test('pack refuses symlinks, invalid manifests and a missing entrypoint; ignores generated files', async () => {
  const { signer } = await keys('ecdsa-p256');
  const out = join(work, 'refused.tar.gz');
  const linked = sourceDir();
  symlinkSync('/etc/passwd', join(linked, 'data', 'passwd'));
  await assert.rejects(
    packCapsule(linked, { out, signer }),
    (e: CapsuleError) => e.code === 'LINK_NOT_ALLOWED',
  );
  await assert.rejects(
    packCapsule(sourceDir({ ...MANIFEST, name: 'Not_DNS' }), { out, signer }),
    (e: CapsuleError) => e.code === 'MANIFEST_INVALID' && /\/name/.test(e.message),
  );
  await assert.rejects(
    packCapsule(sourceDir({ ...MANIFEST, entrypoint: 'nope.sh' }), { out, signer }),
    (e: CapsuleError) => e.code === 'ENTRYPOINT_MISSING',
  );
  const dir = sourceDir();
  writeFileSync(join(dir, 'checksum.sha256'), 'stale');
  writeFileSync(join(dir, 'signature.sig'), 'stale');
  await packCapsule(dir, { out, signer });
  const info = await inspectCapsule(out);
  assert.equal(info.error, undefined);
});

test('non-ASCII and long paths round-trip through pax headers', async () => {
  const { signer, pub } = await keys('ed25519');
  const dir = sourceDir();
  const names = ['données/modèle-ü.bin', `${'x'.repeat(150)}/${'y'.repeat(150)}.txt`];
  mkdirSync(join(dir, 'données'));
  mkdirSync(join(dir, 'x'.repeat(150)));
  for (const name of names) writeFileSync(join(dir, name), name);
  const out = join(work, 'unicode.tar.gz');
  await packCapsule(dir, { out, signer });
  const r = await verifyCapsule(out, { publicKeys: [pub], extract: true });
  assert.equal(r.ok, true, r.ok ? '' : r.error.message);
  if (!r.ok) return;
  for (const name of names) assert.equal(readFileSync(join(r.dir!, name), 'utf8'), name);
  rmSync(r.dir!, { recursive: true });
});

test('sign re-signs a capsule with another key: same payload, new signer', async () => {
  const first = await keys('ecdsa-p256');
  const second = await keys('ed25519');
  const out = join(work, 'resign.tar.gz');
  const dir = sourceDir();
  await packCapsule(dir, { out, signer: first.signer });
  await resignCapsule(out, { out, signer: second.signer });
  const r = await verifyCapsule(out, { publicKeys: [second.pub] });
  assert.equal(r.ok, true);
  const old = await verifyCapsule(out, { publicKeys: [first.pub] });
  assert.equal(!old.ok && old.error.code, 'SIGNATURE_INVALID');
  // Identical to packing the folder with the new key.
  const direct = join(work, 'resign-direct.tar.gz');
  await packCapsule(dir, { out: direct, signer: second.signer });
  assert.deepEqual(readFileSync(out), readFileSync(direct));
});
