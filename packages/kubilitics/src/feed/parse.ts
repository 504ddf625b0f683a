// Pure parsing of a snapshot's files: resources.yaml (multi-document YAML or a List), history.jsonl
// and metrics.json. Each error names its file and line. The happy path uses the fast parsers
// (JSON.parse, js-yaml); positions of structural errors are then located with the `yaml` parser,
// which keeps source ranges, only when there is an error to report.
import type { KubeObject } from '@industriverse/kube';
import { loadAll, YAMLException } from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { MetricSeries, WatchRecord } from '../model/types.ts';
import { SnapshotError } from './errors.ts';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The 1-based line of the node at `path` in document `doc` of a YAML (or JSON) text, if found. */
export function lineOf(text: string, doc: number, path: (string | number)[]): number | undefined {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) return undefined;
  const d = docs[doc];
  if (!d) return undefined;
  const node = (path.length ? d.getIn(path, true) : d.contents) as {
    range?: [number, number, number];
  } | null;
  const offset = node?.range?.[0] ?? d.range[0];
  return lineCounter.linePos(offset).line;
}

/** The line of a JSON syntax error: from V8's message when it says, else from the `yaml` parser's error. */
function lineOfJsonError(text: string, err: unknown): number | undefined {
  const msg = String((err as Error).message);
  const line = /line (\d+)/.exec(msg);
  if (line) return Number(line[1]);
  const lineCounter = new LineCounter();
  const [doc] = parseAllDocuments(text, { lineCounter }) as ReturnType<typeof parseAllDocuments> & unknown[];
  return doc?.errors[0]?.linePos?.[0].line;
}

/** Why `v` is not a Kubernetes object, if it is not one. */
function objectProblem(v: unknown): string | undefined {
  if (!isRecord(v)) return 'not an object';
  if (typeof v.kind !== 'string' || !v.kind) return 'object has no kind';
  if (!isRecord(v.metadata) || typeof v.metadata.name !== 'string' || !v.metadata.name)
    return `${v.kind} has no metadata.name`;
  return undefined;
}

/**
 * The objects of resources.yaml: documents in order, a `List` (or `PodList`...) expanded into its
 * items. Items of a typed list may omit kind and apiVersion, which are taken from the list.
 */
export function parseResources(text: string, file: string): KubeObject[] {
  let docs: unknown[];
  const trimmed = text.trimStart();
  let parsedAsJson = false;
  docs = [];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs = [JSON.parse(text)];
      parsedAsJson = true;
    } catch {
      // Not JSON after all: YAML flow style, parsed below.
    }
  }
  if (!parsedAsJson) {
    try {
      docs = loadAll(text, { filename: file });
    } catch (err) {
      if (err instanceof YAMLException)
        throw new SnapshotError(
          file,
          err.mark ? err.mark.line + 1 : undefined,
          `invalid YAML: ${err.reason}`,
        );
      throw new SnapshotError(file, undefined, `invalid YAML: ${(err as Error).message}`);
    }
  }
  const out: KubeObject[] = [];
  docs.forEach((doc, d) => {
    if (doc === null || doc === undefined) return;
    const fail = (path: (string | number)[], why: string): never => {
      throw new SnapshotError(file, lineOf(text, d, path), why);
    };
    if (Array.isArray(doc)) {
      doc.forEach((item, i) => {
        const problem = objectProblem(item);
        if (problem) fail([i], problem);
        out.push(item as KubeObject);
      });
      return;
    }
    if (!isRecord(doc)) return fail([], 'not an object');
    const kind = typeof doc.kind === 'string' ? doc.kind : '';
    if (kind.endsWith('List') && (Array.isArray(doc.items) || doc.items == null)) {
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      const items = (doc.items ?? []) as unknown[];
      items.forEach((item, i) => {
        if (isRecord(item) && itemKind) {
          item.kind ??= itemKind;
          item.apiVersion ??= doc.apiVersion;
        }
        const problem = objectProblem(item);
        if (problem) fail(['items', i], problem);
        out.push(item as KubeObject);
      });
      return;
    }
    const problem = objectProblem(doc);
    if (problem) fail([], problem);
    out.push(doc as unknown as KubeObject);
  });
  return out;
}

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/** The records of history.jsonl, sorted by time (stable: lines with the same time keep their order). */
export function parseHistory(text: string, file: string): WatchRecord[] {
  const records: { t: number; rec: WatchRecord }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const fail = (why: string): never => {
      throw new SnapshotError(file, i + 1, why);
    };
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      fail(`not JSON: ${(err as Error).message}`);
    }
    if (!isRecord(rec)) return fail('a line must be a JSON object {"time", "type", "object"}');
    const t = typeof rec.time === 'string' ? Date.parse(rec.time) : NaN;
    if (Number.isNaN(t)) fail(`"time" must be an RFC 3339 time, got ${JSON.stringify(rec.time ?? null)}`);
    if (typeof rec.type !== 'string' || !WATCH_TYPES.has(rec.type))
      fail(`"type" must be ADDED, MODIFIED or DELETED, got ${JSON.stringify(rec.type ?? null)}`);
    const problem = objectProblem(rec.object);
    if (problem) fail(`"object": ${problem}`);
    records.push({ t, rec: rec as unknown as WatchRecord });
  }
  return records.sort((a, b) => a.t - b.t).map((r) => r.rec);
}

/** The series of metrics.json: a Prometheus range-query matrix (an array, or `{data: {result}}`). */
export function parseMetrics(text: string, file: string): MetricSeries[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(file, lineOfJsonError(text, err), `invalid JSON: ${(err as Error).message}`);
  }
  // The whole API answer is accepted too: {"status": "success", "data": {"resultType": "matrix", "result": [...]}}.
  const inner = isRecord(parsed) && isRecord(parsed.data) ? parsed.data.result : undefined;
  const series = inner ?? parsed;
  const path = inner ? ['data', 'result'] : [];
  if (!Array.isArray(series))
    throw new SnapshotError(
      file,
      1,
      'expected an array of series {"metric": {...}, "values": [[t, "v"], ...]}',
    );
  series.forEach((s, i) => {
    const fail = (why: string): never => {
      throw new SnapshotError(file, lineOf(text, 0, [...path, i]), `series ${i}: ${why}`);
    };
    if (!isRecord(s) || !isRecord(s.metric)) fail('"metric" must be an object of labels');
    const values = (s as Json).values;
    if (!Array.isArray(values)) fail('"values" must be an array of [unixSeconds, "value"]');
    const samples = values as unknown[];
    for (let j = 0; j < samples.length; j++) {
      const v = samples[j];
      if (!Array.isArray(v) || v.length !== 2 || !Number.isFinite(Number(v[0])))
        fail(`sample ${j} must be [unixSeconds, "value"]`);
      const pair = v as [unknown, unknown];
      if (typeof pair[0] !== 'number') pair[0] = Number(pair[0]);
      if (typeof pair[1] !== 'string') pair[1] = String(pair[1]);
    }
  });
  return series as MetricSeries[];
}

/** The `now` file: one RFC 3339 time. */
export function parseNow(text: string, file: string): Date {
  const value = text.trim();
  const t = Date.parse(value);
  if (!value || Number.isNaN(t))
    throw new SnapshotError(file, 1, `expected an RFC 3339 time, got ${JSON.stringify(value)}`);
  return new Date(t);
}

const STATUS_TIME_KEYS = new Set([
  'lastTransitionTime',
  'lastProbeTime',
  'lastHeartbeatTime',
  'lastUpdateTime',
  'startedAt',
  'finishedAt',
  'startTime',
  'completionTime',
  'lastScheduleTime',
  'lastSuccessfulTime',
]);
const EVENT_TIME_KEYS = ['lastTimestamp', 'firstTimestamp', 'eventTime', 'deprecatedLastTimestamp'];

/** The newest time an object mentions: creation, Event times, and times anywhere in its status. */
export function newestTimeOf(obj: KubeObject): number {
  let newest = -Infinity;
  const see = (v: unknown) => {
    if (typeof v !== 'string') return;
    const t = Date.parse(v);
    if (t > newest) newest = t;
  };
  see(obj.metadata.creationTimestamp);
  if (obj.kind === 'Event') {
    const ev = obj as Json;
    for (const k of EVENT_TIME_KEYS) see(ev[k]);
    if (isRecord(ev.series)) see(ev.series.lastObservedTime);
  }
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (STATUS_TIME_KEYS.has(k)) see(x);
      else walk(x, depth + 1);
    }
  };
  walk(obj.status, 0);
  return newest;
}

/** The newest sample time of the metrics, in milliseconds. */
export function newestSampleOf(series: MetricSeries[]): number {
  let newest = -Infinity;
  for (const s of series) for (const [t] of s.values) if (t * 1000 > newest) newest = t * 1000;
  return newest;
}
