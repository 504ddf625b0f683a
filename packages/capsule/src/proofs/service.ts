// The proof registry: signs a claim as a DSSE in-toto statement with the registry's proof signer,
// stores the envelope content-addressed, indexes it by subject and anchors it with every anchor.
// Verification checks the signature against trusted proof keys, the subject and every receipt.
import {
  signStatement,
  verifyEnvelope,
  type Envelope,
  type PublicKey,
  type Signer,
  type Statement,
} from '@industriverse/trust';
import { RegistryError } from '../registry/errors.ts';
import type { Anchor, AnchorReceipt } from './anchor.ts';
import { checkProofStatement, proofStatement, type ProofClaim, type ProofPredicate } from './statement.ts';
import { proofId, type ProofStore } from './store.ts';

export interface ProofRecord {
  /** "sha256:<hex>" of the envelope's JSON bytes. */
  id: string;
  /** The capsule digest, as the statement states it (trust it only after verification). */
  subject: string;
  /** The proof type, as stated. */
  type: string;
  envelope: Envelope;
  receipts: AnchorReceipt[];
}

export interface VerifiedProof {
  statement: Statement;
  predicate: ProofPredicate;
  keyId: string;
}

export function envelopeBytes(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

function stated(envelope: Envelope): { subject: string; type: string } {
  try {
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement<
      Partial<ProofPredicate>
    >;
    const hex = statement.subject?.[0]?.digest?.sha256;
    return { subject: hex ? `sha256:${hex}` : '', type: String(statement.predicate?.type ?? '') };
  } catch {
    return { subject: '', type: '' };
  }
}

/**
 * Verifies a proof record: its id is the digest of its envelope, the envelope is signed by one of
 * `keys`, its statement is a capsule proof about `digest`, and each anchor's receipt checks out.
 * Throws PROOF_INVALID naming the first failure.
 */
export async function verifyProof(
  record: ProofRecord,
  opts: { keys: PublicKey[]; digest: string; anchors: Pick<Anchor, 'name' | 'verify'>[] },
): Promise<VerifiedProof> {
  const bytes = envelopeBytes(record.envelope);
  if (proofId(bytes) !== record.id) {
    throw new RegistryError(
      'PROOF_INVALID',
      `proof ${record.id}: the envelope's digest is ${proofId(bytes)}`,
    );
  }
  let verified: { statement: Statement; keyId: string };
  try {
    verified = verifyEnvelope(record.envelope, opts.keys);
  } catch (err) {
    throw new RegistryError(
      'PROOF_INVALID',
      `proof ${record.id}: signature not valid under a trusted proof key: ${(err as Error).message}`,
    );
  }
  const predicate = checkProofStatement(verified.statement, opts.digest);
  for (const anchor of opts.anchors) {
    const receipt = record.receipts.find((r) => r.anchor === anchor.name && r.proofId === record.id);
    if (!receipt)
      throw new RegistryError('PROOF_INVALID', `proof ${record.id} has no ${anchor.name} receipt`);
    await anchor.verify(receipt, bytes);
  }
  return { statement: verified.statement, predicate, keyId: verified.keyId };
}

export class ProofService {
  readonly store: ProofStore;
  readonly anchors: Anchor[];
  readonly keys: PublicKey[];
  private readonly signer: Signer | undefined;

  constructor(opts: { store: ProofStore; anchors: Anchor[]; keys: PublicKey[]; signer?: Signer }) {
    this.store = opts.store;
    this.anchors = opts.anchors;
    this.keys = opts.keys;
    this.signer = opts.signer;
  }

  async generate(claim: ProofClaim, subjectName: string): Promise<ProofRecord> {
    if (!this.signer) {
      throw new RegistryError(
        'NO_PROOF_SIGNER',
        'this registry has no proof signer (start it with --proof-key or --proof-pkcs11-uri)',
      );
    }
    const envelope = await signStatement(proofStatement(claim, subjectName, new Date()), this.signer);
    const bytes = envelopeBytes(envelope);
    const id = await this.store.put(bytes);
    await this.store.addSubject(claim.digest, id);
    const receipts: AnchorReceipt[] = [];
    for (const anchor of this.anchors) receipts.push(await anchor.anchor(id, bytes));
    await this.store.putReceipts(id, receipts);
    return { id, subject: claim.digest, type: claim.type, envelope, receipts };
  }

  async get(id: string): Promise<ProofRecord> {
    const bytes = await this.store.get(id);
    if (!bytes) throw new RegistryError('NOT_FOUND', `no proof ${id}`);
    const envelope = JSON.parse(bytes.toString('utf8')) as Envelope;
    return { id, ...stated(envelope), envelope, receipts: await this.store.receipts(id) };
  }

  async bySubject(digest: string): Promise<ProofRecord[]> {
    return Promise.all((await this.store.bySubject(digest)).map((id) => this.get(id)));
  }

  verify(record: ProofRecord, digest: string): Promise<VerifiedProof> {
    return verifyProof(record, { keys: this.keys, digest, anchors: this.anchors });
  }

  /** The newest proof about `digest` that verifies; PROOF_MISSING saying why when there is none. */
  async requireValid(digest: string, what: string): Promise<ProofRecord> {
    const ids = await this.store.bySubject(digest);
    const reasons: string[] = [];
    for (const id of ids.reverse()) {
      try {
        const record = await this.get(id);
        await this.verify(record, digest);
        return record;
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
    throw new RegistryError(
      'PROOF_MISSING',
      ids.length === 0
        ? `${what} has no proof bundle (digest ${digest})`
        : `${what} has no valid proof bundle (digest ${digest}): ${reasons.join('; ')}`,
    );
  }
}
