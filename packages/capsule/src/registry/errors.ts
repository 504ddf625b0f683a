// Registry failures carry a code that the HTTP server maps to a status and the client maps back,
// so a caller sees the same error whether the registry is a directory or a URL.
export type RegistryErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'TOO_LARGE'
  | 'DIGEST_MISMATCH'
  | 'VERIFY_FAILED'
  | 'PROOF_MISSING'
  | 'PROOF_INVALID'
  | 'NO_PROOF_SIGNER'
  | 'UNREACHABLE'
  | 'INTERNAL';

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly code: RegistryErrorCode;
  /** For VERIFY_FAILED: the capsule verification error. */
  readonly detail?: { code: string; message: string; path?: string };

  constructor(
    code: RegistryErrorCode,
    message: string,
    opts: { detail?: RegistryError['detail']; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? {} : { cause: opts.cause });
    this.code = code;
    if (opts.detail) this.detail = opts.detail;
  }
}

export const HTTP_STATUS: Record<RegistryErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TOO_LARGE: 413,
  DIGEST_MISMATCH: 422,
  VERIFY_FAILED: 422,
  PROOF_MISSING: 404,
  PROOF_INVALID: 422,
  NO_PROOF_SIGNER: 501,
  INTERNAL: 500,
  /** Client side only: the registry did not answer. */
  UNREACHABLE: 502,
};

export function isRegistryErrorCode(code: unknown): code is RegistryErrorCode {
  return typeof code === 'string' && Object.hasOwn(HTTP_STATUS, code);
}
