/** Milliseconds from an arbitrary, monotonic origin. */
export type Clock = () => number;

const monotonic: Clock = () => performance.now();

/** Decides how long a key waits before it is retried (client-go workqueue.TypedRateLimiter). */
export interface RateLimiter {
  /** Delay in milliseconds before `key` may be processed again; records one more failure. */
  when(key: string): number;
  /** Stops tracking `key`: its next failure starts from the beginning again. */
  forget(key: string): void;
  /** How many failures `key` has had since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`. */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(baseMs: number, maxMs: number) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2 ** failures overflows to Infinity rather than wrapping, so the cap always holds.
    return Math.min(this.#baseMs * 2 ** failures, this.#maxMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * Overall token bucket shared by all keys: `burst` immediate retries, then one every `1/qps` seconds.
 * `when` reserves a token and returns how long to wait for it, like golang.org/x/time/rate's
 * `Reserve().Delay()`, so the bucket may go into debt and later callers queue up behind earlier ones.
 */
export class BucketRateLimiter implements RateLimiter {
  readonly #tokensPerMs: number;
  readonly #burst: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;

  constructor(qps: number, burst: number, now: Clock = monotonic) {
    if (!(qps > 0)) throw new RangeError(`qps must be positive, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.#tokensPerMs = qps / 1000;
    this.#burst = burst;
    this.#now = now;
    // Starts full, as a fresh rate.Limiter does.
    this.#tokens = burst;
    this.#last = now();
  }

  when(_key: string): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last);
    const tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#tokensPerMs) - 1;
    // rate.Limiter never moves `last` backwards; neither do we if the clock does.
    this.#last = Math.max(now, this.#last);
    this.#tokens = tokens;
    return tokens < 0 ? -tokens / this.#tokensPerMs : 0;
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The longest delay of several limiters; every limiter sees every call. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: string): number {
    let delay = 0;
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(key));
    return delay;
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    let requeues = 0;
    for (const limiter of this.#limiters) requeues = Math.max(requeues, limiter.numRequeues(key));
    return requeues;
  }
}

/**
 * controller-runtime's default: per-key exponential backoff from 5 ms to 1000 s, bounded overall by a
 * 10 qps / burst 100 token bucket.
 */
export function defaultControllerRateLimiter(now: Clock = monotonic): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialFailureRateLimiter(5, 1000 * 1000),
    new BucketRateLimiter(10, 100, now),
  );
}
