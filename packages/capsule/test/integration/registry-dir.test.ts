import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { DirRegistry } from '../../src/registry/dir.ts';
import { RegistryError } from '../../src/registry/errors.ts';
import { ProofService } from '../../src/proofs/service.ts';
import { parseCapsuleUri } from '../../src/uri.ts';
import { claimFor, makeCapsule, makeCapsules, newKey, tempDir } from './registry-helpers.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const code = (c: string) => (err: unknown) => err instanceof RegistryError && err.code === c;

test('push, list, resolve and fetch through a directory registry', async (t) => {
  const dir = await tempDir(t, 'reg-dir');
  const key = await newKey(dir, 'signing');
  const capsule = await makeCapsule(dir, { name: 'm2n2-metal', version: '0.1.0', signer: key.signer });
  const registry = await DirRegistry.open(join(dir, 'reg'), { publicKeys: [key.publicKey] });

  const entry = await registry.push(capsule.file);
  assert.equal(entry.digest, capsule.digest);
  assert.equal(entry.name, 'm2n2-metal');
  assert.equal(entry.keyId, key.publicKey.keyId);
  assert.equal(entry.size, (await stat(capsule.file)).size);
  assert.deepEqual(entry.proofs, []);
  assert.equal((await stat(join(dir, 'reg', 'blobs', 'sha256', capsule.digest.slice(7)))).size, entry.size);

  assert.deepEqual(await registry.list(), [entry]);
  assert.deepEqual(await registry.resolve(parseCapsuleUri('capsule://m2n2-metal:0.1.0')), entry);
  await assert.rejects(registry.resolve(parseCapsuleUri('capsule://m2n2-metal:0.2.0')), code('NOT_FOUND'));

  const out = join(dir, 'pulled.tar.gz');
  await registry.fetch(entry.digest, out);
  assert.deepEqual(await readFile(out), await readFile(capsule.file));

  // A blob corrupted at rest is not handed out.
  await writeFile(registry.blobs.path(entry.digest), 'rotten');
  await assert.rejects(registry.fetch(entry.digest, join(dir, 'again.tar.gz')), code('DIGEST_MISMATCH'));
});

test('versions are immutable and re-pushing the same bytes is a no-op', async (t) => {
  const dir = await tempDir(t, 'reg-immutable');
  const key = await newKey(dir, 'signing');
  const registry = await DirRegistry.open(join(dir, 'reg'), { publicKeys: [key.publicKey] });
  const first = await makeCapsule(dir, { name: 'app', version: '1.0.0', signer: key.signer, payload: 'one' });
  const other = await makeCapsule(dir, { name: 'app', version: '1.0.0', signer: key.signer, payload: 'two' });
  const entry = await registry.push(first.file);
  assert.deepEqual(await registry.push(first.file), entry);
  await assert.rejects(
    registry.push(other.file),
    (err: unknown) => code('CONFLICT')(err) && /immutable/.test(String(err)),
  );
  assert.deepEqual(await registry.list(), [entry]);
});

test('a capsule that fails verification is refused and its blob dropped', async (t) => {
  const dir = await tempDir(t, 'reg-refuse');
  const trusted = await newKey(dir, 'trusted');
  const stranger = await newKey(dir, 'stranger');
  const registry = await DirRegistry.open(join(dir, 'reg'), { publicKeys: [trusted.publicKey] });
  const capsule = await makeCapsule(dir, { name: 'app', version: '1.0.0', signer: stranger.signer });
  await assert.rejects(registry.push(capsule.file), (err: unknown) => {
    assert.ok(err instanceof RegistryError);
    assert.equal(err.code, 'VERIFY_FAILED');
    assert.equal(err.detail?.code, 'SIGNATURE_INVALID');
    return true;
  });
  assert.equal(await registry.blobs.size(capsule.digest), undefined);
  assert.deepEqual(await registry.list(), []);
});

test('concurrent pushes from several processes lose no entry', async (t) => {
  const dir = await tempDir(t, 'reg-concurrent');
  const key = await newKey(dir, 'signing');
  const reg = join(dir, 'reg');
  const capsules = await makeCapsules(6, (i) =>
    makeCapsule(dir, { name: `app${i}`, version: '1.0.0', signer: key.signer }),
  );
  const results = await Promise.all(
    capsules.map((c) =>
      run(process.execPath, [CLI, 'push', c.file, '--registry', reg, '--key', key.pubFile, '--json']),
    ),
  );
  for (const r of results) assert.equal(JSON.parse(r.stdout).name.startsWith('app'), true);
  const registry = await DirRegistry.open(reg, { publicKeys: [key.publicKey] });
  assert.deepEqual((await registry.list()).map((e) => e.digest).sort(), capsules.map((c) => c.digest).sort());
});

test('capsule://…?proof=true resolves only once a valid proof exists', async (t) => {
  const dir = await tempDir(t, 'reg-proof');
  const key = await newKey(dir, 'signing');
  const proofKey = await newKey(dir, 'proof');
  const reg = join(dir, 'reg');
  const registry = await DirRegistry.open(reg, { publicKeys: [key.publicKey], proofSigner: proofKey.signer });
  const capsule = await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer });
  const entry = await registry.push(capsule.file);
  const withProof = parseCapsuleUri('capsule://x:1.0.0?proof=true');

  await assert.rejects(
    registry.resolve(withProof),
    (err: unknown) => code('PROOF_MISSING')(err) && /no proof bundle/.test(String(err)),
  );

  const proof = await registry.generateProof(claimFor(entry.digest));
  assert.match(proof.id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(proof.subject, entry.digest);
  assert.deepEqual(
    proof.receipts.map((r) => r.anchor),
    ['transparency-log'],
  );
  assert.deepEqual(await registry.resolve(withProof), entry);

  // Fetch by id and by subject; the envelope is stored content-addressed.
  assert.deepEqual(await registry.getProof(proof.id), proof);
  assert.deepEqual(await registry.proofsFor(entry.digest), [proof]);
  const stored = await readFile(join(reg, 'proofs', 'sha256', `${proof.id.slice(7)}.json`));
  assert.deepEqual(JSON.parse(stored.toString()), proof.envelope);

  // Attaching records metadata.proof_id, idempotently.
  const attached = await registry.attachProof(entry.digest, proof.id);
  assert.equal(attached.metadata.proof_id, proof.id);
  assert.deepEqual(await registry.attachProof(entry.digest, proof.id), attached);
  assert.deepEqual(attached.proofs, [proof.id]);

  // A reader of the directory without the signer trusts the published proof key.
  const reader = await DirRegistry.open(reg, { publicKeys: [key.publicKey] });
  assert.deepEqual(await reader.resolve(withProof), attached);
});

test('a proof signed by an untrusted key does not make a capsule resolvable', async (t) => {
  const dir = await tempDir(t, 'reg-rogue');
  const key = await newKey(dir, 'signing');
  const proofKey = await newKey(dir, 'proof');
  const rogue = await newKey(dir, 'rogue');
  const registry = await DirRegistry.open(join(dir, 'reg'), {
    publicKeys: [key.publicKey],
    proofSigner: proofKey.signer,
  });
  const entry = await registry.push(
    (await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer })).file,
  );

  // Written straight into the store and log, as someone with write access to the files could.
  const forger = new ProofService({
    store: registry.proofs.store,
    anchors: registry.proofs.anchors,
    keys: [],
    signer: rogue.signer,
  });
  const forged = await forger.generate(claimFor(entry.digest), 'x:1.0.0');
  await assert.rejects(
    registry.resolve(parseCapsuleUri('capsule://x:1.0.0?proof=true')),
    (err: unknown) => code('PROOF_MISSING')(err) && /trusted proof key/.test(String(err)),
  );
  await assert.rejects(registry.attachProof(entry.digest, forged.id), code('PROOF_INVALID'));
  await assert.rejects(
    registry.generateProof({ ...claimFor(entry.digest), type: 'vibes' }),
    code('BAD_REQUEST'),
  );
});

test('a tampered log entry or receipt breaks the proof check', async (t) => {
  const dir = await tempDir(t, 'reg-tlog');
  const key = await newKey(dir, 'signing');
  const proofKey = await newKey(dir, 'proof');
  const reg = join(dir, 'reg');
  const registry = await DirRegistry.open(reg, { publicKeys: [key.publicKey], proofSigner: proofKey.signer });
  const entry = await registry.push(
    (await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer })).file,
  );
  const proof = await registry.generateProof(claimFor(entry.digest));
  const uri = parseCapsuleUri('capsule://x:1.0.0?proof=true');
  const reader = () => DirRegistry.open(reg, { publicKeys: [key.publicKey] });
  assert.deepEqual(await (await reader()).resolve(uri), entry);

  // The receipt's tree head no longer matches its signature.
  const receiptsFile = join(reg, 'proofs', 'sha256', `${proof.id.slice(7)}.receipts.json`);
  const receipts = await readFile(receiptsFile, 'utf8');
  const forged = JSON.parse(receipts);
  forged[0].treeHead.rootHash = 'f'.repeat(64);
  await writeFile(receiptsFile, JSON.stringify(forged));
  await assert.rejects((await reader()).resolve(uri), /tree head signature is not valid/);
  await writeFile(receiptsFile, receipts);

  // The entry bytes in the log are rewritten (its leaf hash left alone).
  const entries = join(reg, 'log', 'entries');
  const original = await readFile(entries);
  const altered = Buffer.from(original);
  altered.writeUInt8(altered.readUInt8(20) ^ 0x01, 20);
  await writeFile(entries, altered);
  await assert.rejects(
    (await reader()).resolve(uri),
    (err: unknown) => code('PROOF_MISSING')(err) && /entry 0 of the log has been altered/.test(String(err)),
  );
  await writeFile(entries, original);
  assert.deepEqual(await (await reader()).resolve(uri), entry);

  // The leaf hashes are rewritten: the log no longer hashes to its signed root.
  const leaves = join(reg, 'log', 'leaves');
  const leafBytes = await readFile(leaves);
  leafBytes.writeUInt8(leafBytes.readUInt8(0) ^ 0x01, 0);
  await writeFile(leaves, leafBytes);
  await assert.rejects((await reader()).resolve(uri), /checkpointed root/);
});

test('the CLI on a directory registry: list does not create it, the first signer is trusted', async (t) => {
  const dir = await tempDir(t, 'reg-cli');
  const reg = join(dir, 'not-yet');
  const listed = await run(process.execPath, [CLI, 'list', '--registry', reg, '--json']);
  assert.deepEqual(JSON.parse(listed.stdout), []);
  await assert.rejects(stat(reg), { code: 'ENOENT' });

  const key = await newKey(dir, 'signing');
  const other = await newKey(dir, 'other');
  const capsule = await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer });
  const pushed = await run(process.execPath, [CLI, 'push', capsule.file, '--registry', reg]);
  assert.match(pushed.stdout, /^pushed x:1\.0\.0 {2}sha256:/);
  assert.deepEqual(await readdir(join(reg, 'keys', 'capsule')), [`${key.publicKey.keyId}.pem`]);

  // From then on the registry trusts that signer only, unless a push names its own key.
  const stranger = await makeCapsule(dir, { name: 'y', version: '1.0.0', signer: other.signer });
  await assert.rejects(
    run(process.execPath, [CLI, 'push', stranger.file, '--registry', reg, '--json']),
    (err: unknown) => {
      const e = err as { code: number; stdout: string };
      return e.code === 1 && /SIGNATURE_INVALID/.test(e.stdout);
    },
  );
  await run(process.execPath, [CLI, 'push', stranger.file, '--registry', reg, '--key', other.pubFile]);
  assert.deepEqual(await readdir(join(reg, 'keys', 'capsule')), [`${key.publicKey.keyId}.pem`]);

  // A pull without --key verifies with the keys the registry trusts.
  const out = join(dir, 'x.tar.gz');
  await run(process.execPath, [CLI, 'pull', 'capsule://x:1.0.0', '--registry', reg, '--out', out]);
  assert.deepEqual(await readFile(out), await readFile(capsule.file));
  await assert.rejects(
    run(process.execPath, [CLI, 'pull', 'capsule://y:1.0.0', '--registry', reg, '--out', join(dir, 'y.tgz')]),
    (err: unknown) => (err as { code: number }).code === 1,
  );
  await assert.rejects(stat(join(dir, 'y.tgz')), { code: 'ENOENT' });
});

test('without trust on first use a registry that trusts no key refuses pushes', async (t) => {
  const dir = await tempDir(t, 'reg-no-tofu');
  const key = await newKey(dir, 'signing');
  const capsule = await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer });
  const registry = await DirRegistry.open(join(dir, 'reg'));
  await assert.rejects(registry.push(capsule.file), code('BAD_REQUEST'));
  assert.deepEqual(await registry.trustedKeys(), []);
});

test('a lock left by a process that died is taken over', async (t) => {
  const dir = await tempDir(t, 'reg-stale');
  const key = await newKey(dir, 'signing');
  const reg = join(dir, 'reg');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  await mkdir(reg, { recursive: true });
  await writeFile(join(reg, 'index.lock'), String(dead));
  const registry = await DirRegistry.open(reg, { publicKeys: [key.publicKey] });
  const entry = await registry.push(
    (await makeCapsule(dir, { name: 'x', version: '1.0.0', signer: key.signer })).file,
  );
  assert.deepEqual(await registry.list(), [entry]);
  await assert.rejects(stat(join(reg, 'index.lock')), { code: 'ENOENT' });
});
