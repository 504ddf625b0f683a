export * from './errors.ts';
export * from './manifest.ts';
export { DEFAULT_LIMITS, type Limits } from './archive/entries.ts';
export * from './pack.ts';
export * from './verify.ts';
export * from './inspect.ts';
export * from './bundle.ts';
export * from './uri.ts';
export * from './registry/registry.ts';
export * from './registry/capsule-index.ts';
export { RegistryError, type RegistryErrorCode } from './registry/errors.ts';
export { DirRegistry, type DirRegistryOptions } from './registry/dir.ts';
export { HttpRegistry } from './registry/http.ts';
export * from './proofs/anchor.ts';
export * from './proofs/statement.ts';
export { ProofService, verifyProof, type ProofRecord, type VerifiedProof } from './proofs/service.ts';
export { ProofStore, proofId } from './proofs/store.ts';
export * from './proofs/tlog-anchor.ts';
export {
  startRegistryServer,
  type RegistryServerOptions,
  type RunningRegistryServer,
} from './server/server.ts';
export * from './loader/deploy.ts';
export * from './loader/errors.ts';
export * from './loader/requirements.ts';
export * from './loader/objects.ts';
export * from './hooks/run.ts';
export * from './hooks/claim.ts';
export * from './hooks/sandbox.ts';
export * from './trifecta/asal.ts';
export * from './trifecta/trajectory.ts';
export * from './trifecta/playbook.ts';
export * from './trifecta/history.ts';
export * from './workflow.ts';
