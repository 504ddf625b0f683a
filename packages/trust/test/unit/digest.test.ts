import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ChecksumFormatError,
  formatSha256Sum,
  parseSha256Sum,
  sha256File,
  sha256Hex,
  sha256Tree,
  TreeEntryError,
} from '../../src/index.ts';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('sha256Hex of bytes and strings', () => {
  assert.equal(sha256Hex(''), EMPTY);
  assert.equal(sha256Hex(new TextEncoder().encode('abc')), sha256Hex('abc'));
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256File streams a file larger than one read chunk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trust-digest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  await writeFile(join(dir, 'big'), data);
  assert.equal(await sha256File(join(dir, 'big')), sha256Hex(data));
  await assert.rejects(sha256File(join(dir, 'missing')), /ENOENT/);
});

test('sha256Tree lists regular files sorted with posix paths, and refuses symlinks', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trust-tree-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'b/c'), { recursive: true });
  await writeFile(join(dir, 'b/c/d.txt'), 'd');
  await writeFile(join(dir, 'a.txt'), 'aa');
  await writeFile(join(dir, 'B.txt'), '');
  assert.deepEqual(await sha256Tree(dir), [
    { path: 'B.txt', sha256: EMPTY, size: 0 },
    { path: 'a.txt', sha256: sha256Hex('aa'), size: 2 },
    { path: 'b/c/d.txt', sha256: sha256Hex('d'), size: 1 },
  ]);
  await symlink('a.txt', join(dir, 'b/link'));
  await assert.rejects(sha256Tree(dir), (err: unknown) => {
    assert.ok(err instanceof TreeEntryError);
    assert.equal(err.path, 'b/link');
    assert.equal(err.kind, 'symlink');
    return true;
  });
});

test('formatSha256Sum output is accepted by sha256sum -c', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trust-sum-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub/x'), 'x');
  await writeFile(join(dir, 'y z'), 'y');
  const text = formatSha256Sum((await sha256Tree(dir)).reverse());
  assert.equal(text, `${sha256Hex('x')}  sub/x\n${sha256Hex('y')}  y z\n`);
  await writeFile(join(dir, 'SUMS'), text);
  execFileSync('sha256sum', ['--strict', '-c', 'SUMS'], { cwd: dir, stdio: 'pipe' });
  assert.deepEqual(parseSha256Sum(text), [
    { path: 'sub/x', sha256: sha256Hex('x') },
    { path: 'y z', sha256: sha256Hex('y') },
  ]);
});

test('formatSha256Sum refuses paths that would break the line format', () => {
  assert.throws(() => formatSha256Sum([{ path: 'a\nb', sha256: EMPTY }]), ChecksumFormatError);
  assert.throws(() => formatSha256Sum([{ path: 'a', sha256: 'xyz' }]), /not 64 lowercase hex/);
});

test('parseSha256Sum accepts binary markers, CRLF and uppercase hex', () => {
  assert.deepEqual(parseSha256Sum(`${EMPTY.toUpperCase()} *bin\r\n\n${EMPTY}  t\n`), [
    { path: 'bin', sha256: EMPTY },
    { path: 't', sha256: EMPTY },
  ]);
});

test('parseSha256Sum names the malformed line', () => {
  for (const [text, line, message] of [
    [`${EMPTY}  a\nnot a checksum\n`, 2, /expected/],
    [`${EMPTY.slice(1)}  a\n`, 1, /expected/],
    [`${EMPTY}  a\n${EMPTY}  a\n`, 2, /listed twice/],
    [`${EMPTY}\n`, 1, /expected/],
  ] as const) {
    assert.throws(
      () => parseSha256Sum(text),
      (err: unknown) => err instanceof ChecksumFormatError && err.line === line && message.test(err.message),
    );
  }
});
