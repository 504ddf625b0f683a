import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sortFiles, writeRendered } from '../../src/render/files.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kubedos-files-'));
  dirs.push(d);
  return d;
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('writeRendered', () => {
  it('writes every file with its exact mode; directories holding secrets are 0700', async () => {
    const out = path.join(tmp(), 'out');
    await writeRendered(out, [
      { path: 'b/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
      { path: 'secrets/x/a.key', content: 'k\n', secret: true },
      { path: 'secrets/x/a.pub', content: 'p\n' },
      { path: 'a.txt', content: 'é\n' },
    ]);
    assert.equal(readFileSync(path.join(out, 'a.txt'), 'utf8'), 'é\n');
    assert.equal(mode(path.join(out, 'a.txt')), 0o644);
    assert.equal(mode(path.join(out, 'b/run.sh')), 0o755);
    assert.equal(mode(path.join(out, 'secrets/x/a.key')), 0o600);
    assert.equal(mode(path.join(out, 'secrets/x/a.pub')), 0o644);
    assert.equal(mode(path.join(out, 'secrets')), 0o700);
    assert.equal(mode(path.join(out, 'secrets/x')), 0o700);
    assert.equal(mode(path.join(out, 'b')), 0o755);
    // No temporary file is left behind; a rewrite replaces the content.
    await writeRendered(out, [{ path: 'a.txt', content: 'second\n' }]);
    assert.equal(readFileSync(path.join(out, 'a.txt'), 'utf8'), 'second\n');
    assert.deepEqual(readdirSync(out).sort(), ['a.txt', 'b', 'secrets']);
  });

  it('refuses paths that escape the output directory, and duplicates, before writing anything', async () => {
    const out = tmp();
    for (const bad of ['../x', '/etc/x', 'a/../../x', 'a//b', './a', 'a\\b', ''])
      await assert.rejects(
        writeRendered(out, [
          { path: 'ok.txt', content: '' },
          { path: bad, content: '' },
        ]),
        /not a plain relative path/,
      );
    await assert.rejects(
      writeRendered(out, [
        { path: 'a', content: '1' },
        { path: 'a', content: '2' },
      ]),
      /produced twice/,
    );
    assert.deepEqual(readdirSync(out), []);
  });

  it('refuses to write through a symlinked directory', async () => {
    const out = tmp();
    const elsewhere = tmp();
    symlinkSync(elsewhere, path.join(out, 'link'));
    await assert.rejects(writeRendered(out, [{ path: 'link/x.txt', content: 'x' }]), /not a plain directory/);
    assert.ok(!existsSync(path.join(elsewhere, 'x.txt')));
    mkdirSync(path.join(out, 'real'));
    await writeRendered(out, [{ path: 'real/x.txt', content: 'x' }]);
  });

  it('sorts by path in byte order', () => {
    const files = ['b', 'a/z', 'B', 'a', 'a-b'].map((p) => ({ path: p, content: '' }));
    assert.deepEqual(
      sortFiles(files).map((f) => f.path),
      ['B', 'a', 'a-b', 'a/z', 'b'],
    );
  });
});
