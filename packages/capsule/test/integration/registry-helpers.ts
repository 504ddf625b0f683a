// Keys, capsules and claims for the registry and proof tests.
import { createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generateKeyPair, keySigner, readPublicKey, type PublicKey, type Signer } from '@industriverse/trust';
import { packCapsule } from '../../src/pack.ts';
import type { ProofClaim } from '../../src/proofs/statement.ts';

export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestKey {
  signer: Signer;
  publicKey: PublicKey;
  /** PEM files, for the CLI. */
  keyFile: string;
  pubFile: string;
}

export async function newKey(dir: string, name: string): Promise<TestKey> {
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  const keyFile = join(dir, `${name}.key`);
  const pubFile = join(dir, `${name}.pub`);
  await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
  await writeFile(pubFile, publicKeyPem);
  return {
    signer: keySigner(createPrivateKey(privateKeyPem)),
    publicKey: readPublicKey(publicKeyPem),
    keyFile,
    pubFile,
  };
}

/** Packs and signs a small capsule; `payload` varies the bytes for the same name:version. */
export async function makeCapsule(
  dir: string,
  opts: { name: string; version: string; signer: Signer; payload?: string },
): Promise<{ file: string; digest: string }> {
  const src = join(dir, `src-${opts.name}-${opts.version}-${opts.payload ?? ''}`);
  await mkdir(src, { recursive: true });
  const manifest = {
    name: opts.name,
    version: opts.version,
    entrypoint: 'run.sh',
    requirements: ['gpu:false'],
    proof_policy: { required: true, types: ['sim_alignment'] },
  };
  await writeFile(join(src, 'capsule.json'), JSON.stringify(manifest, null, 2));
  await writeFile(join(src, 'run.sh'), `#!/bin/sh\necho ${opts.payload ?? 'hello'}\n`, { mode: 0o755 });
  const out = join(
    dir,
    `capsule_${opts.name}-${opts.version}${opts.payload ? `-${opts.payload}` : ''}.tar.gz`,
  );
  const packed = await packCapsule(src, { out, signer: opts.signer });
  return { file: packed.file, digest: packed.digest };
}

/** Makes `n` capsules one after the other (packing is the slow part, not what is tested). */
export async function makeCapsules<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < n; i++) made.push(await make(i));
  return made;
}

export function claimFor(digest: string): ProofClaim {
  return {
    digest,
    type: 'sim_alignment',
    inputs: { episodes: 100 },
    result: { passed: true, score: 0.98 },
    generator: { name: 'generate_proof.py', version: '1' },
    cost: { seconds: 1.5 },
  };
}
