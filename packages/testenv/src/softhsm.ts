// A throwaway SoftHSM2 token for tests: its own configuration and token folder, so tests never
// touch the machine's tokens. The PIN is written to a file that the returned PKCS#11 URIs name
// with pin-source, so it never has to appear in a URI or in argv of the code under test.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's softhsm2 package installs the module here. */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  label: string;
  /** The softhsm2.conf written for this token; SOFTHSM2_CONF points at it. */
  conf: string;
  /** A file holding the user PIN (mode 0600). */
  pinFile: string;
  /** Imports a PKCS#8 PEM private key (and its public half) under `label` and `id` (hex); returns its PKCS#11 URI. */
  importKey(opts: { privateKeyPem: string; label: string; id: string }): Promise<string>;
}

export async function createSoftHsmToken(opts: {
  dir: string;
  label: string;
  pin: string;
  soPin: string;
}): Promise<SoftHsmToken> {
  const tokens = join(opts.dir, 'tokens');
  await mkdir(tokens, { recursive: true });
  const conf = join(opts.dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  // SoftHSM reads its configuration when a process loads it: set it for this process and its children.
  process.env.SOFTHSM2_CONF = conf;
  const pinFile = join(opts.dir, 'pin');
  await writeFile(pinFile, opts.pin, { mode: 0o600 });
  await softhsmUtil([
    '--init-token',
    '--free',
    '--label',
    opts.label,
    '--pin',
    opts.pin,
    '--so-pin',
    opts.soPin,
  ]);
  return {
    label: opts.label,
    conf,
    pinFile,
    async importKey(key) {
      if (!/^([0-9a-f]{2})+$/i.test(key.id)) throw new Error(`key id "${key.id}" is not hex bytes`);
      const pem = join(opts.dir, `import-${process.pid}-${key.id}.pem`);
      await writeFile(pem, key.privateKeyPem, { mode: 0o600 });
      try {
        await softhsmUtil([
          '--import',
          pem,
          '--token',
          opts.label,
          '--label',
          key.label,
          '--id',
          key.id,
          '--pin',
          opts.pin,
        ]);
      } finally {
        await rm(pem, { force: true });
      }
      const id = key.id.replace(/../g, '%$&').toLowerCase();
      return (
        `pkcs11:token=${encodeURIComponent(opts.label)};object=${encodeURIComponent(key.label)};id=${id}` +
        `?module-path=${SOFTHSM_MODULE}&pin-source=file:${encodeURI(pinFile)}`
      );
    },
  };
}

async function softhsmUtil(args: string[]): Promise<void> {
  try {
    await run('softhsm2-util', args, { env: process.env });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; stdout?: string };
    if (e.code === 'ENOENT')
      throw new Error('softhsm2-util is not on PATH: install the Debian package softhsm2', { cause: err });
    // softhsm2-util reports some failures on stdout.
    throw new Error(`softhsm2-util ${args[0]} failed: ${(e.stderr || e.stdout || String(err)).trim()}`, {
      cause: err,
    });
  }
}
