// The offline feed: a cluster snapshot folder (resources.yaml, history.jsonl, metrics.json,
// logs/<namespace>/<pod>/<container>.log, now) loaded into a World. The graph holds the state of
// resources.yaml; history.jsonl is replayed into the temporal store. Logs are read on demand and
// only from inside the folder's logs/.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { stripManagedFields, type KubeObject } from '@industriverse/kube';
import type { MetricSeries, WatchRecord } from '../model/types.ts';
import { WorldModel, type LogSource } from '../model/world.ts';
import { SnapshotError } from './errors.ts';
import {
  newestSampleOf,
  newestTimeOf,
  parseHistory,
  parseMetrics,
  parseNow,
  parseResources,
} from './parse.ts';

export { SnapshotError } from './errors.ts';

export interface SnapshotOptions {
  /** The temporal window (default one hour before `now`). */
  windowMs?: number;
}

/** Reads an optional file; undefined when absent, a SnapshotError when unreadable. */
async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new SnapshotError(file, undefined, `cannot read: ${(err as Error).message}`);
  }
}

export async function loadSnapshot(dir: string, opts: SnapshotOptions = {}): Promise<WorldModel> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new SnapshotError(dir, undefined, `not a snapshot folder: ${(err as Error).message}`);
  }
  const resourcesFile = join(dir, 'resources.yaml');
  const [resourcesText, historyText, metricsText, nowText] = await Promise.all([
    readOptional(resourcesFile),
    readOptional(join(dir, 'history.jsonl')),
    readOptional(join(dir, 'metrics.json')),
    readOptional(join(dir, 'now')),
  ]);
  if (resourcesText === undefined)
    throw new SnapshotError(resourcesFile, undefined, 'missing: a snapshot needs resources.yaml');
  const objects = parseResources(resourcesText, resourcesFile);
  const history: WatchRecord[] = historyText ? parseHistory(historyText, join(dir, 'history.jsonl')) : [];
  const metrics: MetricSeries[] = metricsText ? parseMetrics(metricsText, join(dir, 'metrics.json')) : [];
  const now =
    nowText !== undefined ? parseNow(nowText, join(dir, 'now')) : newestTime(objects, history, metrics);

  const world = new WorldModel({ now, windowMs: opts.windowMs, metrics, logs: snapshotLogs(root) });
  for (const obj of objects) world.upsert(stripManagedFields(obj));
  for (const rec of history) world.record(rec);
  world.temporal.advance(now);
  return world;
}

/** The newest timestamp a snapshot mentions; the wall clock when it mentions none. */
function newestTime(objects: KubeObject[], history: WatchRecord[], metrics: MetricSeries[]): Date {
  let newest = newestSampleOf(metrics);
  for (const obj of objects) newest = Math.max(newest, newestTimeOf(obj));
  for (const rec of history) newest = Math.max(newest, Date.parse(rec.time), newestTimeOf(rec.object));
  return Number.isFinite(newest) ? new Date(newest) : new Date();
}

/** A path segment that names one entry: no separators, not `.`/`..`, no NUL. */
const safeSegment = (s: string) => s !== '' && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);

/**
 * Reads logs/<namespace>/<pod>/<container>.log. Without a container, the pod's only log (or the
 * first in name order). Anything resolving outside logs/ (`..`, symlinks) reads as unknown.
 */
export function snapshotLogs(root: string): LogSource {
  const logsRoot = join(root, 'logs');
  const inside = async (path: string): Promise<string | undefined> => {
    try {
      const real = await realpath(path);
      const realRoot = await realpath(logsRoot);
      return real.startsWith(realRoot + sep) && (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  };
  return async (namespace, pod, container) => {
    if (!safeSegment(namespace) || !safeSegment(pod)) return undefined;
    const podDir = join(logsRoot, namespace, pod);
    let file: string | undefined;
    if (container !== undefined) {
      if (!safeSegment(container)) return undefined;
      file = join(podDir, `${container}.log`);
    } else {
      const names = await readdir(podDir).catch(() => [] as string[]);
      const first = names.filter((n) => n.endsWith('.log')).sort()[0];
      if (!first) return undefined;
      file = join(podDir, first);
    }
    const real = await inside(file);
    return real ? readFile(real, 'utf8') : undefined;
  };
}
