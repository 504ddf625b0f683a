import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../../src/api/meta.ts';
import { findCondition, isTrue, removeCondition, setCondition } from '../../src/objects/conditions.ts';

const t0 = new Date('2024-05-01T10:00:00.123Z');
const t1 = new Date('2024-05-01T10:05:00.999Z');

describe('setCondition', () => {
  it('adds a new condition with lastTransitionTime = now in whole seconds', () => {
    const out = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting', observedGeneration: 1 },
      t0,
    );
    assert.deepEqual(out, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pending',
        message: 'waiting',
        lastTransitionTime: '2024-05-01T10:00:00Z',
        observedGeneration: 1,
      },
    ]);
  });

  it('keeps lastTransitionTime when the status does not change, but updates reason, message and generation', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'a', observedGeneration: 1 },
      t0,
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'Scaling', message: 'b', observedGeneration: 2 },
      t1,
    );
    assert.equal(second[0]!.lastTransitionTime, '2024-05-01T10:00:00Z');
    assert.equal(second[0]!.reason, 'Scaling');
    assert.equal(second[0]!.message, 'b');
    assert.equal(second[0]!.observedGeneration, 2);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, t0);
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Available', message: '' },
      t1,
    );
    assert.equal(second[0]!.lastTransitionTime, '2024-05-01T10:05:00Z');
    assert.equal(second[0]!.status, 'True');
  });

  it('takes an explicit lastTransitionTime on transition only', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
      t0,
    );
    assert.equal(first[0]!.lastTransitionTime, '2020-01-01T00:00:00Z');
    const same = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: '2021-01-01T00:00:00Z' },
      t1,
    );
    assert.equal(same[0]!.lastTransitionTime, '2020-01-01T00:00:00Z');
  });

  it('clears observedGeneration when the update omits it, as apimachinery does', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'R', message: '', observedGeneration: 3 },
      t0,
    );
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'R', message: '' }, t1);
    assert.equal('observedGeneration' in second[0]!, false);
  });

  it('returns a new array, keeps order and leaves other conditions and the input untouched', () => {
    const input: Condition[] = [
      { type: 'A', status: 'True', reason: 'x', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
      { type: 'B', status: 'False', reason: 'y', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
    ];
    const snapshot = structuredClone(input);
    const out = setCondition(input, { type: 'A', status: 'False', reason: 'z', message: 'm' }, t1);
    assert.notEqual(out, input);
    assert.deepEqual(input, snapshot);
    assert.deepEqual(
      out.map((c) => c.type),
      ['A', 'B'],
    );
    assert.equal(out[1], input[1]);
  });
});

describe('findCondition / isTrue / removeCondition', () => {
  const conditions = setCondition(
    setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, t0),
    { type: 'Degraded', status: 'Unknown', reason: 'D', message: '' },
    t0,
  );

  it('finds by type', () => {
    assert.equal(findCondition(conditions, 'Degraded')?.status, 'Unknown');
    assert.equal(findCondition(conditions, 'Missing'), undefined);
    assert.equal(findCondition(undefined, 'Ready'), undefined);
  });

  it('isTrue only for status True', () => {
    assert.equal(isTrue(conditions, 'Ready'), true);
    assert.equal(isTrue(conditions, 'Degraded'), false);
    assert.equal(isTrue(conditions, 'Missing'), false);
    assert.equal(isTrue(undefined, 'Ready'), false);
  });

  it('removes by type without touching the input', () => {
    const out = removeCondition(conditions, 'Ready');
    assert.deepEqual(
      out.map((c) => c.type),
      ['Degraded'],
    );
    assert.equal(conditions.length, 2);
    assert.deepEqual(removeCondition(undefined, 'Ready'), []);
  });
});
