import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { generateKeyPair, readPublicKey } from '@industriverse/trust';
import type { ErrorCode } from '../../src/errors.ts';
import { verifyCapsule, type VerifyOptions } from '../../src/verify.ts';
import {
  capsuleEntries,
  checksumText,
  MANIFEST,
  payload,
  sha256,
  tar,
  tarGz,
  type RawEntry,
} from '../fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'capsule-verify-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const pair = generateKeyPair('ecdsa-p256');
const key = createPrivateKey(pair.privateKeyPem);
const pub = readPublicKey(pair.publicKeyPem);
const other = readPublicKey(generateKeyPair('ecdsa-p256').publicKeyPem);

let n = 0;
function write(bytes: Buffer): string {
  const file = join(work, `c${n++}.tar.gz`);
  writeFileSync(file, bytes);
  return file;
}

async function verifyBytes(bytes: Buffer, opts: Partial<VerifyOptions> = {}) {
  return verifyCapsule(write(bytes), { publicKeys: [pub], ...opts });
}

async function expectCode(bytes: Buffer, code: ErrorCode, opts: Partial<VerifyOptions> = {}, path?: string) {
  const r = await verifyBytes(bytes, opts);
  assert.equal(r.ok, false, `expected ${code}, got a valid capsule`);
  if (!r.ok) {
    assert.equal(r.error.code, code, r.error.message);
    if (path !== undefined) assert.equal(r.error.path, path);
    assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
  }
  return r;
}

const entries = (opts: Parameters<typeof capsuleEntries>[2] = {}, files = payload()) =>
  capsuleEntries(files, key, opts);

test('a well-formed capsule verifies, with its manifest, files, key and digest', async () => {
  const bytes = await tarGz(entries());
  const r = await verifyBytes(bytes, { publicKeys: [other, pub] });
  assert.equal(r.ok, true, r.ok ? '' : r.error.message);
  if (!r.ok) return;
  assert.equal(r.manifest.name, 'demo');
  assert.equal(r.manifest.billing?.currency, 'USD');
  assert.equal(r.keyId, pub.keyId);
  assert.equal(r.digest, `sha256:${sha256(bytes)}`);
  assert.deepEqual(
    r.files.map((f) => f.path),
    ['capsule.json', 'data/model.bin', 'run.sh'],
  );
});

test('./ prefixes, a root folder entry, folders and pax long paths are accepted', async () => {
  const long = `${'d'.repeat(120)}/${'e'.repeat(120)}/file.txt`;
  const files = [...payload(), { name: long, content: 'x' }];
  const list = entries({}, files).map((e) => (e.name === 'run.sh' ? { ...e, name: './run.sh' } : e));
  const bytes = await tarGz([
    { name: './', type: 'directory' },
    { name: 'data/', type: 'directory' },
    ...list,
  ]);
  const r = await verifyBytes(bytes);
  assert.equal(r.ok, true, r.ok ? '' : r.error.message);
  if (r.ok) assert.ok(r.files.some((f) => f.path === long));
});

test('ARCHIVE_CORRUPT: not gzip, truncated gzip, garbage after gzip or after the tar end, bad header', async () => {
  const good = await tarGz(entries());
  await expectCode(Buffer.from('this is not a capsule at all'), 'ARCHIVE_CORRUPT');
  await expectCode(good.subarray(0, good.length - 40), 'ARCHIVE_CORRUPT');
  await expectCode(Buffer.concat([good, Buffer.from('trailing garbage')]), 'ARCHIVE_CORRUPT');
  await expectCode(
    gzipSync(Buffer.concat([await tar(entries()), Buffer.from('junk after the end')])),
    'ARCHIVE_CORRUPT',
  );
  const raw = await tar(entries());
  raw[10] = raw[10]! ^ 0xff; // inside the first header's name: its checksum no longer matches
  await expectCode(gzipSync(raw), 'ARCHIVE_CORRUPT');
  // A tar with no end-of-archive blocks.
  await expectCode(gzipSync(raw.subarray(0, 512 * 3)), 'ARCHIVE_CORRUPT');
});

test('UNSAFE_PATH: absolute, .., escapes, and ../x listed in checksum.sha256', async () => {
  for (const name of ['/etc/passwd', '../evil', 'a/../../evil', 'a\\b']) {
    const bytes = await tarGz(entries({ extra: [{ name, content: 'x' }] }));
    await expectCode(bytes, 'UNSAFE_PATH');
  }
  const files = payload();
  const listed = checksumText(files) + `${sha256('x')}  ../x\n`;
  await expectCode(await tarGz(entries({ checksum: listed })), 'UNSAFE_PATH', {}, '../x');
});

test('LINK_NOT_ALLOWED: symlinks and hardlinks', async () => {
  for (const type of ['symlink', 'link'] as const) {
    const bytes = await tarGz(entries({ extra: [{ name: 'link', type, linkname: 'run.sh' }] }));
    await expectCode(bytes, 'LINK_NOT_ALLOWED', {}, 'link');
  }
});

test('SPECIAL_FILE: devices and fifos', async () => {
  for (const type of ['character-device', 'block-device', 'fifo'] as const) {
    const bytes = await tarGz(entries({ extra: [{ name: 'dev', type }] }));
    await expectCode(bytes, 'SPECIAL_FILE', {}, 'dev');
  }
});

test('SIZE_LIMIT: entry, total and count limits, checked at the header', async () => {
  const bytes = await tarGz(entries());
  await expectCode(bytes, 'SIZE_LIMIT', { limits: { maxEntrySize: 1000 } }, 'data/model.bin');
  await expectCode(bytes, 'SIZE_LIMIT', { limits: { maxTotalSize: 2100 } });
  await expectCode(bytes, 'SIZE_LIMIT', { limits: { maxEntries: 2 } });
  // A header announcing 10 GiB is refused before any data is read.
  const huge = await tar([{ name: 'capsule.json', content: '{}' }]);
  const header = Buffer.from(huge.subarray(0, 512));
  header.write('00120000000000\0', 124, 'ascii'); // size field: 10 GiB in octal
  let sum = 0;
  header.fill(0x20, 148, 156);
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  await expectCode(gzipSync(header), 'SIZE_LIMIT');
});

test('SIZE_LIMIT: a gzip bomb stops at the limit while streaming', async () => {
  // 10 MiB of zeros compress to about 10 KiB; the decompressed bytes are counted as they come.
  await expectCode(gzipSync(Buffer.alloc(10 * 1024 * 1024)), 'SIZE_LIMIT', {
    limits: { maxTotalSize: 1024, maxEntries: 10 },
  });
  // A 1 GiB stream (1 MiB compressed) is cut off long before its end.
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end(await tar(entries()));
  await new Promise((r) => gz.on('end', r));
  const before = process.memoryUsage().rss;
  await expectCode(Buffer.concat(parts), 'SIZE_LIMIT');
  assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024);
});

test('DUPLICATE_ENTRY: twice the same path, also after normalisation, and a file listed twice', async () => {
  await expectCode(
    await tarGz(entries({ extra: [{ name: 'run.sh', content: 'again' }] })),
    'DUPLICATE_ENTRY',
  );
  await expectCode(
    await tarGz(entries({ extra: [{ name: './data//model.bin', content: 'x' }] })),
    'DUPLICATE_ENTRY',
  );
  await expectCode(await tarGz(entries({ extra: [{ name: 'run.sh/x', content: 'x' }] })), 'DUPLICATE_ENTRY');
  const twice = checksumText(payload()) + `${sha256('#!/bin/sh\necho hello\n')}  run.sh\n`;
  await expectCode(await tarGz(entries({ checksum: twice })), 'DUPLICATE_ENTRY');
  const dotted = checksumText(payload()) + `${sha256('#!/bin/sh\necho hello\n')}  ./run.sh\n`;
  await expectCode(await tarGz(entries({ checksum: dotted })), 'DUPLICATE_ENTRY');
});

test('CHECKSUM_MISSING', async () => {
  await expectCode(await tarGz(entries({ checksum: null, signature: 'AAAA\n' })), 'CHECKSUM_MISSING');
});

test('CHECKSUM_MISMATCH: a changed file, a malformed list', async () => {
  const files = payload();
  const changed = files.map((f) => (f.name === 'run.sh' ? { ...f, content: 'rm -rf /\n' } : f));
  await expectCode(await tarGz(entries({ listed: files }, changed)), 'CHECKSUM_MISMATCH', {}, 'run.sh');
  await expectCode(await tarGz(entries({ checksum: 'not a checksum line\n' })), 'CHECKSUM_MISMATCH');
});

test('UNLISTED_FILE and MISSING_FILE', async () => {
  await expectCode(
    await tarGz(entries({ extra: [{ name: 'extra.txt', content: 'x' }] })),
    'UNLISTED_FILE',
    {},
    'extra.txt',
  );
  const files = payload();
  await expectCode(
    await tarGz(
      entries(
        { listed: files },
        files.filter((f) => f.name !== 'run.sh'),
      ),
    ),
    'MISSING_FILE',
    {},
    'run.sh',
  );
});

test('SIGNATURE_MISSING and SIGNATURE_INVALID (other key, garbage, tampered list)', async () => {
  await expectCode(await tarGz(entries({ signature: null })), 'SIGNATURE_MISSING');
  await expectCode(await tarGz(entries()), 'SIGNATURE_INVALID', { publicKeys: [other] });
  await expectCode(await tarGz(entries({ signature: 'bm90IGEgc2lnbmF0dXJl\n' })), 'SIGNATURE_INVALID');
  await expectCode(await tarGz(entries({ signature: '%%%\n' })), 'SIGNATURE_INVALID');
  // The list changed after signing: the signature catches it before the files are compared.
  const files = payload();
  const forged = checksumText(files).replace(/^[0-9a-f]{8}/, '00000000');
  const sig = capsuleEntries(files, key).find((e) => e.name === 'signature.sig')!.content as string;
  await expectCode(await tarGz(entries({ checksum: forged, signature: sig })), 'SIGNATURE_INVALID');
});

test('MANIFEST_INVALID names the JSON pointer; ENTRYPOINT_MISSING', async () => {
  const r = await expectCode(
    await tarGz(entries({}, payload({ ...MANIFEST, extra: 1 }))),
    'MANIFEST_INVALID',
  );
  if (!r.ok) assert.match(r.error.message, /\/extra/);
  const r2 = await expectCode(
    await tarGz(entries({}, payload({ ...MANIFEST, billing: { unit: 'run', price: -1 } }))),
    'MANIFEST_INVALID',
  );
  if (!r2.ok) assert.match(r2.error.message, /\/billing\/price/);
  const noManifest = payload().filter((f) => f.name !== 'capsule.json');
  await expectCode(await tarGz(entries({}, noManifest)), 'MANIFEST_INVALID', {}, 'capsule.json');
  const r3 = await expectCode(
    await tarGz(entries({}, payload({ ...MANIFEST, entrypoint: 'bin/missing' }))),
    'ENTRYPOINT_MISSING',
  );
  if (!r3.ok) assert.equal(r3.manifest?.name, 'demo');
});

test('precedence: the first problem in the stream wins, then the documented order', async () => {
  // An unsafe path before a link: UNSAFE_PATH; a missing signature and an unlisted file: SIGNATURE_MISSING.
  const extra: RawEntry[] = [
    { name: '../up', content: 'x' },
    { name: 'ln', type: 'symlink', linkname: '/etc' },
  ];
  await expectCode(await tarGz(entries({ extra })), 'UNSAFE_PATH');
  await expectCode(
    await tarGz(entries({ signature: null, extra: [{ name: 'u.txt', content: 'x' }] })),
    'SIGNATURE_MISSING',
  );
});

test('extract writes into a fresh temp folder only, and removes it on failure', async () => {
  const before = readdirSync(tmpdir()).filter((d) => d.startsWith('capsule-')).length;
  const ok = await verifyBytes(await tarGz(entries()), { extract: true });
  assert.equal(ok.ok, true);
  if (ok.ok) {
    assert.ok(ok.dir && ok.dir.startsWith(tmpdir()));
    assert.equal(readFileSync(join(ok.dir, 'run.sh'), 'utf8'), '#!/bin/sh\necho hello\n');
    assert.equal(statSync(join(ok.dir, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(existsSync(join(ok.dir, 'checksum.sha256')), false);
    rmSync(ok.dir, { recursive: true });
  }
  const bad = await verifyBytes(
    await tarGz(entries({ extra: [{ name: 'ln', type: 'symlink', linkname: '/' }] })),
    {
      extract: true,
    },
  );
  assert.equal(bad.ok, false);
  const tampered = payload().map((f) => (f.name === 'run.sh' ? { ...f, content: 'x' } : f));
  const bad2 = await verifyBytes(await tarGz(entries({ listed: payload() }, tampered)), { extract: true });
  assert.equal(bad2.ok, false);
  assert.equal(readdirSync(tmpdir()).filter((d) => d.startsWith('capsule-')).length, before);
});
