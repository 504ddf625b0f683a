// Our Sigstore bundles checked by the reference verifier: cosign built from its Go module, run with
// every proxy pointed at a closed port so that any network access would fail the test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureCosign, offlineEnv } from '@industriverse/testenv';
import {
  dsseBundle,
  generateKeyPair,
  messageSignatureBundle,
  openSigner,
  sha256Hex,
  signStatement,
  verifyBundle,
  type KeyAlgorithm,
  type Signer,
  type Statement,
} from '../../src/index.ts';

const run = promisify(execFile);
const PREDICATE_TYPE = 'https://industriverse.ai/capsule/proof/v1';
const OFFLINE = offlineEnv();

let dir: string;
let cosign: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-cosign-'));
  cosign = await ensureCosign();
});
after(() => rm(dir, { recursive: true, force: true }));

async function cosignOk(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(cosign, args, { cwd: dir, env: OFFLINE });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function keyFileSigner(algorithm: KeyAlgorithm, name: string): Promise<Signer> {
  const pair = generateKeyPair(algorithm);
  await writeFile(join(dir, `${name}.key`), pair.privateKeyPem);
  await writeFile(join(dir, `${name}.pub`), pair.publicKeyPem);
  return openSigner({ key: join(dir, `${name}.key`) });
}

for (const algorithm of ['ecdsa-p256', 'ed25519'] as KeyAlgorithm[]) {
  test(`cosign verify-blob accepts a message-signature bundle (${algorithm}) and rejects a tampered file`, async () => {
    const signer = await keyFileSigner(algorithm, `${algorithm}-blob`);
    const artifact = Buffer.from(`${sha256Hex('payload')}  payload/model.bin\n`);
    await writeFile(join(dir, 'checksum.sha256'), artifact);
    await writeFile(join(dir, 'tampered'), Buffer.concat([artifact, Buffer.from('x')]));
    const bundle = messageSignatureBundle(artifact, await signer.sign(artifact), signer.publicKey);
    await writeFile(join(dir, `${algorithm}-blob.bundle.json`), JSON.stringify(bundle));
    assert.equal(verifyBundle(bundle, [signer.publicKey], artifact).keyId, signer.publicKey.keyId);

    const args = [
      'verify-blob',
      '--key',
      `${algorithm}-blob.pub`,
      '--bundle',
      `${algorithm}-blob.bundle.json`,
      '--insecure-ignore-tlog',
    ];
    const good = await cosignOk([...args, 'checksum.sha256']);
    assert.ok(good.ok, good.output);
    assert.match(good.output, /Verified OK/);
    const bad = await cosignOk([...args, 'tampered']);
    assert.ok(!bad.ok, 'cosign accepted a tampered file');
    assert.match(bad.output, /invalid signature|verify/i);
  });

  test(`cosign verify-blob-attestation accepts a DSSE in-toto bundle (${algorithm}) for its subject only`, async () => {
    const signer = await keyFileSigner(algorithm, `${algorithm}-att`);
    const capsule = Buffer.from('not really a tar.gz, but bytes with a digest');
    await writeFile(join(dir, 'capsule.tar.gz'), capsule);
    await writeFile(join(dir, 'other.tar.gz'), 'other bytes');
    const statement: Statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'capsule.tar.gz', digest: { sha256: sha256Hex(capsule) } }],
      predicateType: PREDICATE_TYPE,
      predicate: { type: 'mathematical_proof', result: 'pass' },
    };
    const envelope = await signStatement(statement, signer);
    const bundle = dsseBundle(envelope, signer.publicKey);
    await writeFile(join(dir, `${algorithm}-att.bundle.json`), JSON.stringify(bundle));
    const ours = verifyBundle(bundle, [signer.publicKey]);
    assert.equal(ours.kind, 'dsseEnvelope');

    const verify = (key: string, file: string, type = PREDICATE_TYPE) =>
      cosignOk([
        'verify-blob-attestation',
        '--key',
        key,
        '--bundle',
        `${algorithm}-att.bundle.json`,
        '--insecure-ignore-tlog',
        '--type',
        type,
        file,
      ]);
    const good = await verify(`${algorithm}-att.pub`, 'capsule.tar.gz');
    assert.ok(good.ok, good.output);
    assert.match(good.output, /Verified OK/);
    const wrongFile = await verify(`${algorithm}-att.pub`, 'other.tar.gz');
    assert.ok(!wrongFile.ok, 'cosign accepted an attestation for another file');
    assert.match(wrongFile.output, /digests do not match/);
    const wrongType = await verify(`${algorithm}-att.pub`, 'capsule.tar.gz', 'https://example.com/other');
    assert.ok(!wrongType.ok, 'cosign accepted the wrong predicate type');
    await (await keyFileSigner(algorithm, `${algorithm}-stranger`)).close();
    const wrongKey = await verify(`${algorithm}-stranger.pub`, 'capsule.tar.gz');
    assert.ok(!wrongKey.ok, 'cosign accepted a bundle under another key');
  });
}
