import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatQuantity, parseQuantity, QuantityError, quantityValue } from '../../src/api/quantity.ts';

it('parses Kubernetes quantities in every suffix form', () => {
  const cases: [string, number][] = [
    ['2', 2],
    ['500m', 0.5],
    ['31500m', 31.5],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['100n', 1e-7],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['1E3', 1000],
    ['123Mi', 123 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['256Gi', 256 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1k', 1000],
    ['1M', 1e6],
    ['4G', 4e9],
    ['+1', 1],
  ];
  for (const [text, value] of cases) assert.equal(parseQuantity(text), value, text);
});

it('rejects what is not a quantity', () => {
  for (const bad of ['', 'Gi', '1GB', '1gi', '1 Gi', 'one', '1.2.3', '1K', '--1']) {
    assert.throws(() => parseQuantity(bad), QuantityError, bad);
  }
});

it('formats quantities for messages', () => {
  assert.equal(formatQuantity(0.5, 'cpu'), '500m');
  assert.equal(formatQuantity(32, 'cpu'), '32');
  assert.equal(formatQuantity(256 * 2 ** 30, 'memory'), '256Gi');
  assert.equal(formatQuantity(1.5 * 2 ** 20, 'memory'), '1.5Mi');
  assert.equal(formatQuantity(100, 'memory'), '100');
  assert.equal(formatQuantity(8, 'count'), '8');
});

it('quantityValue is lenient: numbers pass, anything else is undefined', () => {
  assert.equal(quantityValue('512Mi'), 512 * 2 ** 20);
  assert.equal(quantityValue(3), 3);
  assert.equal(quantityValue(Number.NaN), undefined);
  assert.equal(quantityValue('12Q'), undefined);
  assert.equal(quantityValue('abc'), undefined);
  assert.equal(quantityValue(undefined), undefined);
});
