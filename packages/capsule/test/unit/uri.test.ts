import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapsuleUriError, formatCapsuleUri, parseCapsuleUri } from '../../src/uri.ts';

test('parses name, version and the proof flag', () => {
  assert.deepEqual(parseCapsuleUri('capsule://m2n2-metal:0.1.0'), {
    name: 'm2n2-metal',
    version: '0.1.0',
    proof: false,
  });
  assert.deepEqual(parseCapsuleUri('capsule://m2n2-metal:0.1.0?proof=true'), {
    name: 'm2n2-metal',
    version: '0.1.0',
    proof: true,
  });
  assert.deepEqual(parseCapsuleUri('capsule://x:1.0.0-rc.1+build.5?proof=false'), {
    name: 'x',
    version: '1.0.0-rc.1+build.5',
    proof: false,
  });
});

test('formats what it parses', () => {
  for (const uri of ['capsule://a:1.2.3', 'capsule://a-b:0.0.1?proof=true']) {
    assert.equal(formatCapsuleUri(parseCapsuleUri(uri)), uri);
  }
});

test('rejects malformed URIs with a message naming the part', () => {
  const cases: [string, RegExp][] = [
    ['http://a:1.0.0', /must start with capsule:\/\//],
    ['capsule://a', /expected name:version/],
    ['capsule://:1.0.0', /name is empty/],
    ['capsule://a:', /version is empty/],
    ['capsule://A:1.0.0', /DNS-1123/],
    ['capsule://-a:1.0.0', /DNS-1123/],
    ['capsule://a.b:1.0.0', /DNS-1123/],
    [`capsule://${'a'.repeat(64)}:1.0.0`, /DNS-1123/],
    ['capsule://a:1.0', /not a semantic version/],
    ['capsule://a:v1.0.0', /not a semantic version/],
    ['capsule://a:1.0.0/extra', /not a semantic version/],
    ['capsule://a:1.0.0?', /query is empty/],
    ['capsule://a:1.0.0?proof=yes', /proof must be "true" or "false"/],
    ['capsule://a:1.0.0?proof', /proof must be "true" or "false"/],
    ['capsule://a:1.0.0?proof=true&proof=true', /repeated/],
    ['capsule://a:1.0.0?sig=true', /unknown query parameter "sig"/],
    ['capsule://a:1.0.0#frag', /fragments/],
  ];
  for (const [uri, message] of cases) {
    assert.throws(
      () => parseCapsuleUri(uri),
      (err: unknown) => err instanceof CapsuleUriError && message.test(err.message),
      uri,
    );
  }
});
