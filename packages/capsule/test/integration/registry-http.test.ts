import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { createCertificateAuthority } from '@industriverse/kube';
import { ProofService } from '../../src/proofs/service.ts';
import { DirRegistry } from '../../src/registry/dir.ts';
import { RegistryError } from '../../src/registry/errors.ts';
import { HttpRegistry } from '../../src/registry/http.ts';
import { openRegistry } from '../../src/registry/registry.ts';
import { startRegistryServer } from '../../src/server/server.ts';
import { parseCapsuleUri } from '../../src/uri.ts';
import { claimFor, makeCapsule, makeCapsules, newKey, tempDir, type TestKey } from './registry-helpers.ts';

const execFileP = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TOKEN = 'test-token-0123456789';
interface ErrorBody {
  error: { code: string; message: string };
}
async function json<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}
const code = (c: string) => (err: unknown) => err instanceof RegistryError && err.code === c;

/** Runs the CLI; resolves with its exit code and output whatever the code. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, ...args], {
      env: { ...process.env, CAPSULE_REGISTRY: '', CAPSULE_REGISTRY_TOKEN: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Fixture {
  dir: string;
  url: string;
  key: TestKey;
  proofKey: TestKey;
  local: DirRegistry;
  client: HttpRegistry;
}

async function serve(t: TestContext, name: string): Promise<Fixture> {
  const dir = await tempDir(t, name);
  const key = await newKey(dir, 'signing');
  const proofKey = await newKey(dir, 'proof');
  const local = await DirRegistry.open(join(dir, 'reg'), {
    publicKeys: [key.publicKey],
    proofSigner: proofKey.signer,
  });
  const server = await startRegistryServer({ registry: local, host: '127.0.0.1', port: 0, token: TOKEN });
  t.after(() => server.close());
  return {
    dir,
    url: server.url,
    key,
    proofKey,
    local,
    client: new HttpRegistry(server.url, { token: TOKEN }),
  };
}

test('push, list, resolve and pull over HTTP', async (t) => {
  const f = await serve(t, 'http-basic');
  const capsule = await makeCapsule(f.dir, { name: 'm2n2-metal', version: '0.1.0', signer: f.key.signer });
  const registry = await openRegistry(f.url, { token: TOKEN });
  assert.ok(registry instanceof HttpRegistry);

  const entry = await registry.push(capsule.file);
  assert.equal(entry.digest, capsule.digest);
  assert.deepEqual(await registry.push(capsule.file), entry);
  assert.deepEqual(await registry.list(), [entry]);
  assert.deepEqual(await registry.resolve(parseCapsuleUri('capsule://m2n2-metal:0.1.0')), entry);
  await assert.rejects(registry.resolve(parseCapsuleUri('capsule://nope:0.1.0')), code('NOT_FOUND'));

  const out = join(f.dir, 'out', 'pulled.tar.gz');
  await registry.fetch(entry.digest, out);
  assert.deepEqual(await readFile(out), await readFile(capsule.file));

  const index = await json<{ apiVersion: string }>(fetch(`${f.url}/v1/index`));
  assert.equal(index.apiVersion, 'capsule.industriverse.ai/v1');
  const head = await fetch(`${f.url}/v1/blobs/${entry.digest}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(entry.size));

  // The keys the server trusts, which a pull without its own --key verifies with.
  assert.deepEqual(
    (await registry.trustedKeys()).map((k) => k.keyId),
    [f.key.publicKey.keyId],
  );
  const pulled = await cli([
    'pull',
    'capsule://m2n2-metal:0.1.0',
    '--registry',
    f.url,
    '--out',
    join(f.dir, 'cli.tgz'),
  ]);
  assert.equal(pulled.code, 0, pulled.stderr);
});

test('writes need the token: none is 401, a wrong one 403', async (t) => {
  const f = await serve(t, 'http-auth');
  const capsule = await makeCapsule(f.dir, { name: 'app', version: '1.0.0', signer: f.key.signer });
  const bytes = await readFile(capsule.file);
  const put = (headers: Record<string, string>) =>
    fetch(`${f.url}/v1/blobs/${capsule.digest}`, { method: 'PUT', body: bytes, headers });

  const none = await put({});
  assert.equal(none.status, 401);
  assert.equal((await json<ErrorBody>(none)).error.code, 'UNAUTHORIZED');
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const wrong = await put({ authorization: 'Bearer not-the-token' });
  assert.equal(wrong.status, 403);
  assert.deepEqual(Object.keys((await json<ErrorBody>(wrong)).error).sort(), ['code', 'message']);
  const generate = await fetch(`${f.url}/v1/proofs/generate`, { method: 'POST', body: '{}' });
  assert.equal(generate.status, 401);
  assert.equal((await fetch(`${f.url}/v1/blobs/${capsule.digest}`, { method: 'HEAD' })).status, 404);

  await assert.rejects(new HttpRegistry(f.url, { token: 'wrong' }).push(capsule.file), code('FORBIDDEN'));
  await assert.rejects(new HttpRegistry(f.url).push(capsule.file), code('UNAUTHORIZED'));
  const ok = await put({ authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 201);
  assert.deepEqual(await json(ok), { digest: capsule.digest, size: bytes.length });
});

test('a blob whose bytes do not match its digest is refused', async (t) => {
  const f = await serve(t, 'http-tamper');
  const capsule = await makeCapsule(f.dir, { name: 'app', version: '1.0.0', signer: f.key.signer });
  const bytes = await readFile(capsule.file);
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
  const res = await fetch(`${f.url}/v1/blobs/${capsule.digest}`, {
    method: 'PUT',
    body: bytes,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 422);
  assert.equal((await json<ErrorBody>(res)).error.code, 'DIGEST_MISMATCH');
  assert.equal(await f.local.blobs.size(capsule.digest), undefined);

  const bad = await fetch(`${f.url}/v1/blobs/sha256:nothex`, {
    method: 'PUT',
    body: 'x',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(bad.status, 400);
  // Registering a blob nobody uploaded; an unknown method.
  const register = await fetch(`${f.url}/v1/capsules`, {
    method: 'POST',
    body: JSON.stringify({ digest: capsule.digest }),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(register.status, 404);
  assert.equal((await fetch(`${f.url}/v1/index`, { method: 'DELETE' })).status, 405);
});

test('many parallel pushes lose nothing; versions stay immutable', async (t) => {
  const f = await serve(t, 'http-parallel');
  const capsules = await makeCapsules(12, (i) =>
    makeCapsule(f.dir, { name: `app${i % 4}`, version: `1.0.${i}`, signer: f.key.signer }),
  );
  await Promise.all(capsules.map((c) => f.client.push(c.file)));
  assert.deepEqual((await f.client.list()).map((e) => e.digest).sort(), capsules.map((c) => c.digest).sort());
  const clash = await makeCapsule(f.dir, {
    name: 'app0',
    version: '1.0.0',
    signer: f.key.signer,
    payload: 'other',
  });
  await assert.rejects(f.client.push(clash.file), code('CONFLICT'));
});

test('proofs over HTTP: generate, fetch by id and subject, proof=true, log reads', async (t) => {
  const f = await serve(t, 'http-proofs');
  const entry = await f.client.push(
    (await makeCapsule(f.dir, { name: 'x', version: '1.0.0', signer: f.key.signer })).file,
  );
  const withProof = parseCapsuleUri('capsule://x:1.0.0?proof=true');
  await assert.rejects(f.client.resolve(withProof), code('PROOF_MISSING'));

  const proof = await f.client.generateProof(claimFor(entry.digest));
  assert.deepEqual(await f.client.getProof(proof.id), proof);
  assert.deepEqual(await f.client.proofsFor(entry.digest), [proof]);
  assert.deepEqual(await f.client.resolve(withProof), entry);
  const byQuery = await json<{ proofs: { id: string }[] }>(
    fetch(`${f.url}/v1/proofs?subject=${entry.digest}`),
  );
  assert.deepEqual(
    byQuery.proofs.map((p) => p.id),
    [proof.id],
  );
  assert.equal((await fetch(`${f.url}/v1/proofs/sha256:${'0'.repeat(64)}`)).status, 404);

  // A client that checks proofs itself, with the right and with the wrong key.
  const checking = new HttpRegistry(f.url, { proofKeys: [f.proofKey.publicKey] });
  assert.deepEqual(await checking.resolve(withProof), entry);
  const suspicious = new HttpRegistry(f.url, { proofKeys: [f.key.publicKey] });
  await assert.rejects(suspicious.resolve(withProof), code('PROOF_MISSING'));

  const attached = await f.client.attachProof(entry.digest, proof.id);
  assert.equal(attached.metadata.proof_id, proof.id);

  const checkpoint = await json<{ treeSize: number; keyId: string }>(fetch(`${f.url}/v1/log/checkpoint`));
  assert.equal(checkpoint.treeSize, 1);
  assert.equal(checkpoint.keyId, f.proofKey.publicKey.keyId);
  const inclusion = await json<{ leafIndex: number }>(fetch(`${f.url}/v1/log/proof?index=0&size=1`));
  assert.equal(inclusion.leafIndex, 0);
  assert.equal((await fetch(`${f.url}/v1/log/proof?index=5`)).status, 400);
  assert.equal((await fetch(`${f.url}/v1/log/proof?index=x`)).status, 400);

  const badClaim = await fetch(`${f.url}/v1/proofs/generate`, {
    method: 'POST',
    body: JSON.stringify({ ...claimFor(entry.digest), type: 'vibes' }),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(badClaim.status, 400);
  assert.match((await json<ErrorBody>(badClaim)).error.message, /not a proof type/);
});

test('a proof signed by an untrusted key is refused over HTTP too', async (t) => {
  const f = await serve(t, 'http-rogue');
  const rogue = await newKey(f.dir, 'rogue');
  const entry = await f.client.push(
    (await makeCapsule(f.dir, { name: 'x', version: '1.0.0', signer: f.key.signer })).file,
  );
  const forger = new ProofService({
    store: f.local.proofs.store,
    anchors: f.local.proofs.anchors,
    keys: [],
    signer: rogue.signer,
  });
  const forged = await forger.generate(claimFor(entry.digest), 'x:1.0.0');
  await assert.rejects(
    f.client.resolve(parseCapsuleUri('capsule://x:1.0.0?proof=true')),
    code('PROOF_MISSING'),
  );
  await assert.rejects(f.client.attachProof(entry.digest, forged.id), code('PROOF_INVALID'));
});

test('the CLI pushes, lists and pulls with proof=true gating, and keeps its exit codes', async (t) => {
  const f = await serve(t, 'http-cli');
  const capsule = await makeCapsule(f.dir, { name: 'x', version: '1.0.0', signer: f.key.signer });
  const tokenFile = join(f.dir, 'token');
  await writeFile(tokenFile, TOKEN + '\n', { mode: 0o600 });

  // Without --registry or $CAPSULE_REGISTRY: the default registry under $XDG_DATA_HOME, not created by a read.
  const xdg = join(f.dir, 'xdg');
  const defaultList = await cli(['list', '--json'], { XDG_DATA_HOME: xdg });
  assert.equal(defaultList.code, 0, defaultList.stderr);
  assert.deepEqual(JSON.parse(defaultList.stdout), []);
  await assert.rejects(stat(join(xdg, 'capsule', 'registry')), { code: 'ENOENT' });
  assert.equal((await cli(['pull', 'capsule://X:1', '--registry', f.url, '--key', f.key.pubFile])).code, 2);

  const denied = await cli(['push', capsule.file, '--registry', f.url, '--json'], {
    CAPSULE_REGISTRY_TOKEN: 'wrong',
  });
  assert.equal(denied.code, 1);
  assert.equal(JSON.parse(denied.stdout).error.code, 'FORBIDDEN');

  const pushed = await cli(
    ['push', capsule.file, '--token-file', tokenFile, '--key', f.key.pubFile, '--json'],
    {
      CAPSULE_REGISTRY: f.url,
    },
  );
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(JSON.parse(pushed.stdout).digest, capsule.digest);

  const listed = await cli(['list', '--registry', f.url, '--json']);
  assert.deepEqual(
    JSON.parse(listed.stdout).map((e: { name: string }) => e.name),
    ['x'],
  );

  const out = join(f.dir, 'pulled.tar.gz');
  const pullArgs = [
    'pull',
    'capsule://x:1.0.0?proof=true',
    '--registry',
    f.url,
    '--key',
    f.key.pubFile,
    '--out',
    out,
    '--json',
  ];
  const early = await cli(pullArgs);
  assert.equal(early.code, 1);
  assert.equal(JSON.parse(early.stdout).error.code, 'PROOF_MISSING');

  const claimFile = join(f.dir, 'claim.json');
  await writeFile(claimFile, JSON.stringify(claimFor(capsule.digest)));
  const generated = await cli(
    ['proof', 'generate', '--claim', claimFile, '--attach', '--registry', f.url, '--json'],
    {
      CAPSULE_REGISTRY_TOKEN: TOKEN,
    },
  );
  assert.equal(generated.code, 0, generated.stderr);
  const proofId = JSON.parse(generated.stdout).id;

  const pulled = await cli(pullArgs);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(JSON.parse(pulled.stdout).entry.metadata.proof_id, proofId);
  assert.deepEqual(await readFile(out), await readFile(capsule.file));

  const verified = await cli([
    'proof',
    'verify',
    proofId,
    '--key',
    f.proofKey.pubFile,
    '--registry',
    f.url,
    '--json',
  ]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(JSON.parse(verified.stdout).subject, capsule.digest);
  const untrusted = await cli([
    'proof',
    'verify',
    proofId,
    '--key',
    f.key.pubFile,
    '--registry',
    f.url,
    '--json',
  ]);
  assert.equal(untrusted.code, 1);
  assert.equal(JSON.parse(untrusted.stdout).error.code, 'PROOF_INVALID');

  const listedProofs = await cli(['proof', 'list', 'capsule://x:1.0.0', '--registry', f.url, '--json']);
  assert.deepEqual(
    JSON.parse(listedProofs.stdout).map((p: { id: string }) => p.id),
    [proofId],
  );
});

test('registry serve prints its URL, serves, and refuses clear text beyond loopback', async (t) => {
  const dir = await tempDir(t, 'http-serve');
  const refused = await cli(['registry', 'serve', '--dir', join(dir, 'reg'), '--listen', '0.0.0.0:0']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /without TLS/);

  const child = spawn(
    process.execPath,
    [CLI, 'registry', 'serve', '--dir', join(dir, 'reg'), '--listen', '127.0.0.1:0', '--json'],
    {
      env: { ...process.env, CAPSULE_REGISTRY_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { url } = JSON.parse(line.toString());
  assert.deepEqual((await json<{ entries: unknown[] }>(fetch(`${url}/v1/index`))).entries, []);
  child.kill('SIGTERM');
  const [exitCode] = await once(child, 'exit');
  assert.equal(exitCode, 0);
  assert.doesNotMatch(stderr, new RegExp(TOKEN));
});

test('over TLS, a client that trusts the CA lists the registry', async (t) => {
  const dir = await tempDir(t, 'http-tls');
  const ca = await createCertificateAuthority('capsule-test-ca');
  const cert = await ca.issue({ commonName: 'registry', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.certPem);
  const registry = await DirRegistry.open(join(dir, 'reg'));
  const server = await startRegistryServer({ registry, tls: { cert: cert.certPem, key: cert.keyPem } });
  t.after(() => server.close());
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const listed = await cli(['list', '--registry', server.url, '--json'], { NODE_EXTRA_CA_CERTS: caFile });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), []);
  const untrusted = await cli(['list', '--registry', server.url, '--json']);
  assert.equal(untrusted.code, 1);
  assert.equal(JSON.parse(untrusted.stdout).error.code, 'UNREACHABLE');
});

test('blobs over the size limit are refused', async (t) => {
  const dir = await tempDir(t, 'http-limit');
  const registry = await DirRegistry.open(join(dir, 'reg'));
  const server = await startRegistryServer({ registry, token: TOKEN, maxBlobBytes: 1000 });
  t.after(() => server.close());
  const body = Buffer.alloc(5000, 7);
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const res = await fetch(`${server.url}/v1/blobs/${digest}`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 413);
  assert.equal((await json<ErrorBody>(res)).error.code, 'TOO_LARGE');
  // Without a declared length the stream is cut off at the limit.
  const streamed = await fetch(`${server.url}/v1/blobs/${digest}`, {
    method: 'PUT',
    body: Readable.toWeb(Readable.from([body.subarray(0, 2500), body.subarray(2500)])) as ReadableStream,
    duplex: 'half',
    headers: { authorization: `Bearer ${TOKEN}` },
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.equal(await registry.blobs.size(digest), undefined);
  // Without a proof key nothing was ever logged.
  assert.equal((await fetch(`${server.url}/v1/log/checkpoint`)).status, 404);
});
