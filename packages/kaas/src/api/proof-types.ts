// The proof types, in a module of their own: a capsule manifest checks them without loading the
// Kubernetes client that the rest of the API brings.

/** The kinds of proof a capsule or deployment can require; a closed list, so a typo is an error, not a proof nobody makes. */
export const PROOF_TYPES = [
  'mathematical_proof',
  'sim_alignment',
  'statistical_sanity',
  'reproducibility',
  'benchmark',
  'formal_verification',
  'safety_evaluation',
  'energy_attestation',
] as const;
export type ProofType = (typeof PROOF_TYPES)[number];
