// The reconcile contract: a request names an object; the reconciler makes the world match it.

export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Requeue with the rate limiter's backoff. */
  requeue?: boolean;
  /** Requeue after this many milliseconds (resets the backoff). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Aborts when the controller stops. */
  signal: AbortSignal;
}

export type Reconciler = (req: Request, ctx: ReconcileContext) => Promise<Result | void>;

/** An error that retrying cannot fix: it is counted and logged, and the request is not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export function requestKey(req: Request): string {
  return req.namespace ? `${req.namespace}/${req.name}` : req.name;
}

export function parseKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
