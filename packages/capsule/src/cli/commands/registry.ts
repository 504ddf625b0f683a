// push, pull, list, registry serve, and the proof commands. The registry is --registry DIR|URL or
// $CAPSULE_REGISTRY; writes to an HTTP registry use $CAPSULE_REGISTRY_TOKEN or --token-file. What
// the commands run is imported when they run: defining them loads no registry, server or client.
import { readFile, rm } from 'node:fs/promises';
import type { PublicKey, Signer } from '@industriverse/trust';
import type { Command } from 'commander';
import type { IndexEntry } from '../../registry/capsule-index.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { Registry } from '../../registry/registry.ts';
import type { ProofRecord } from '../../proofs/service.ts';
import { CapsuleUriError, formatCapsuleUri, parseCapsuleUri, type CapsuleRef } from '../../uri.ts';
import { EXIT_FAILED, UsageError } from '../exit.ts';

const progressFor = async (json: boolean | undefined) =>
  (await import('@industriverse/kube/progress')).createProgress({ json });

interface CommonOptions {
  registry?: string;
  tokenFile?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text + '\n');
}

/** Runs a command; a RegistryError is the operation failing (exit 1), printed as JSON with --json. */
async function run(json: boolean | undefined, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof CapsuleUriError) throw new UsageError(err.message);
    if (!(err instanceof RegistryError)) throw err;
    if (json) {
      const detail = err.detail ? { detail: err.detail } : {};
      process.stdout.write(
        JSON.stringify({ ok: false, error: { code: err.code, message: err.message, ...detail } }) + '\n',
      );
    }
    process.stderr.write(`capsule: ${err.message}\n`);
    process.exitCode = EXIT_FAILED;
  }
}

async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const secret = text.trim();
  if (!secret) throw new UsageError(`the ${what} ${file} is empty`);
  return secret;
}

async function readToken(tokenFile: string | undefined): Promise<string | undefined> {
  if (tokenFile) return readSecretFile(tokenFile, 'token file');
  return process.env.CAPSULE_REGISTRY_TOKEN || undefined;
}

/** Public keys from PEM files; an unreadable or malformed one is a usage error. */
async function readKeys(files: string[] | undefined): Promise<PublicKey[]> {
  const { readPublicKeyFile } = await import('@industriverse/trust');
  try {
    return await Promise.all((files ?? []).map((f) => readPublicKeyFile(f)));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function openProofSigner(opts: {
  proofKey?: string;
  proofPkcs11Uri?: string;
}): Promise<Signer | undefined> {
  if (opts.proofKey && opts.proofPkcs11Uri)
    throw new UsageError('give --proof-key or --proof-pkcs11-uri, not both');
  if (!opts.proofKey && !opts.proofPkcs11Uri) return undefined;
  const { openSigner } = await import('@industriverse/trust');
  try {
    return await openSigner({
      ...(opts.proofKey ? { key: opts.proofKey } : {}),
      ...(opts.proofPkcs11Uri ? { pkcs11Uri: opts.proofPkcs11Uri } : {}),
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function registryLocation(opts: CommonOptions): Promise<string> {
  const { defaultRegistryLocation } = await import('../../registry/registry.ts');
  return opts.registry || process.env.CAPSULE_REGISTRY || defaultRegistryLocation();
}

/** Opens the registry of --registry / $CAPSULE_REGISTRY with the command's keys and token, runs `work`, closes it. */
export async function withRegistry(
  opts: CommonOptions & { key?: string[]; proofKey?: string; proofPkcs11Uri?: string },
  work: (registry: Registry, keys: PublicKey[]) => Promise<void>,
  extra: { trustOnFirstUse?: boolean; signsProofs?: boolean } = {},
): Promise<void> {
  const location = await registryLocation(opts);
  const [{ isRegistryUrl, openRegistry }, { DirRegistry }] = await Promise.all([
    import('../../registry/registry.ts'),
    import('../../registry/dir.ts'),
  ]);
  const keys = await readKeys(opts.key);
  const token = await readToken(opts.tokenFile);
  // A directory registry given no proof key signs the proofs it is asked for with its own.
  const ownProofKey =
    extra.signsProofs && !opts.proofKey && !opts.proofPkcs11Uri && !isRegistryUrl(location)
      ? await DirRegistry.localProofKey(location)
      : undefined;
  const proofSigner = await openProofSigner(ownProofKey ? { proofKey: ownProofKey } : opts);
  if (proofSigner && isRegistryUrl(location)) {
    await proofSigner.close();
    throw new UsageError(
      '--proof-key/--proof-pkcs11-uri apply to a directory registry; an HTTP registry signs with its own key',
    );
  }
  const registry = await openRegistry(location, {
    ...(token ? { token } : {}),
    publicKeys: keys,
    ...(proofSigner ? { proofSigner } : {}),
    ...(extra.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
  });
  try {
    await work(registry, keys);
  } finally {
    await registry.close();
    await proofSigner?.close();
  }
}

function parseRef(uri: string): CapsuleRef {
  try {
    return parseCapsuleUri(uri);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function entryLine(e: IndexEntry): string {
  const proof = e.metadata.proof_id ? `  proof ${e.metadata.proof_id}` : '';
  return `${e.name}:${e.version}  ${e.digest}  ${e.size} bytes${proof}`;
}

function proofLine(p: ProofRecord): string {
  return `${p.id}  ${p.type}  subject ${p.subject}  anchors ${p.receipts.map((r) => r.anchor).join(',') || '-'}`;
}

async function readClaim(file: string): Promise<unknown> {
  const text = file === '-' ? await readStdin() : await readSecretFile(file, 'claim file');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the claim ${file} is not JSON: ${(err as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A capsule given as a URI (resolved through the registry) or a digest. */
async function subjectDigest(registry: Registry, subject: string): Promise<string> {
  if (subject.startsWith('capsule://'))
    return (await registry.resolve({ ...parseRef(subject), proof: false })).digest;
  if (!/^sha256:[0-9a-f]{64}$/.test(subject)) {
    throw new UsageError(`"${subject}" is neither a capsule:// URI nor a sha256:<hex> digest`);
  }
  return subject;
}

export function registerRegistryCommands(program: Command): void {
  const registryOption = '--registry <dir|url>';
  const registryHelp =
    'registry directory or URL (default: $CAPSULE_REGISTRY, else ~/.local/share/capsule/registry)';
  const tokenHelp = 'file holding the write token (default: $CAPSULE_REGISTRY_TOKEN)';

  program
    .command('push')
    .description('verify a capsule and publish it to a registry')
    .argument('<file>', 'capsule .tar.gz')
    .option(registryOption, registryHelp)
    .option(
      '--key <pub>',
      'public key trusted to sign capsules (repeatable; a new directory registry without one trusts the first signer)',
      collect,
    )
    .option('--token-file <file>', tokenHelp)
    .option('--json', 'print the index entry as JSON')
    .action((file: string, opts: CommonOptions & { key?: string[] }) =>
      run(opts.json, () =>
        withRegistry(
          opts,
          async (registry, keys) => {
            const progress = await progressFor(opts.json);
            const [{ DirRegistry }, { verifyCapsule }] = await Promise.all([
              import('../../registry/dir.ts'),
              import('../../verify.ts'),
            ]);
            if (keys.length > 0 && !(registry instanceof DirRegistry)) {
              const result = await progress.stage('verify', () => verifyCapsule(file, { publicKeys: keys }));
              if (!result.ok) {
                throw new RegistryError(
                  'VERIFY_FAILED',
                  `${file}: ${result.error.code}: ${result.error.message}`,
                  { detail: result.error },
                );
              }
            }
            const entry = await progress.stage('push', () => registry.push(file));
            print(opts.json, entry, `pushed ${entryLine(entry)}`);
          },
          { trustOnFirstUse: true },
        ),
      ),
    );

  program
    .command('pull')
    .description('download a capsule by capsule://name:version[?proof=true] and verify it')
    .argument('<uri>', 'capsule://name:version[?proof=true]')
    .option(registryOption, registryHelp)
    .option('--out <file>', 'where to write it (default: capsule_<name>-<version>.tar.gz)')
    .option(
      '--key <pub>',
      'public key trusted to sign capsules (repeatable; default: the keys the registry trusts)',
      collect,
    )
    .option('--json', 'print the result as JSON')
    .action((uri: string, opts: CommonOptions & { key?: string[]; out?: string }) =>
      run(opts.json, async () => {
        const ref = parseRef(uri);
        await withRegistry(opts, async (registry, given) => {
          const keys = given.length > 0 ? given : await registry.trustedKeys();
          if (keys.length === 0)
            throw new UsageError(
              'the registry trusts no signing key: give --key <pub> to verify the capsule',
            );
          const progress = await progressFor(opts.json);
          const { verifyCapsule } = await import('../../verify.ts');
          const entry = await progress.stage(`resolve ${formatCapsuleUri(ref)}`, () => registry.resolve(ref));
          const out = opts.out ?? `capsule_${entry.name}-${entry.version}.tar.gz`;
          await progress.stage('download', () => registry.fetch(entry.digest, out));
          const result = await progress.stage('verify', () => verifyCapsule(out, { publicKeys: keys }));
          if (!result.ok) {
            await rm(out, { force: true });
            throw new RegistryError(
              'VERIFY_FAILED',
              `${uri}: ${result.error.code}: ${result.error.message}`,
              { detail: result.error },
            );
          }
          print(opts.json, { ok: true, file: out, entry }, `pulled ${entryLine(entry)} to ${out}`);
        });
      }),
    );

  program
    .command('list')
    .description('list the capsules in a registry')
    .option(registryOption, registryHelp)
    .option('--json', 'print the entries as JSON')
    .action((opts: CommonOptions) =>
      run(opts.json, () =>
        withRegistry(opts, async (registry) => {
          const entries = await registry.list();
          print(opts.json, entries, entries.map(entryLine).join('\n') || '(empty)');
        }),
      ),
    );

  const registryCmd = program.command('registry').description('the HTTP registry');
  registryCmd
    .command('serve')
    .description('serve a registry directory over HTTP (reads open, writes need the token)')
    .requiredOption('--dir <dir>', 'registry directory')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5000')
    .option('--token-file <file>', tokenHelp + '; without a token the registry is read-only')
    .option('--trusted-key <pub>', 'public key trusted to sign pushed capsules (repeatable)', collect)
    .option('--proof-key <key>', 'PEM private key that signs proofs and log tree heads')
    .option('--proof-pkcs11-uri <uri>', 'PKCS#11 key (RFC 7512) that signs proofs and log tree heads')
    .option('--tls-cert <file>', 'TLS certificate (PEM); required to listen beyond loopback')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--max-blob-bytes <n>', 'largest capsule accepted', (v: string) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--max-blob-bytes "${v}" is not a whole number`);
      return Number(v);
    })
    .option('--json', 'print the listening URL as JSON')
    .action(
      async (opts: {
        dir: string;
        listen: string;
        tokenFile?: string;
        trustedKey?: string[];
        proofKey?: string;
        proofPkcs11Uri?: string;
        tlsCert?: string;
        tlsKey?: string;
        maxBlobBytes?: number;
        json?: boolean;
      }) => {
        const [{ createLogger }, { DirRegistry }, { parseListen, startRegistryServer }] = await Promise.all([
          import('@industriverse/kube'),
          import('../../registry/dir.ts'),
          import('../../server/server.ts'),
        ]);
        let listen: { host: string; port: number };
        try {
          listen = parseListen(opts.listen);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        if (!opts.tlsCert !== !opts.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
        const tls =
          opts.tlsCert && opts.tlsKey
            ? {
                cert: await readSecretFile(opts.tlsCert, 'TLS certificate'),
                key: await readSecretFile(opts.tlsKey, 'TLS key'),
              }
            : undefined;
        const token = await readToken(opts.tokenFile);
        const publicKeys = await readKeys(opts.trustedKey);
        const proofSigner = await openProofSigner(opts);
        const logger = createLogger({ name: 'capsule-registry' });
        const registry = await DirRegistry.open(opts.dir, {
          publicKeys,
          ...(proofSigner ? { proofSigner } : {}),
        });
        let server;
        try {
          server = await startRegistryServer({
            registry,
            ...listen,
            ...(token ? { token } : {}),
            ...(tls ? { tls } : {}),
            ...(opts.maxBlobBytes !== undefined ? { maxBlobBytes: opts.maxBlobBytes } : {}),
            logger,
          });
        } catch (err) {
          await proofSigner?.close();
          throw new UsageError((err as Error).message);
        }
        if (!token) logger.warn('no token configured: the registry is read-only');
        if ((await registry.trustedKeys()).length === 0)
          logger.warn('no --trusted-key and none under DIR/keys/capsule: every push will be refused');
        print(opts.json, { url: server.url }, `capsule registry listening on ${server.url}`);
        const running = server;
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await running.close();
        await proofSigner?.close();
      },
    );

  const proof = program.command('proof').description('proof bundles: generate, fetch, list, verify, attach');
  proof
    .command('generate')
    .description('sign, store and anchor a proof claim (JSON: digest, type, inputs, result, generator, cost)')
    .requiredOption('--claim <file>', 'claim JSON file, or - for stdin')
    .option('--attach', "also record the proof id in the capsule's metadata")
    .option(registryOption, registryHelp)
    .option('--token-file <file>', tokenHelp)
    .option('--proof-key <key>', 'PEM private key that signs the proof (directory registry)')
    .option('--proof-pkcs11-uri <uri>', 'PKCS#11 key that signs the proof (directory registry)')
    .option('--json', 'print the proof record as JSON')
    .action(
      (
        opts: CommonOptions & { claim: string; attach?: boolean; proofKey?: string; proofPkcs11Uri?: string },
      ) =>
        run(opts.json, async () => {
          const claim = await readClaim(opts.claim);
          await withRegistry(
            opts,
            async (registry) => {
              const record = await registry.generateProof(claim as never);
              if (opts.attach) await registry.attachProof(record.subject, record.id);
              print(opts.json, record, `generated ${proofLine(record)}`);
            },
            { signsProofs: true },
          );
        }),
    );

  proof
    .command('get')
    .description('fetch a proof bundle and its anchor receipts by id')
    .argument('<id>', 'sha256:<hex>')
    .option(registryOption, registryHelp)
    .option('--json', 'print the record as JSON')
    .action((id: string, opts: CommonOptions) =>
      run(opts.json, () =>
        withRegistry(opts, async (registry) => {
          const record = await registry.getProof(id);
          print(opts.json, record, proofLine(record));
        }),
      ),
    );

  proof
    .command('list')
    .description('list the proofs about a capsule')
    .argument('<subject>', 'capsule://name:version or sha256:<hex>')
    .option(registryOption, registryHelp)
    .option('--json', 'print the records as JSON')
    .action((subject: string, opts: CommonOptions) =>
      run(opts.json, () =>
        withRegistry(opts, async (registry) => {
          const records = await registry.proofsFor(await subjectDigest(registry, subject));
          print(opts.json, records, records.map(proofLine).join('\n') || '(none)');
        }),
      ),
    );

  proof
    .command('verify')
    .description("verify a proof: DSSE signature under --key, the subject, and each anchor's receipt")
    .argument('<id>', 'sha256:<hex>')
    .requiredOption(
      '--key <pub>',
      'public key trusted to sign proofs and log tree heads (repeatable)',
      collect,
    )
    .option('--subject <digest>', 'capsule digest the proof must be about (default: the one it states)')
    .option(registryOption, registryHelp)
    .option('--json', 'print the result as JSON')
    .action((id: string, opts: CommonOptions & { key: string[]; subject?: string }) =>
      run(opts.json, async () => {
        const keys = await readKeys(opts.key);
        const [{ verifyProof }, { logReceiptChecker }] = await Promise.all([
          import('../../proofs/service.ts'),
          import('../../proofs/tlog-anchor.ts'),
        ]);
        await withRegistry({ ...opts, key: [] }, async (registry) => {
          const record = await registry.getProof(id);
          const digest = opts.subject ?? record.subject;
          const verified = await verifyProof(record, { keys, digest, anchors: [logReceiptChecker(keys)] });
          print(
            opts.json,
            { ok: true, id, subject: digest, type: verified.predicate.type, keyId: verified.keyId },
            `proof ${id} is valid: ${verified.predicate.type} about ${digest}, signed by ${verified.keyId}`,
          );
        });
      }),
    );

  proof
    .command('attach')
    .description("record a proof id in a capsule's metadata (proof_id)")
    .argument('<subject>', 'capsule://name:version or sha256:<hex>')
    .argument('<id>', 'proof id sha256:<hex>')
    .option(registryOption, registryHelp)
    .option('--token-file <file>', tokenHelp)
    .option('--json', 'print the index entry as JSON')
    .action((subject: string, id: string, opts: CommonOptions) =>
      run(opts.json, () =>
        withRegistry(opts, async (registry) => {
          const entry = await registry.attachProof(await subjectDigest(registry, subject), id);
          print(opts.json, entry, `attached ${id} to ${entryLine(entry)}`);
        }),
      ),
    );
}
