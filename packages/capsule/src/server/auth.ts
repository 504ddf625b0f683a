// Bearer-token check for writes. Both sides are hashed before the constant-time comparison so
// that neither the token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RegistryError } from '../registry/errors.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Throws UNAUTHORIZED without credentials, FORBIDDEN with the wrong ones (or when writes are off). */
export function checkBearer(header: string | undefined, token: string | undefined): void {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  if (!m) throw new RegistryError('UNAUTHORIZED', 'writes need an Authorization: Bearer <token> header');
  if (!token)
    throw new RegistryError('FORBIDDEN', 'this registry is read-only (it was started without a token)');
  if (!timingSafeEqual(digest(m[1]!), digest(token)))
    throw new RegistryError('FORBIDDEN', 'the token is not valid');
}
