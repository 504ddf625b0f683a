// Polling for a condition instead of sleeping fixed times, for tests and for the control plane's
// own readiness waits.

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked before each probe: a message here stops the wait at once (e.g. a process died). */
  abortIf?: () => string | undefined;
}

/**
 * Resolves with the first value of `probe` that is neither undefined nor false. A probe that
 * throws is tried again; on timeout the last error is part of the message.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: EventuallyOptions | number = {},
): Promise<T> {
  const {
    timeoutMs = 60_000,
    intervalMs = 50,
    abortIf,
  } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const aborted = abortIf?.();
    if (aborted) throw new Error(`${aborted} while waiting for ${what}`);
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
