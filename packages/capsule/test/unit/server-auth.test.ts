import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from '../../src/registry/errors.ts';
import { checkBearer } from '../../src/server/auth.ts';
import { isLoopback, parseListen } from '../../src/server/server.ts';

const code = (c: string) => (err: unknown) => err instanceof RegistryError && err.code === c;

test('bearer tokens: missing is 401, wrong or read-only is 403', () => {
  assert.doesNotThrow(() => checkBearer('Bearer s3cret', 's3cret'));
  assert.doesNotThrow(() => checkBearer('bearer s3cret', 's3cret'));
  assert.throws(() => checkBearer(undefined, 's3cret'), code('UNAUTHORIZED'));
  assert.throws(() => checkBearer('Basic czNjcmV0', 's3cret'), code('UNAUTHORIZED'));
  assert.throws(() => checkBearer('Bearer s3cre', 's3cret'), code('FORBIDDEN'));
  assert.throws(() => checkBearer('Bearer s3cret-and-more', 's3cret'), code('FORBIDDEN'));
  assert.throws(() => checkBearer('Bearer s3cret', undefined), code('FORBIDDEN'));
});

test('--listen parsing and the loopback rule', () => {
  assert.deepEqual(parseListen('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('0.0.0.0:443'), { host: '0.0.0.0', port: 443 });
  assert.throws(() => parseListen('localhost'), /HOST:PORT/);
  assert.throws(() => parseListen('a:70000'), /HOST:PORT/);
  assert.ok(
    isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('localhost'),
  );
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.1') && !isLoopback('::'));
});
