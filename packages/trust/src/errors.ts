/** A key that cannot be read or is not one of the supported algorithms. */
export class KeyError extends Error {
  readonly source: string | undefined;
  constructor(message: string, opts: { source?: string; cause?: unknown } = {}) {
    super(opts.source ? `${opts.source}: ${message}` : message, { cause: opts.cause });
    this.name = 'KeyError';
    this.source = opts.source;
  }
}

/** A malformed line in a sha256sum-format checksum list; `line` is 1-based. */
export class ChecksumFormatError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`checksum line ${line}: ${message}`);
    this.name = 'ChecksumFormatError';
    this.line = line;
  }
}

/** A tree entry that cannot be hashed as a regular file (a symlink, device, fifo or socket). */
export class TreeEntryError extends Error {
  readonly path: string;
  readonly kind: 'symlink' | 'special';
  constructor(path: string, kind: 'symlink' | 'special', message: string) {
    super(`${path}: ${message}`);
    this.name = 'TreeEntryError';
    this.path = path;
    this.kind = kind;
  }
}

/** A signer that cannot be opened or that failed to sign. */
export class SignerError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'SignerError';
  }
}

/** A signed document (DSSE envelope, Sigstore bundle, tree head) that does not verify. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}
