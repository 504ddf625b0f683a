import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addEntry,
  attachProofId,
  emptyIndex,
  findEntry,
  parseIndex,
  serializeIndex,
  type IndexEntry,
} from '../../src/registry/capsule-index.ts';
import { RegistryError } from '../../src/registry/errors.ts';

const hex = (c: string) => `sha256:${c.repeat(64)}`;

function entry(name: string, version: string, digest: string): IndexEntry {
  return {
    name,
    version,
    digest,
    size: 10,
    manifest: { name, version },
    keyId: 'k'.repeat(64),
    pushedAt: '2026-01-01T00:00:00.000Z',
    proofs: [],
    metadata: {},
  };
}

const code = (c: string) => (err: unknown) => err instanceof RegistryError && err.code === c;

test('entries are kept sorted by name and semantic version', () => {
  let index = emptyIndex();
  for (const e of [
    entry('b', '1.0.0', hex('1')),
    entry('a', '1.10.0', hex('2')),
    entry('a', '1.9.0', hex('3')),
  ]) {
    index = addEntry(index, e).index;
  }
  assert.deepEqual(
    index.entries.map((e) => `${e.name}:${e.version}`),
    ['a:1.9.0', 'a:1.10.0', 'b:1.0.0'],
  );
  assert.equal(findEntry(index, 'a', '1.10.0')?.digest, hex('2'));
});

test('versions are immutable; the same digest is idempotent', () => {
  const first = addEntry(emptyIndex(), entry('a', '1.0.0', hex('1')));
  assert.equal(first.added, true);
  const again = addEntry(first.index, { ...entry('a', '1.0.0', hex('1')), pushedAt: 'later' });
  assert.equal(again.added, false);
  assert.equal(again.entry.pushedAt, '2026-01-01T00:00:00.000Z');
  assert.throws(() => addEntry(first.index, entry('a', '1.0.0', hex('2'))), code('CONFLICT'));
});

test('attaching a proof records it once and sets metadata.proof_id', () => {
  const index = addEntry(emptyIndex(), entry('a', '1.0.0', hex('1'))).index;
  const one = attachProofId(index, hex('1'), hex('p'));
  assert.equal(one.changed, true);
  assert.deepEqual(one.entry.proofs, [hex('p')]);
  assert.equal(one.entry.metadata.proof_id, hex('p'));
  const twice = attachProofId(one.index, hex('1'), hex('p'));
  assert.equal(twice.changed, false);
  assert.deepEqual(twice.entry.proofs, [hex('p')]);
  const second = attachProofId(twice.index, hex('1'), hex('q'));
  assert.deepEqual(second.entry.proofs, [hex('p'), hex('q')]);
  assert.equal(second.entry.metadata.proof_id, hex('q'));
  assert.throws(() => attachProofId(index, hex('9'), hex('p')), code('NOT_FOUND'));
});

test('the index round-trips and a malformed one is reported with its path', () => {
  const index = addEntry(emptyIndex(), entry('a', '1.0.0', hex('1'))).index;
  assert.deepEqual(parseIndex(serializeIndex(index), 'index.json'), index);
  assert.throws(() => parseIndex('{', 'index.json'), /index.json: not JSON/);
  const bad = { ...index, entries: [{ ...index.entries[0], digest: 'md5:x' }] };
  assert.throws(
    () => parseIndex(JSON.stringify(bad), 'index.json'),
    /index.json: invalid index at \/entries\/0\/digest/,
  );
  assert.throws(() => parseIndex(JSON.stringify({ ...index, apiVersion: 'v0' }), 'i'), /\/apiVersion/);
});
