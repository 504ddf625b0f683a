// An exclusive lock between processes: a lock file created with O_EXCL that holds the owner's pid.
// A lock whose owner is no longer alive (on this host) is stale and is broken, so a writer killed
// mid-append does not block the log forever.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock file still empty after this long belongs to a process that died while creating it. */
const EMPTY_LOCK_STALE_MS = 10_000;

export class LockTimeoutError extends Error {
  constructor(path: string, holder: string) {
    super(`${path}: still locked by ${holder || 'another process'}; remove the file if no writer is running`);
    this.name = 'LockTimeoutError';
  }
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding the lock file `path`, waiting up to `timeoutMs` for it. Callers in one process
 * queue in memory rather than poll the file.
 */
export function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const run = (queues.get(path) ?? Promise.resolve()).then(
    () => holdFileLock(path, fn, timeoutMs),
    () => holdFileLock(path, fn, timeoutMs),
  );
  const tail = run.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}

async function holdFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  await acquire(path, token, timeoutMs);
  try {
    return await fn();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, token: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(token);
      } finally {
        await fh.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder !== undefined && (await isStale(path, holder))) await breakLock(path, holder);
    else if (Date.now() > deadline) throw new LockTimeoutError(path, holder?.trim() ?? '');
    else await sleep(wait);
  }
}

async function readHolder(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function isStale(path: string, holder: string): Promise<boolean> {
  const pid = Number(holder.split(' ')[0]);
  if (holder === '' || !Number.isSafeInteger(pid) || pid <= 0) {
    const info = await stat(path).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_STALE_MS;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside (rename is atomic: one breaker wins). If what was moved is not the
 * stale lock that was read, a new owner took the lock in between: it is put back with link(),
 * which never overwrites.
 */
async function breakLock(path: string, stale: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if ((await readFile(aside, 'utf8')) !== stale) await link(aside, path).catch(() => {});
  await unlink(aside);
}

async function release(path: string, token: string): Promise<void> {
  // Only remove the lock if it is still ours.
  if ((await readHolder(path)) === token) await unlink(path);
}
