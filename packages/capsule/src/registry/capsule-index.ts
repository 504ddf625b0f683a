// The registry index: one JSON document listing every capsule version with its digest, manifest,
// signer and proofs. Pure functions over the document; DirRegistry does the file I/O and locking.
import { DIGEST_PATTERN } from '@industriverse/kaas/api';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import semver from 'semver';
import { RegistryError } from './errors.ts';

export const INDEX_API_VERSION = 'capsule.industriverse.ai/v1';
export const INDEX_KIND = 'CapsuleIndex';

const Digest = Type.String({ pattern: DIGEST_PATTERN });

export const IndexEntrySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    /** sha256 of the .tar.gz bytes. */
    digest: Digest,
    size: Type.Integer({ minimum: 0 }),
    /** capsule.json as verified at push. */
    manifest: Type.Record(Type.String(), Type.Unknown()),
    /** keyId (sha256 of the SPKI DER) of the key that signed the capsule. */
    keyId: Type.String({ minLength: 1 }),
    // RFC 3339.
    pushedAt: Type.String({ minLength: 1 }),
    /** Ids ("sha256:<hex>" of the DSSE envelope) of the proofs attached to this capsule, oldest first. */
    proofs: Type.Array(Digest),
    /** The capsule's metadata; `proof_id` is the last attached proof. */
    metadata: Type.Object({ proof_id: Type.Optional(Digest) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type IndexEntry = Static<typeof IndexEntrySchema>;

export const CapsuleIndexSchema = Type.Object(
  {
    apiVersion: Type.Literal(INDEX_API_VERSION),
    kind: Type.Literal(INDEX_KIND),
    entries: Type.Array(IndexEntrySchema),
  },
  { additionalProperties: false },
);
export type CapsuleIndex = Static<typeof CapsuleIndexSchema>;

export function emptyIndex(): CapsuleIndex {
  return { apiVersion: INDEX_API_VERSION, kind: INDEX_KIND, entries: [] };
}

/** Parses and checks an index document; `source` names it in errors. */
export function parseIndex(text: string, source: string): CapsuleIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RegistryError('INTERNAL', `${source}: not JSON: ${(err as Error).message}`);
  }
  if (!Value.Check(CapsuleIndexSchema, doc)) {
    const first = Value.Errors(CapsuleIndexSchema, doc).First();
    const where = first?.path || '/';
    throw new RegistryError(
      'INTERNAL',
      `${source}: invalid index at ${where}: ${first?.message ?? 'invalid'}`,
    );
  }
  return doc;
}

export function serializeIndex(index: CapsuleIndex): string {
  return JSON.stringify(index, null, 2) + '\n';
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return semver.compare(a.version, b.version);
}

export function findEntry(index: CapsuleIndex, name: string, version: string): IndexEntry | undefined {
  return index.entries.find((e) => e.name === name && e.version === version);
}

export function findByDigest(index: CapsuleIndex, digest: string): IndexEntry[] {
  return index.entries.filter((e) => e.digest === digest);
}

/**
 * Adds an entry. Versions are immutable: the same name:version with another digest is a CONFLICT;
 * with the same digest the existing entry is kept (`added: false`).
 */
export function addEntry(
  index: CapsuleIndex,
  entry: IndexEntry,
): { index: CapsuleIndex; entry: IndexEntry; added: boolean } {
  const existing = findEntry(index, entry.name, entry.version);
  if (existing) {
    if (existing.digest !== entry.digest) {
      throw new RegistryError(
        'CONFLICT',
        `${entry.name}:${entry.version} already exists with digest ${existing.digest}; versions are immutable, push a new version`,
      );
    }
    return { index, entry: existing, added: false };
  }
  const entries = [...index.entries, entry].sort(compareEntries);
  return { index: { ...index, entries }, entry, added: true };
}

/**
 * Records a proof id on every entry with this digest (the same bytes may be published under
 * several names only if their manifests say so, which they cannot; in practice one entry).
 * Attaching an id already recorded changes nothing.
 */
export function attachProofId(
  index: CapsuleIndex,
  digest: string,
  proofId: string,
): { index: CapsuleIndex; entry: IndexEntry; changed: boolean } {
  const matches = findByDigest(index, digest);
  if (matches.length === 0)
    throw new RegistryError('NOT_FOUND', `no capsule with digest ${digest} in the index`);
  const changed = matches.some((e) => !e.proofs.includes(proofId) || e.metadata.proof_id !== proofId);
  const entries = index.entries.map((e) =>
    e.digest !== digest
      ? e
      : {
          ...e,
          proofs: e.proofs.includes(proofId) ? e.proofs : [...e.proofs, proofId],
          metadata: { ...e.metadata, proof_id: proofId },
        },
  );
  const next = { ...index, entries };
  return { index: changed ? next : index, entry: findByDigest(next, digest)[0]!, changed };
}
