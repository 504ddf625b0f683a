import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyPair, KeyError, readPublicKey, readPublicKeyFile } from '../../src/index.ts';

test('generateKeyPair defaults to ECDSA P-256 PKCS#8 / SPKI PEM', () => {
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  assert.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  const pub = readPublicKey(publicKeyPem);
  assert.equal(pub.algorithm, 'ecdsa-p256');
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  assert.equal(pub.keyId, createHash('sha256').update(der).digest('hex'));
  assert.equal(pub.pem, publicKeyPem);
});

test('Ed25519 keys', () => {
  const { publicKeyPem } = generateKeyPair('ed25519');
  assert.equal(readPublicKey(Buffer.from(publicKeyPem)).algorithm, 'ed25519');
});

test('readPublicKey says what is wrong', () => {
  const { privateKeyPem } = generateKeyPair();
  assert.throws(() => readPublicKey(privateKeyPem), /is a private key/);
  assert.throws(() => readPublicKey('hello'), /not a PEM public key/);
  assert.throws(
    () => readPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
    /cannot be parsed/,
  );
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  assert.throws(() => readPublicKey(rsa), /key type rsa is not supported/);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  assert.throws(
    () => readPublicKey(p384, 'k.pem'),
    (err: unknown) => {
      assert.ok(err instanceof KeyError);
      assert.equal(err.source, 'k.pem');
      assert.match(err.message, /^k\.pem: EC curve secp384r1 is not supported/);
      return true;
    },
  );
});

test('readPublicKeyFile names the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trust-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'pub.pem');
  await writeFile(path, generateKeyPair().publicKeyPem);
  assert.equal((await readPublicKeyFile(path)).algorithm, 'ecdsa-p256');
  await assert.rejects(readPublicKeyFile(join(dir, 'none.pem')), /none\.pem: cannot read the key file/);
});
