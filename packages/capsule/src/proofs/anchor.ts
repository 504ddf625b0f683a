// Anchors publish a proof somewhere outside the proof store so that it cannot be silently
// rewritten or withdrawn later: the transparency log by default, a chain or a notary elsewhere.
// Each returns a receipt, stored beside the proof, that it can check again later.

export interface AnchorReceipt {
  /** The anchor's name. */
  anchor: string;
  /** The proof id the receipt is for. */
  proofId: string;
  [field: string]: unknown;
}

export interface Anchor {
  readonly name: string;
  /** Publishes the proof (`bytes` are the envelope, `id` their digest) and returns a receipt. */
  anchor(id: string, bytes: Uint8Array): Promise<AnchorReceipt>;
  /** Throws a PROOF_INVALID RegistryError saying why when `receipt` does not anchor `bytes`. */
  verify(receipt: AnchorReceipt, bytes: Uint8Array): Promise<void>;
}
