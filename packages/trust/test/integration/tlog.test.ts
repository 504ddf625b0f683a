// The transparency log on disk: proofs against its signed heads, reopening, several writers, and
// recovery from a writer killed mid-append.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  generateKeyPair,
  leafHash,
  openSigner,
  TransparencyLog,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
  type Signer,
} from '../../src/index.ts';

const writer = fileURLToPath(new URL('../fixtures/tlog-writer.ts', import.meta.url));
let root: string;
let keyFile: string;
let signer: Signer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'trust-tlog-'));
  keyFile = join(root, 'log.key');
  await writeFile(keyFile, generateKeyPair().privateKeyPem);
  signer = await openSigner({ key: keyFile });
});
after(() => rm(root, { recursive: true, force: true }));

/** Every entry is included in the current head, and every earlier head is consistent with it. */
async function checkLog(log: TransparencyLog, expected: Buffer[]): Promise<void> {
  const head = await log.treeHead();
  assert.equal(head.treeSize, expected.length);
  assert.ok(verifyTreeHead(head, signer.publicKey));
  for (const [i, entry] of expected.entries()) {
    assert.deepEqual(await log.entry(i), entry);
    assert.ok(verifyInclusion(leafHash(entry), await log.inclusionProof(i), head.rootHash), `entry ${i}`);
  }
}

test('appends return signed heads; proofs verify; the log reopens as it was', async () => {
  const dir = join(root, 'basic');
  const log = await TransparencyLog.open(dir, signer);
  const empty = await log.treeHead();
  assert.equal(empty.treeSize, 0);
  assert.ok(verifyTreeHead(empty, signer.publicKey));
  const entries = Array.from({ length: 20 }, (_, i) => Buffer.from(JSON.stringify({ proof: i })));
  const heads = [];
  for (const [i, entry] of entries.entries()) {
    const result = await log.append(entry);
    assert.equal(result.index, i);
    assert.equal(result.leafHash, leafHash(entry));
    assert.equal(result.treeHead.treeSize, i + 1);
    assert.ok(verifyInclusion(result.leafHash, await log.inclusionProof(i), result.treeHead.rootHash));
    heads.push(result.treeHead);
  }
  await checkLog(log, entries);
  for (const a of heads)
    for (const b of heads.filter((h) => h.treeSize >= a.treeSize))
      assert.ok(
        verifyConsistency(await log.consistencyProof(a.treeSize, b.treeSize), a.rootHash, b.rootHash),
      );
  const early = await log.inclusionProof(3, 5);
  assert.ok(
    verifyInclusion(leafHash(entries[3] as Buffer), early, (heads[4] as { rootHash: string }).rootHash),
  );
  await assert.rejects(log.inclusionProof(20), RangeError);
  await assert.rejects(log.consistencyProof(0, 4), RangeError);

  const reopened = await TransparencyLog.open(dir, signer);
  assert.equal((await reopened.treeHead()).rootHash, heads.at(-1)?.rootHash);
  await checkLog(reopened, entries);
});

test('concurrent appends in one process are serialised', async () => {
  const log = await TransparencyLog.open(join(root, 'concurrent'), signer);
  const entries = Array.from({ length: 30 }, (_, i) => Buffer.from(`c${i}`));
  const results = await Promise.all(entries.map((e) => log.append(e)));
  assert.deepEqual(
    results.map((r) => r.index).sort((a, b) => a - b),
    entries.map((_, i) => i),
  );
  const byIndex = results.map((r, i) => [r.index, entries[i] as Buffer] as const).sort((a, b) => a[0] - b[0]);
  await checkLog(
    log,
    byIndex.map(([, e]) => e),
  );
});

function runWriter(dir: string, tag: string, count: number) {
  const child = spawn(process.execPath, [writer, dir, keyFile, tag, String(count)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Listen from the start: a writer may finish before the test awaits it.
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, stderr: () => stderr };
}

test('two processes appending at once both land, in some order', async () => {
  const dir = join(root, 'two-writers');
  await TransparencyLog.open(dir, signer);
  const writers = [runWriter(dir, 'a', 15), runWriter(dir, 'b', 15)];
  for (const w of writers) {
    assert.equal(await w.exited, 0, w.stderr());
  }
  const log = await TransparencyLog.open(dir, signer);
  const got = await Promise.all(Array.from({ length: 30 }, (_, i) => log.entry(i)));
  const texts = got.map(String);
  for (const tag of ['a', 'b'])
    assert.deepEqual(
      texts.filter((t) => t.startsWith(tag + ' ')),
      Array.from({ length: 15 }, (_, i) => `${tag} ${i}`),
    );
  await checkLog(log, got);
});

test('a torn append (bytes past the checkpoint) is cut off on open, and a stale lock broken', async () => {
  const dir = join(root, 'torn');
  const log = await TransparencyLog.open(dir, signer);
  const entries = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')];
  for (const e of entries) await log.append(e);
  const head = await log.treeHead();
  const entriesSize = (await stat(join(dir, 'entries'))).size;
  await appendFile(join(dir, 'entries'), Buffer.from([0, 0, 0, 9, 1, 2]));
  await appendFile(join(dir, 'leaves'), Buffer.alloc(20, 7));
  // …and the writer's lock, left behind by a process that no longer exists.
  const dead = spawn(process.execPath, ['-e', '']);
  await once(dead, 'exit');
  await writeFile(join(dir, 'lock'), `${dead.pid} 0123\n`);
  const reopened = await TransparencyLog.open(dir, signer);
  assert.equal((await stat(join(dir, 'entries'))).size, entriesSize);
  assert.equal((await stat(join(dir, 'leaves'))).size, 3 * 32);
  assert.deepEqual(await reopened.treeHead(), head);
  await reopened.append(Buffer.from('four'));
  await checkLog(reopened, [...entries, Buffer.from('four')]);
  // A lost checkpoint is not mistaken for a torn append: nothing is cut.
  await rm(join(dir, 'checkpoint'));
  await assert.rejects(TransparencyLog.open(dir, signer), /entries has data but there is no checkpoint/);
});

test('a writer SIGKILLed mid-append leaves a log that reopens at its last checkpoint', async () => {
  const dir = join(root, 'killed');
  await TransparencyLog.open(dir, signer);
  const { child, exited, stderr } = runWriter(dir, 'k', 0);
  // Kill once it has committed a few entries; where exactly the kill lands is left to chance.
  for (;;) {
    const size = await readFile(join(dir, 'checkpoint'), 'utf8')
      .then((t) => (JSON.parse(t) as { treeSize: number }).treeSize)
      .catch(() => 0);
    if (size >= 25) break;
    assert.equal(child.exitCode, null, stderr());
    await sleep(5);
  }
  child.kill('SIGKILL');
  await exited;
  const log = await TransparencyLog.open(dir, signer);
  const head = await log.treeHead();
  assert.ok(head.treeSize >= 25);
  const expected = Array.from({ length: head.treeSize }, (_, i) => Buffer.from(`k ${i}`));
  await checkLog(log, expected);
  // The dead writer's lock (if it held one) does not block the next append.
  const appended = await log.append(Buffer.from('after the crash'));
  assert.equal(appended.index, head.treeSize);
  const proof = await log.consistencyProof(head.treeSize, appended.treeHead.treeSize);
  assert.ok(verifyConsistency(proof, head.rootHash, appended.treeHead.rootHash));
});
