import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CapsuleError } from '../../src/errors.ts';
import {
  DEFAULT_LIMITS,
  EntryChecker,
  type ArchiveEntry,
  type TarHeader,
} from '../../src/archive/entries.ts';
import { normalisePath } from '../../src/archive/paths.ts';
import { readArchive } from '../../src/archive/read.ts';
import { tar } from '../fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'capsule-archive-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CapsuleError) return err.code;
    throw err;
  }
  return undefined;
};

function header(fields: Partial<TarHeader> & { name: string }): TarHeader {
  return {
    type: 'file',
    mode: 0o644,
    size: 0,
    mtime: new Date(0),
    linkname: '',
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    pax: null,
    ...fields,
  };
}

let n = 0;
async function read(tarGz: Buffer): Promise<{ entries: ArchiveEntry[]; data: number; code?: string }> {
  const file = join(work, `a${n++}.tar.gz`);
  writeFileSync(file, tarGz);
  const entries: ArchiveEntry[] = [];
  let data = 0;
  const r = await readArchive(
    file,
    { entry: (e) => entries.push(e), data: (c) => (data += c.length), end: () => {} },
    DEFAULT_LIMITS,
  );
  return { entries, data, ...(r.error ? { code: r.error.code } : {}) };
}

test('normalisePath: ./ prefixes and empty segments go; escapes are UNSAFE_PATH', () => {
  assert.equal(normalisePath('./a//b/./c/'), 'a/b/c');
  assert.equal(normalisePath('./'), '');
  for (const bad of ['/etc', '../x', 'a/../b', 'C:/x', 'a\\b', 'a\nb', `${'x'.repeat(256)}/y`])
    assert.equal(
      codeOf(() => normalisePath(bad)),
      'UNSAFE_PATH',
      bad,
    );
});

test('entry checks: pax paths, strict UTF-8 names, unknown types, sparse files, folders with data', () => {
  const c = new EntryChecker();
  assert.equal(c.check(header({ name: './', type: 'directory' })), undefined);
  const long = `${'a'.repeat(200)}/ü.txt`;
  assert.equal(c.check(header({ name: 'PaxHeader', pax: { path: long }, size: 5 }))?.path, long);
  // ustar names arrive as latin1 (one char a byte) and must decode as UTF-8.
  const utf8Name = Buffer.from('données.bin').toString('latin1');
  assert.equal(c.check(header({ name: utf8Name }))?.path, 'données.bin');
  assert.equal(
    codeOf(() => c.check(header({ name: '\xff\xfe' }))),
    'UNSAFE_PATH',
  );
  assert.equal(
    codeOf(() => c.check(header({ name: 'v', type: null }))),
    'ARCHIVE_CORRUPT',
  );
  assert.equal(
    codeOf(() => c.check(header({ name: 's', pax: { 'GNU.sparse.map': '0,1' } }))),
    'ARCHIVE_CORRUPT',
  );
  assert.equal(
    codeOf(() => c.check(header({ name: 'd', type: 'directory', size: 512 }))),
    'ARCHIVE_CORRUPT',
  );
  assert.equal(
    codeOf(() => c.check(header({ name: 'x/../../y' }))),
    'UNSAFE_PATH',
  );
  assert.equal(
    codeOf(() => c.check(header({ name: `./${utf8Name}` }))),
    'DUPLICATE_ENTRY',
  );
});

test('entry checks: limits at the header, sizes beyond 8 GiB', () => {
  const c = new EntryChecker({ maxEntrySize: 2 ** 40, maxTotalSize: 12 * 1024 ** 3, maxEntries: 3 });
  assert.equal(c.check(header({ name: 'big', size: 10 * 1024 ** 3 }))?.size, 10 * 1024 ** 3);
  assert.equal(
    codeOf(() => c.check(header({ name: 'more', size: 3 * 1024 ** 3 }))),
    'SIZE_LIMIT',
  );
  const few = new EntryChecker({ ...DEFAULT_LIMITS, maxEntries: 1 });
  few.check(header({ name: 'a' }));
  assert.equal(
    codeOf(() => few.check(header({ name: 'b' }))),
    'SIZE_LIMIT',
  );
});

test('end of archive: data after the last entry, missing end blocks, a long zero tail', async () => {
  const archive = await tar([{ name: 'f', content: 'hello' }]);
  assert.equal(archive.length, 512 * 4);
  const ok = await read(gzipSync(archive));
  assert.equal(ok.code, undefined);
  assert.deepEqual(
    ok.entries.map((e) => [e.path, e.size]),
    [['f', 5]],
  );
  assert.equal(ok.data, 5);
  // tar pads to 10 KiB records.
  assert.equal((await read(gzipSync(Buffer.concat([archive, Buffer.alloc(8192)])))).code, undefined);
  assert.equal((await read(gzipSync(archive.subarray(0, 1024)))).code, 'ARCHIVE_CORRUPT');
  assert.equal((await read(gzipSync(archive.subarray(0, 1536)))).code, 'ARCHIVE_CORRUPT');
  const junk = Buffer.alloc(512);
  junk.write('junk');
  assert.equal((await read(gzipSync(Buffer.concat([archive, junk])))).code, 'ARCHIVE_CORRUPT');
  assert.equal(
    (await read(gzipSync(Buffer.concat([archive, Buffer.alloc(2 * 1024 * 1024)])))).code,
    'SIZE_LIMIT',
  );
  assert.equal((await read(Buffer.concat([gzipSync(archive), Buffer.from('x')]))).code, 'ARCHIVE_CORRUPT');
});

test('a broken header after a large entry: ARCHIVE_CORRUPT, with the data before it read', async () => {
  const archive = await tar([
    { name: 'big', content: randomBytes(24 * 1024 * 1024) },
    { name: 'next', content: randomBytes(24 * 1024 * 1024) },
  ]);
  const at = 512 + 24 * 1024 * 1024;
  archive[at] = archive[at]! ^ 0xff; // the second header's checksum no longer matches
  const r = await read(gzipSync(archive, { level: 1 }));
  assert.equal(r.code, 'ARCHIVE_CORRUPT');
  assert.equal(r.data, 24 * 1024 * 1024);
});
