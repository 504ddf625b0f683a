// The error codes of capsule verification (and of packing, which refuses what verify would reject).

export const ERROR_CODES = [
  'ARCHIVE_CORRUPT',
  'UNSAFE_PATH',
  'LINK_NOT_ALLOWED',
  'SPECIAL_FILE',
  'SIZE_LIMIT',
  'DUPLICATE_ENTRY',
  'CHECKSUM_MISSING',
  'CHECKSUM_MISMATCH',
  'UNLISTED_FILE',
  'MISSING_FILE',
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'MANIFEST_INVALID',
  'ENTRYPOINT_MISSING',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What is wrong with a capsule: one code, a message naming the file, and the path inside the capsule. */
export class CapsuleError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  constructor(code: ErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'CapsuleError';
    this.code = code;
    this.path = path;
  }

  toJSON(): { code: ErrorCode; message: string; path?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
    };
  }
}
