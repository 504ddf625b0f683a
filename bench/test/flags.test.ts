import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';

test('negative numbers are values, not flags', () => {
  assert.deepEqual(
    { ...parseFlags(['--qps', '-1', '--burst', '5'], ['qps', 'burst']) },
    { qps: '-1', burst: '5' },
  );
});

test('unknown flags and positionals are usage errors', () => {
  assert.throws(() => parseFlags(['--bogus', '1'], ['qps']), UsageError);
  assert.throws(() => parseFlags(['stray'], ['qps']), UsageError);
});

test('numberFlag checks the value', () => {
  const v = { n: '8', f: '1.5', bad: 'x', neg: '-2' };
  assert.equal(numberFlag(v, 'n', 1, { min: 1, integer: true }), 8);
  assert.equal(numberFlag(v, 'missing', 42), 42);
  assert.equal(numberFlag(v, 'neg', 0), -2);
  assert.throws(() => numberFlag(v, 'f', 1, { integer: true }), UsageError);
  assert.throws(() => numberFlag(v, 'bad', 1), UsageError);
  assert.throws(() => numberFlag(v, 'neg', 0, { min: 0 }), UsageError);
});
