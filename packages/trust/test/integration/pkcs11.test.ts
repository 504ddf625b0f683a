// Signing with a key held by a real SoftHSM2 token, checked by node:crypto and by openssl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createSoftHsmToken, type SoftHsmToken } from '@industriverse/testenv';
import { generateKeyPair, openSigner, readPublicKey, SignerError, verifySignature } from '../../src/index.ts';

const run = promisify(execFile);
let dir: string;
let token: SoftHsmToken;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-pkcs11-'));
  token = await createSoftHsmToken({ dir, label: 'trust test', pin: '1234', soPin: '5678' });
});
after(() => rm(dir, { recursive: true, force: true }));

test('an ECDSA P-256 key in SoftHSM signs; node:crypto and openssl verify', async () => {
  const pair = generateKeyPair('ecdsa-p256');
  const uri = await token.importKey({
    privateKeyPem: pair.privateKeyPem,
    label: 'capsule signing',
    id: '01a0',
  });
  const signer = await openSigner({ pkcs11Uri: uri });
  try {
    const expected = readPublicKey(pair.publicKeyPem);
    assert.equal(signer.algorithm, 'ecdsa-p256');
    assert.equal(signer.publicKey.keyId, expected.keyId);
    const data = Buffer.from('0123abcd  payload/model.bin\n');
    await writeFile(join(dir, 'data'), data);
    await writeFile(join(dir, 'pub.pem'), signer.publicKey.pem);
    for (let i = 0; i < 3; i++) {
      const sig = await signer.sign(data);
      assert.ok(verifySignature(expected, data, sig));
      await writeFile(join(dir, 'sig.der'), sig);
      const { stdout } = await run('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'data'),
      ]);
      assert.match(stdout, /Verified OK/);
    }
  } finally {
    await signer.close();
  }
});

test('an Ed25519 key in SoftHSM signs with CKM_EDDSA', async () => {
  const pair = generateKeyPair('ed25519');
  const uri = await token.importKey({ privateKeyPem: pair.privateKeyPem, label: 'ed', id: '02' });
  const signer = await openSigner({ pkcs11Uri: uri });
  try {
    assert.equal(signer.algorithm, 'ed25519');
    const sig = await signer.sign(Buffer.from('hello'));
    assert.equal(sig.length, 64);
    assert.ok(verifySignature(readPublicKey(pair.publicKeyPem), Buffer.from('hello'), sig));
  } finally {
    await signer.close();
  }
});

test('the PIN can come from PKCS11_PIN and the module from PKCS11_MODULE; two signers share the module', async () => {
  const pair = generateKeyPair();
  await token.importKey({ privateKeyPem: pair.privateKeyPem, label: 'env', id: '03' });
  const env = { PKCS11_PIN: '1234', PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so' };
  const a = await openSigner({ pkcs11Uri: 'pkcs11:token=trust%20test;object=env', env });
  const b = await openSigner({ pkcs11Uri: 'pkcs11:token=trust%20test;id=%03', env });
  await a.close();
  const sig = await b.sign(Buffer.from('x'));
  assert.ok(verifySignature(readPublicKey(pair.publicKeyPem), Buffer.from('x'), sig));
  await b.close();
});

test('clear errors for a wrong PIN, an unknown token or key, and pin-value', async () => {
  const module = 'module-path=/usr/lib/softhsm/libsofthsm2.so';
  const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
    [
      `pkcs11:token=trust%20test;object=env?${module}`,
      { PKCS11_PIN: '9999' },
      /log in to token "trust test": CKR_PIN_INCORRECT/,
    ],
    [
      `pkcs11:token=nope;object=env?${module}`,
      { PKCS11_PIN: '1234' },
      /no PKCS#11 token matches token "nope"/,
    ],
    [
      `pkcs11:token=trust%20test;object=missing?${module}`,
      { PKCS11_PIN: '1234' },
      /no private key with object=missing/,
    ],
    [`pkcs11:token=trust%20test;object=env?${module}`, {}, /no PKCS#11 PIN/],
    [`pkcs11:token=trust%20test;object=env`, { PKCS11_PIN: '1234' }, /no PKCS#11 module/],
    [`pkcs11:token=trust%20test;object=env?${module}&pin-value=1234`, {}, /pin-value is not accepted/],
  ];
  for (const [pkcs11Uri, env, message] of cases) {
    await assert.rejects(openSigner({ pkcs11Uri, env }), (err: Error) => {
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /1234/);
      return true;
    });
  }
  await assert.rejects(
    openSigner({ pkcs11Uri: `pkcs11:token=nope;object=x?${module}`, env: { PKCS11_PIN: '1' } }),
    SignerError,
  );
});
