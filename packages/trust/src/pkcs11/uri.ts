// RFC 7512 `pkcs11:` URIs: which token, which key, which module, and where the PIN comes from.
// PINs are never read from the URI itself (`pin-value`): URIs end up in argv, shell history and logs.
import { SignerError } from '../errors.ts';

export type Pkcs11ObjectType = 'public' | 'private' | 'cert' | 'secret-key' | 'data';

export interface Pkcs11Uri {
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  /** CKA_LABEL of the object. */
  object?: string;
  /** CKA_ID of the object. */
  id?: Buffer;
  type?: Pkcs11ObjectType;
  slotId?: number;
  modulePath?: string;
  /** A file path holding the PIN (from `pin-source=file:…` or an absolute path). */
  pinSource?: string;
}

/** A SignerError, so callers opening a signer catch one error type. */
export class Pkcs11UriError extends SignerError {
  constructor(message: string) {
    super(`PKCS#11 URI: ${message}`);
    this.name = 'Pkcs11UriError';
  }
}

type TextAttr = 'token' | 'manufacturer' | 'serial' | 'model' | 'object';
const TEXT_PATH_ATTRS = new Set<string>([
  'token',
  'manufacturer',
  'serial',
  'model',
  'object',
] satisfies TextAttr[]);
const IGNORED_PATH_ATTRS = new Set([
  'library-manufacturer',
  'library-description',
  'library-version',
  'slot-description',
  'slot-manufacturer',
]);
const TYPES = new Set<string>(['public', 'private', 'cert', 'secret-key', 'data']);

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!uri.toLowerCase().startsWith('pkcs11:')) throw new Pkcs11UriError('must start with "pkcs11:"');
  const rest = uri.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const out: Pkcs11Uri = {};
  const seen = new Set<string>();

  for (const [name, raw] of attributes(path, ';')) {
    if (seen.has(name)) throw new Pkcs11UriError(`path attribute "${name}" appears twice`);
    seen.add(name);
    if (TEXT_PATH_ATTRS.has(name)) out[name as TextAttr] = decode(raw, name).toString('utf8');
    else if (name === 'id') out.id = decode(raw, name);
    else if (name === 'type') {
      const type = decode(raw, name).toString('utf8');
      if (!TYPES.has(type))
        throw new Pkcs11UriError(`type "${type}" is not one of public, private, cert, secret-key, data`);
      out.type = type as Pkcs11ObjectType;
    } else if (name === 'slot-id') {
      const text = decode(raw, name).toString('utf8');
      if (!/^\d+$/.test(text)) throw new Pkcs11UriError(`slot-id "${text}" is not a decimal number`);
      out.slotId = Number(text);
    } else if (!IGNORED_PATH_ATTRS.has(name) && !name.startsWith('x-'))
      throw new Pkcs11UriError(`unknown path attribute "${name}"`);
  }

  for (const [name, raw] of attributes(query, '&')) {
    if (name === 'pin-value')
      throw new Pkcs11UriError(
        'pin-value is not accepted (a PIN must not appear in a URI); use pin-source=file:/path or the PKCS11_PIN environment variable',
      );
    if (seen.has(name)) throw new Pkcs11UriError(`query attribute "${name}" appears twice`);
    seen.add(name);
    const value = decode(raw, name).toString('utf8');
    if (name === 'module-path') out.modulePath = value;
    else if (name === 'pin-source') out.pinSource = pinSourcePath(value);
    else if (name === 'module-name')
      throw new Pkcs11UriError(
        'module-name is not supported; give the library with module-path=/path/to/module.so',
      );
    else if (!name.startsWith('x-')) throw new Pkcs11UriError(`unknown query attribute "${name}"`);
  }
  return out;
}

/** Formats a URI; the inverse of parsePkcs11Uri for the attributes it keeps. */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  for (const name of TEXT_PATH_ATTRS as Set<TextAttr>) {
    const value = uri[name];
    if (value !== undefined) path.push(`${name}=${encode(Buffer.from(value, 'utf8'))}`);
  }
  if (uri.id) path.push(`id=${[...uri.id].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')}`);
  if (uri.type) path.push(`type=${uri.type}`);
  if (uri.slotId !== undefined) path.push(`slot-id=${uri.slotId}`);
  const query: string[] = [];
  if (uri.modulePath) query.push(`module-path=${encode(Buffer.from(uri.modulePath, 'utf8'))}`);
  if (uri.pinSource) query.push(`pin-source=file:${encode(Buffer.from(uri.pinSource, 'utf8'))}`);
  return `pkcs11:${path.join(';')}${query.length ? '?' + query.join('&') : ''}`;
}

function* attributes(text: string, separator: string): Generator<[string, string]> {
  if (text === '') return;
  for (const part of text.split(separator)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Pkcs11UriError(`"${part}" is not an attribute of the form name=value`);
    yield [part.slice(0, eq).toLowerCase(), part.slice(eq + 1)];
  }
}

/** Percent-decoding to bytes (ids are binary); a malformed escape names the attribute. */
function decode(raw: string, name: string): Buffer {
  const bad = /%(?![0-9a-fA-F]{2})/.exec(raw);
  if (bad)
    throw new Pkcs11UriError(`${name}: bad percent-encoding at "${raw.slice(bad.index, bad.index + 3)}"`);
  return Buffer.concat(
    raw
      .split(/(%[0-9a-fA-F]{2})/)
      .map((part) =>
        part.startsWith('%') ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part, 'utf8'),
      ),
  );
}

/** RFC 3986 unreserved characters plus the few RFC 7512 allows unescaped in values. */
function encode(bytes: Buffer): string {
  return [...bytes]
    .map((b) =>
      /[A-Za-z0-9\-._~:[\]@!$'()*+,/]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : '%' + b.toString(16).padStart(2, '0'),
    )
    .join('');
}

function pinSourcePath(value: string): string {
  if (value.startsWith('file://')) {
    const url = new URL(value);
    if (url.host !== '' && url.host !== 'localhost')
      throw new Pkcs11UriError(`pin-source "${value}" names a remote host; give a local file`);
    return decodeURIComponent(url.pathname);
  }
  if (value.startsWith('file:')) return value.slice('file:'.length);
  if (value.startsWith('/')) return value;
  throw new Pkcs11UriError(`pin-source "${value}" must be a file: URI or an absolute path`);
}
