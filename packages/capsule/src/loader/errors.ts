// Why a deploy stopped, as a code the CLI prints and the playbook groups by. Verification failures
// keep the verifier's own codes (SIGNATURE_INVALID, CHECKSUM_MISMATCH, …).
export type DeployErrorCode =
  | 'REQUIREMENTS_UNMET'
  | 'MANIFEST_UNSUPPORTED'
  | 'CRD_NOT_ESTABLISHED'
  | 'WARM_POOL_NOT_READY'
  | 'SANDBOX_UNAVAILABLE'
  | 'FIRST_RUN_FAILED'
  | 'HOOK_FAILED'
  | 'HOOK_TIMEOUT'
  | 'HOOK_OUTPUT_LIMIT'
  | 'CLAIM_INVALID'
  | 'PROOF_REQUIRED'
  | 'REGISTRY_REQUIRED';

export class DeployError extends Error {
  override name = 'DeployError';
  readonly code: string;
  readonly path?: string;

  constructor(code: DeployErrorCode | (string & {}), message: string, path?: string) {
    super(message);
    this.code = code;
    if (path !== undefined) this.path = path;
  }
}
