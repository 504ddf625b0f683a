// ECDSA signature encodings: PKCS#11 and WebCrypto return raw r‖s, while openssl, cosign and X.509
// use a DER SEQUENCE of two INTEGERs.

/** Raw r‖s (two equal halves) → DER `SEQUENCE { INTEGER r, INTEGER s }`. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0)
    throw new Error(`raw ECDSA signature has ${raw.length} bytes; expected an even, non-zero length (r‖s)`);
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  return Buffer.concat([Buffer.from([0x30]), derLength(r.length + s.length), r, s]);
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → raw r‖s, each padded to `size` bytes (32 for P-256). */
export function ecdsaDerToRaw(der: Uint8Array, size = 32): Buffer {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`DER ECDSA signature: ${what}`);
  };
  const readLength = (): number => {
    const first = buf[pos++] ?? fail('truncated length');
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 2) fail('unsupported length encoding');
    let len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (buf[pos++] ?? fail('truncated length'));
    return len;
  };
  const readInteger = (): Buffer => {
    if (buf[pos++] !== 0x02) fail('expected an INTEGER');
    const len = readLength();
    if (len === 0 || pos + len > buf.length) fail('INTEGER length out of range');
    let value = buf.subarray(pos, pos + len);
    pos += len;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) fail(`INTEGER longer than ${size} bytes`);
    return Buffer.concat([Buffer.alloc(size - value.length), value]);
  };
  if (buf[pos++] !== 0x30) fail('expected a SEQUENCE');
  if (readLength() !== buf.length - pos) fail('SEQUENCE length does not match the signature size');
  const r = readInteger();
  const s = readInteger();
  if (pos !== buf.length) fail('trailing bytes after s');
  return Buffer.concat([r, s]);
}

function derInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  // A set high bit would read as negative: prefix a zero byte.
  const value = (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : Buffer.from(body);
  return Buffer.concat([Buffer.from([0x02]), derLength(value.length), value]);
}

function derLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  if (len < 0x100) return Buffer.from([0x81, len]);
  return Buffer.from([0x82, len >> 8, len & 0xff]);
}
