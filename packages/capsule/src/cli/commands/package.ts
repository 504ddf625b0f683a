// capsule keygen | pack | sign | verify | inspect | bundle: the capsule format commands. The
// commands and their options are defined here; what they run is imported when they run, so that
// one command does not load the modules of all the others.
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseQuantity } from '@industriverse/kube/quantity';
import type { KeyAlgorithm, PublicKey, Signer } from '@industriverse/trust';
import type { Limits } from '../../archive/entries.ts';
import { CapsuleError } from '../../errors.ts';
import { EXIT_FAILED, UsageError } from '../exit.ts';

const progressFor = async (json: boolean | undefined) =>
  (await import('@industriverse/kube/progress')).createProgress(json ? { json: true } : {});
const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const printJson = (value: unknown) => out(JSON.stringify(value));
const collect = (value: string, previous: string[]) => [...previous, value];

/** A capsule problem: printed (as JSON with --json), exit status 1. */
function failed(err: CapsuleError, json: boolean): void {
  if (json) printJson({ ok: false, error: err.toJSON() });
  else process.stderr.write(`capsule: ${err.code}: ${err.message}\n`);
  process.exitCode = EXIT_FAILED;
}

async function readable(path: string, what: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch {
    throw new UsageError(`cannot read ${what} ${path}`);
  }
}

async function signerFrom(opts: { key?: string; pkcs11Uri?: string }): Promise<Signer> {
  if (!!opts.key === !!opts.pkcs11Uri)
    throw new UsageError('give exactly one of --key KEY and --pkcs11-uri URI');
  const { KeyError, openSigner, SignerError } = await import('@industriverse/trust');
  try {
    return await openSigner({
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.pkcs11Uri ? { pkcs11Uri: opts.pkcs11Uri } : {}),
    });
  } catch (err) {
    if (err instanceof KeyError || err instanceof SignerError) throw new UsageError(err.message);
    throw err;
  }
}

async function publicKeys(files: string[]): Promise<PublicKey[]> {
  const { readPublicKeyFile } = await import('@industriverse/trust');
  const keys: PublicKey[] = [];
  for (const f of files) {
    try {
      keys.push(await readPublicKeyFile(f));
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  }
  return keys;
}

function sizeFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  let n: number;
  try {
    n = parseQuantity(raw);
  } catch {
    n = NaN;
  }
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name}: not a positive whole number: ${raw}`);
  return n;
}

function limitsFrom(opts: {
  maxEntrySize?: string;
  maxTotalSize?: string;
  maxEntries?: string;
}): Partial<Limits> {
  const limits: Partial<Limits> = {};
  const entry = sizeFlag('max-entry-size', opts.maxEntrySize);
  const total = sizeFlag('max-total-size', opts.maxTotalSize);
  const entries = sizeFlag('max-entries', opts.maxEntries);
  if (entry !== undefined) limits.maxEntrySize = entry;
  if (total !== undefined) limits.maxTotalSize = total;
  if (entries !== undefined) limits.maxEntries = entries;
  return limits;
}

function withLimits(cmd: Command): Command {
  return cmd
    .option('--max-entry-size <bytes>', 'largest file accepted (bytes, or 4Gi, 512Mi …)', undefined)
    .option('--max-total-size <bytes>', 'largest sum of file sizes (default 16Gi)')
    .option('--max-entries <n>', 'most files and folders (default 10000)');
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function registerPackageCommands(program: Command): void {
  program
    .command('keygen')
    .description('create a signing key pair (PEM: PKCS#8 private key, mode 0600, and SPKI public key)')
    .option('--out-dir <dir>', 'write capsule.key and capsule.pub into this folder', '.')
    .option('--private <file>', 'private key file (with --public, instead of --out-dir)')
    .option('--public <file>', 'public key file')
    .addOption(
      new Option('--algorithm <alg>', 'key algorithm')
        .choices(['ecdsa-p256', 'ed25519'])
        .default('ecdsa-p256'),
    )
    .option('--json', 'machine-readable output')
    .action(
      async (o: {
        outDir: string;
        private?: string;
        public?: string;
        algorithm: KeyAlgorithm;
        json?: boolean;
      }) => {
        if (!!o.private !== !!o.public) throw new UsageError('give both --private and --public, or neither');
        const priv = resolve(o.private ?? join(o.outDir, 'capsule.key'));
        const pub = resolve(o.public ?? join(o.outDir, 'capsule.pub'));
        if (!o.private) await mkdir(o.outDir, { recursive: true });
        const { generateKeyPair, readPublicKey } = await import('@industriverse/trust');
        const pair = generateKeyPair(o.algorithm);
        try {
          // 'wx': an existing key is never overwritten.
          await writeFile(priv, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
          await writeFile(pub, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST')
            throw new UsageError(
              `${(err as NodeJS.ErrnoException).path} exists; remove it or choose another name`,
            );
          throw err;
        }
        const keyId = readPublicKey(pair.publicKeyPem).keyId;
        if (o.json) printJson({ algorithm: o.algorithm, private: priv, public: pub, keyId });
        else out(`${o.algorithm} key pair: ${priv} (private, 0600), ${pub} (public)\nkey id ${keyId}`);
      },
    );

  program
    .command('pack')
    .description('pack a folder into a deterministic, signed capsule (.tar.gz)')
    .argument('<dir>', 'folder with capsule.json and the payload')
    .option('--out <file>', 'capsule file (default capsule_<name>-<version>.tar.gz)')
    .option('--key <file>', 'PEM private key file')
    .option('--pkcs11-uri <uri>', 'PKCS#11 key (RFC 7512 URI; PIN from pin-source or PKCS11_PIN)')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, o: { out?: string; key?: string; pkcs11Uri?: string; json?: boolean }) => {
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
      const signer = await signerFrom(o);
      const progress = await progressFor(o.json);
      const [{ parseManifest }, { packCapsule }] = await Promise.all([
        import('../../manifest.ts'),
        import('../../pack.ts'),
      ]);
      try {
        let target = o.out;
        if (!target) {
          // The seed's naming; packCapsule reports a missing or invalid manifest itself.
          const text = await readFile(join(dir, 'capsule.json'), 'utf8').catch(() => undefined);
          const m = text === undefined ? undefined : parseManifest(text);
          target = m ? `capsule_${m.name}-${m.version}.tar.gz` : 'capsule.tar.gz';
        }
        const result = await progress.stage(`pack ${dir}`, () => packCapsule(dir, { out: target, signer }));
        const size = (await stat(result.file)).size;
        if (o.json)
          printJson({
            ok: true,
            file: result.file,
            digest: result.digest,
            size,
            keyId: signer.publicKey.keyId,
            manifest: result.manifest,
          });
        else
          out(
            `${result.file}  ${result.manifest.name} ${result.manifest.version}  ${mb(size)}  ${result.digest}`,
          );
      } catch (err) {
        if (err instanceof CapsuleError) failed(err, o.json ?? false);
        else throw err;
      } finally {
        await signer.close();
      }
    });

  program
    .command('sign')
    .description('sign an existing capsule again (another key, or an HSM); the payload is checked first')
    .argument('<file>', 'capsule file')
    .option('--key <file>', 'PEM private key file')
    .option('--pkcs11-uri <uri>', 'PKCS#11 key (RFC 7512 URI; PIN from pin-source or PKCS11_PIN)')
    .option('--out <file>', 'signed capsule (default: replace FILE)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { key?: string; pkcs11Uri?: string; out?: string; json?: boolean }) => {
      await readable(file, 'capsule');
      const signer = await signerFrom(o);
      const progress = await progressFor(o.json);
      const { resignCapsule } = await import('../../pack.ts');
      try {
        const result = await progress.stage(`sign ${file}`, () =>
          resignCapsule(file, { out: o.out ?? file, signer }),
        );
        if (o.json)
          printJson({ ok: true, file: result.file, digest: result.digest, keyId: signer.publicKey.keyId });
        else out(`${result.file}  signed by key ${signer.publicKey.keyId}  ${result.digest}`);
      } catch (err) {
        if (err instanceof CapsuleError) failed(err, o.json ?? false);
        else throw err;
      } finally {
        await signer.close();
      }
    });

  withLimits(
    program
      .command('verify')
      .description(
        'verify a capsule: archive safety, checksums, signature, manifest (exit 0 valid, 1 invalid)',
      )
      .argument('<file>', 'capsule file')
      .option('--key <file>', 'trusted public key (PEM); repeat for several', collect, [] as string[])
      .option('--json', 'print {"ok", "error", "manifest", "digest"}'),
  ).action(
    async (
      file: string,
      o: { key: string[]; json?: boolean; maxEntrySize?: string; maxTotalSize?: string; maxEntries?: string },
    ) => {
      if (o.key.length === 0) throw new UsageError('give at least one trusted public key (--key PUB)');
      const keys = await publicKeys(o.key);
      const limits = limitsFrom(o);
      await readable(file, 'capsule');
      const progress = await progressFor(o.json);
      const { verifyCapsule } = await import('../../verify.ts');
      const r = await progress.stage(`verify ${file}`, () =>
        verifyCapsule(file, { publicKeys: keys, limits }),
      );
      if (o.json) {
        const { ok, digest } = r;
        printJson(
          r.ok
            ? { ok, manifest: r.manifest, digest }
            : { ok, error: r.error, ...(r.manifest ? { manifest: r.manifest } : {}), digest },
        );
      } else if (r.ok) {
        out(
          `OK ${r.manifest.name} ${r.manifest.version}  ${r.files.length} files  signed by key ${r.keyId}  ${r.digest}`,
        );
      } else {
        out(`INVALID ${r.error.code}: ${r.error.message}  ${r.digest}`);
      }
      if (!r.ok) process.exitCode = EXIT_FAILED;
    },
  );

  withLimits(
    program
      .command('inspect')
      .description('show a capsule’s manifest, files, sizes, digest and recorded signer (no key needed)')
      .argument('<file>', 'capsule file')
      .option('--json', 'machine-readable output'),
  ).action(
    async (
      file: string,
      o: { json?: boolean; maxEntrySize?: string; maxTotalSize?: string; maxEntries?: string },
    ) => {
      await readable(file, 'capsule');
      const limits = limitsFrom(o);
      const { inspectCapsule } = await import('../../inspect.ts');
      const info = await inspectCapsule(file, { limits });
      if (o.json) printJson(info);
      else {
        const m = info.manifest;
        out(
          [
            `capsule   ${file}`,
            `digest    ${info.digest}`,
            `size      ${mb(info.size)}`,
            m ? `manifest  ${m.name} ${m.version}, entrypoint ${m.entrypoint}` : 'manifest  (none valid)',
            m?.requirements?.length ? `requires  ${m.requirements.join(', ')}` : undefined,
            `signer    ${info.signer ? `${info.signer.algorithm} key ${info.signer.keyId} (recorded, unverified)` : info.signed ? 'unknown (signature.sig present)' : 'none'}`,
            `files     ${info.files.length}`,
            ...info.files.map((f) => `  ${String(f.size).padStart(12)}  ${f.sha256.slice(0, 16)}  ${f.path}`),
            info.error ? `problem   ${info.error.code}: ${info.error.message}` : undefined,
          ]
            .filter((l) => l !== undefined)
            .join('\n'),
        );
      }
      if (info.error) process.exitCode = EXIT_FAILED;
    },
  );

  program
    .command('bundle')
    .description(
      'export the signature as a Sigstore bundle (v0.3) over checksum.sha256, for cosign verify-blob',
    )
    .argument('<file>', 'capsule file')
    .option('--out <file>', 'bundle file (default FILE with .sigstore.json)')
    .option(
      '--key <file>',
      'public key the signature must verify with (default: the signer recorded in the capsule)',
      collect,
      [] as string[],
    )
    .option('--checksum-out <file>', 'also write checksum.sha256 (the signed artifact) here')
    .option('--json', 'machine-readable output')
    .action(
      async (file: string, o: { out?: string; key: string[]; checksumOut?: string; json?: boolean }) => {
        await readable(file, 'capsule');
        const keys = await publicKeys(o.key);
        const { bundleCapsule } = await import('../../bundle.ts');
        try {
          const b = await bundleCapsule(file, keys.length ? { publicKeys: keys } : {});
          const target = o.out ?? `${file.replace(/\.tar\.gz$|\.tgz$/, '')}.sigstore.json`;
          await writeFile(target, JSON.stringify(b.bundle, null, 2) + '\n');
          if (o.checksumOut) await writeFile(o.checksumOut, b.checksum);
          if (o.json)
            printJson({
              ok: true,
              bundle: target,
              keyId: b.keyId,
              digest: b.digest,
              ...(o.checksumOut ? { checksum: o.checksumOut } : {}),
            });
          else out(`${target}  Sigstore bundle of the signature over checksum.sha256 (key ${b.keyId})`);
        } catch (err) {
          if (err instanceof CapsuleError) failed(err, o.json ?? false);
          else throw err;
        }
      },
    );
}
