export { Dag, DagValidationError } from './dag.ts';
export type { DagError, DotCluster, DotOptions } from './dag.ts';
export { DEFAULT_BACKOFF, NodeTimeoutError, backoffDelay, execute } from './execute.ts';
export type {
  BackoffOptions,
  ExecuteOptions,
  ExecutionEvent,
  ExecutionResult,
  NodeResult,
  NodeState,
  Progress,
  RunNode,
} from './execute.ts';
