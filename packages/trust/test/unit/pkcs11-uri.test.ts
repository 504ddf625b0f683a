import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPkcs11Uri, parsePkcs11Uri, Pkcs11UriError } from '../../src/index.ts';

test('path attributes with percent-encoding', () => {
  assert.deepEqual(
    parsePkcs11Uri('pkcs11:token=My%20Token;object=capsule%2Fsigning;id=%01%a0%FF;type=private;serial=abc'),
    {
      token: 'My Token',
      object: 'capsule/signing',
      id: Buffer.from([0x01, 0xa0, 0xff]),
      type: 'private',
      serial: 'abc',
    },
  );
  assert.deepEqual(parsePkcs11Uri('pkcs11:object=caf%C3%A9;slot-id=7'), { object: 'café', slotId: 7 });
  assert.deepEqual(parsePkcs11Uri('pkcs11:'), {});
  assert.deepEqual(parsePkcs11Uri('PKCS11:token=t;library-version=1;x-vendor=y'), { token: 't' });
});

test('query attributes: module-path and pin-source', () => {
  assert.deepEqual(
    parsePkcs11Uri(
      'pkcs11:token=t?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin%20file',
    ),
    { token: 't', modulePath: '/usr/lib/softhsm/libsofthsm2.so', pinSource: '/run/pin file' },
  );
  assert.equal(parsePkcs11Uri('pkcs11:?pin-source=file:///etc/pin').pinSource, '/etc/pin');
  assert.equal(parsePkcs11Uri('pkcs11:?pin-source=/etc/pin').pinSource, '/etc/pin');
});

test('pin-value is refused with a pointer to the alternatives', () => {
  assert.throws(
    () => parsePkcs11Uri('pkcs11:token=t?pin-value=1234'),
    (err: unknown) =>
      err instanceof Pkcs11UriError &&
      /pin-value is not accepted/.test(err.message) &&
      /PKCS11_PIN/.test(err.message),
  );
});

test('malformed URIs name what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['token=t', /must start with "pkcs11:"/],
    ['pkcs11:token=a;token=b', /"token" appears twice/],
    ['pkcs11:id=%0', /id: bad percent-encoding/],
    ['pkcs11:id=%zz', /bad percent-encoding/],
    ['pkcs11:type=key', /type "key" is not one of/],
    ['pkcs11:slot-id=x', /slot-id "x" is not a decimal/],
    ['pkcs11:colour=red', /unknown path attribute "colour"/],
    ['pkcs11:token', /not an attribute of the form name=value/],
    ['pkcs11:?module-name=softhsm2', /module-name is not supported/],
    ['pkcs11:?pin-source=https://example.com/pin', /must be a file: URI/],
    ['pkcs11:?pin-source=file://host/pin', /remote host/],
  ];
  for (const [uri, message] of cases) assert.throws(() => parsePkcs11Uri(uri), message, uri);
});

test('formatPkcs11Uri round-trips', () => {
  const uri = {
    token: 'a;b c',
    object: 'k?=&',
    id: Buffer.from([0, 255]),
    type: 'private' as const,
    modulePath: '/usr/lib/x.so',
    pinSource: '/tmp/p in',
  };
  const text = formatPkcs11Uri(uri);
  assert.equal(
    text,
    'pkcs11:token=a%3bb%20c;object=k%3f%3d%26;id=%00%ff;type=private?module-path=/usr/lib/x.so&pin-source=file:/tmp/p%20in',
  );
  assert.deepEqual(parsePkcs11Uri(text), uri);
});
