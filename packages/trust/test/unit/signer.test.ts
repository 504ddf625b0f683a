import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ecdsaDerToRaw,
  ecdsaRawToDer,
  generateKeyPair,
  openSigner,
  readPublicKey,
  SignerError,
  verifySignature,
  type KeyAlgorithm,
} from '../../src/index.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trust-signer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

for (const algorithm of ['ecdsa-p256', 'ed25519'] as KeyAlgorithm[]) {
  test(`key-file signer (${algorithm}) signs and verifies`, async (t) => {
    const dir = await tempDir(t);
    const { privateKeyPem, publicKeyPem } = generateKeyPair(algorithm);
    await writeFile(join(dir, 'key.pem'), privateKeyPem);
    const signer = await openSigner({ key: join(dir, 'key.pem') });
    const pub = readPublicKey(publicKeyPem);
    assert.equal(signer.algorithm, algorithm);
    assert.equal(signer.publicKey.keyId, pub.keyId);
    const data = Buffer.from('capsule checksums\n');
    const sig = await signer.sign(data);
    if (algorithm === 'ed25519') assert.equal(sig.length, 64);
    assert.ok(verifySignature(pub, data, sig));
    assert.ok(!verifySignature(pub, Buffer.from('other'), sig));
    assert.ok(!verifySignature(pub, data, Buffer.from('garbage')));
    await signer.close();
  });
}

test('ECDSA signatures interoperate with openssl in both directions', async (t) => {
  const dir = await tempDir(t);
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  await writeFile(join(dir, 'key.pem'), privateKeyPem);
  await writeFile(join(dir, 'pub.pem'), publicKeyPem);
  await writeFile(join(dir, 'data'), 'hello\n');
  const signer = await openSigner({ key: join(dir, 'key.pem') });
  await writeFile(join(dir, 'sig.der'), await signer.sign(Buffer.from('hello\n')));
  const out = execFileSync(
    'openssl',
    ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'data'],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.match(out, /Verified OK/);
  execFileSync('openssl', ['dgst', '-sha256', '-sign', 'key.pem', '-out', 'ossl.der', 'data'], { cwd: dir });
  assert.ok(verifySignature(signer.publicKey, Buffer.from('hello\n'), await readFile(join(dir, 'ossl.der'))));
});

test('openSigner refuses missing or conflicting key sources', async () => {
  await assert.rejects(openSigner({}), SignerError);
  await assert.rejects(openSigner({ key: 'a', pkcs11Uri: 'pkcs11:token=t' }), /not both/);
  await assert.rejects(openSigner({ key: '/nonexistent/key.pem' }), /key\.pem: cannot read/);
});

test('ECDSA raw r‖s ⇄ DER round trips, including high bits and leading zeros', () => {
  const cases = [
    Buffer.concat([Buffer.alloc(32, 0xff), Buffer.alloc(32, 0x01)]),
    Buffer.concat([Buffer.alloc(31, 0), Buffer.from([0x80]), Buffer.alloc(32, 0)]),
    Buffer.concat([Buffer.from([0, 0, 0x7f]), randomBytes(29), randomBytes(32)]),
  ];
  for (let i = 0; i < 200; i++) cases.push(randomBytes(64));
  for (const raw of cases) {
    const der = ecdsaRawToDer(raw);
    assert.equal(der[0], 0x30);
    assert.deepEqual(ecdsaDerToRaw(der), raw);
  }
  assert.deepEqual(ecdsaRawToDer(Buffer.alloc(64)), Buffer.from('3006020100020100', 'hex'));
  assert.throws(() => ecdsaRawToDer(Buffer.alloc(63)), /even/);
  assert.throws(() => ecdsaDerToRaw(Buffer.from('3006020100020100ff', 'hex')), /length/);
  assert.throws(() => ecdsaDerToRaw(Buffer.from('300602010003010000', 'hex')), /DER ECDSA/);
});

test('raw signatures converted to DER verify like native ones', () => {
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  const data = Buffer.from('x');
  const raw = sign('sha256', data, { key: createPrivateKey(privateKeyPem), dsaEncoding: 'ieee-p1363' });
  assert.ok(verifySignature(readPublicKey(publicKeyPem), data, ecdsaRawToDer(raw)));
});
