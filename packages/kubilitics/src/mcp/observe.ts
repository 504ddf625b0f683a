// Tier 1 observation over the world model: list resources, read one, the events about one, its
// metrics and the log lines that matter.
import type { KubeObject } from '@industriverse/kube';
import { matchesLabels } from '@industriverse/kube';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { seriesKey } from '../analytics/series.ts';
import { eventView } from '../diagnose/k8s.ts';
import { refOfObject } from '../graph/edges.ts';
import { nodeId, refOf, type ObjectRef, type World } from '../model/types.ts';
import { paginate, queryKey, type Responder } from './budget.ts';
import { canonicalKind, describeRef, kindsIn, parseRef, podsNamed, resolve, type RefInput } from './kinds.ts';
import { hintTerms, searchLog } from './logs.ts';
import {
  fromSnapshot,
  MAX_POINTS,
  METRICS,
  promqlFor,
  queryRange,
  summarise,
  type MetricFilter,
} from './metrics.ts';
import type { Inputs } from './schemas.ts';
import { parseLabelSelector } from './selector.ts';
import { rowOf, type Row } from './rows.ts';
import { parseDuration } from './time.ts';

const DEFAULT_LIMIT = 100;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const tally = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

const sortedCounts = (c: Record<string, number>) =>
  Object.fromEntries(Object.entries(c).sort(([a], [b]) => cmp(a, b)));

const objectKey = (o: { kind: string; namespace?: string | undefined; name: string }) =>
  `${o.kind}/${o.namespace ?? ''}/${o.name}`;

export function listResources(world: World, out: Responder, args: Inputs['list_resources']): CallToolResult {
  const every = args.kind === '*' || args.kind.toLowerCase() === 'all';
  const kind = every ? '*' : canonicalKind(args.kind, world);
  let objects = world.objects(every ? undefined : kind, args.namespace);
  if (args.label_selector) {
    const selector = parseLabelSelector(args.label_selector);
    objects = objects.filter((o) => matchesLabels(selector, o.metadata.labels));
  }
  const keyed = objects.map((o) => ({
    o,
    key: objectKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name ?? '' }),
  }));
  keyed.sort((a, b) => cmp(a.key, b.key));
  const note =
    keyed.length === 0 && !every && !world.objects(kind).length
      ? `no ${kind} in this cluster; kinds present: ${kindsIn(world).join(', ')}`
      : undefined;
  const narrow = 'Pass namespace or label_selector, a smaller limit, or summary=true.';
  if (args.summary ?? (every && args.summary === undefined)) {
    const byNamespace: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const byKind: Record<string, number> = {};
    for (const { o } of keyed) {
      tally(byNamespace, o.metadata.namespace ?? '(cluster)');
      tally(byKind, o.kind);
      if (!every) tally(byStatus, rowOf(o, world.now).status);
    }
    return out.json(
      {
        kind,
        total: keyed.length,
        returned: 0,
        ...(every ? { by_kind: sortedCounts(byKind) } : { by_status: sortedCounts(byStatus) }),
        by_namespace: sortedCounts(byNamespace),
        ...(note ? { note } : {}),
      },
      narrow,
    );
  }
  const page = paginate<{ o: KubeObject; key: string }, Row>(keyed, (k) => k.key, {
    limit: args.limit ?? DEFAULT_LIMIT,
    cursor: args.cursor,
    query: queryKey({ tool: 'list_resources', ...args }),
    budget: out.budget,
    render: (k) => rowOf(k.o, world.now),
  });
  return out.json(
    {
      kind,
      total: keyed.length,
      returned: page.items.length,
      items: page.items,
      ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
      ...(page.cut_by_budget ? { cut_by_budget: true } : {}),
      ...(note
        ? { note }
        : page.next_cursor
          ? { note: `${page.remaining} more: pass next_cursor, or narrow with namespace or label_selector` }
          : {}),
    },
    narrow,
  );
}

export function getResourceYaml(
  world: World,
  out: Responder,
  args: Inputs['get_resource_yaml'],
): CallToolResult {
  const { object } = resolve(
    parseRef({ kind: args.kind, name: args.name, namespace: args.namespace }, world),
    world,
  );
  const { managedFields: _dropped, ...metadata } = object.metadata;
  const masked = out.redactor.object({ ...object, metadata });
  const part = args.path ? pick(masked, args.path) : masked;
  if (part === undefined) throw new Error(`path ${args.path} is not in this object`);
  const yaml = stringify(part, { lineWidth: 0, aliasDuplicateObjects: false });
  return out.text(yaml, `Pass path= one part: ${sections(part)}.`);
}

/** The value at a dotted path with [i] indexes. */
function pick(value: unknown, path: string): unknown {
  let v = value;
  for (const seg of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** The parts of a value and their sizes, to tell the caller where to narrow. */
function sections(value: unknown): string {
  if (value === null || typeof value !== 'object') return '(a scalar)';
  return Object.entries(value)
    .map(([k, v]) => `${Array.isArray(value) ? `[${k}]` : k} (${JSON.stringify(v)?.length ?? 0} chars)`)
    .join(', ');
}

interface EventRow {
  last: string;
  first?: string;
  type: string;
  reason: string;
  object: string;
  count: number;
  message: string;
  key: string;
}

const MAX_RELATED = 500;

/** The resource and everything it owns, transitively (a Deployment's ReplicaSets and their Pods). */
function withOwned(world: World, ref: ObjectRef): ObjectRef[] {
  const seen = new Set([nodeId(ref)]);
  const queue = [nodeId(ref)];
  while (queue.length && seen.size < MAX_RELATED) {
    for (const e of world.graph.outgoing(queue.shift()!, ['owns']))
      if (!seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
  }
  return [...seen].map(refOf);
}

/** A reference, or a bare name: then every resource of that name (the Deployment, its Service, …). */
function relatedTo(world: World, input: RefInput, namespace: string | undefined): ObjectRef[] {
  if (typeof input !== 'string' || input.includes('/'))
    return [resolve(parseRef(input, world, namespace), world).ref];
  const named = world
    .objects(undefined, namespace)
    .filter((o) => o.metadata.name === input && o.kind !== 'Event')
    .map(refOfObject);
  if (!named.length) throw new Error(`nothing named ${input}${namespace ? ` in ${namespace}` : ''}`);
  return named.sort((a, b) => cmp(objectKey(a), objectKey(b)));
}

function eventRow(e: KubeObject): EventRow {
  const ev = eventView(e);
  const about = (e.involvedObject ?? e.regarding ?? {}) as {
    kind?: string;
    namespace?: string;
    name?: string;
  };
  const row: EventRow = {
    last: ev.last ?? '',
    type: ev.type,
    reason: ev.reason,
    object: describeRef({ kind: about.kind ?? '?', namespace: about.namespace, name: about.name ?? '?' }),
    count: ev.count,
    message: ev.message.length > 1000 ? `${ev.message.slice(0, 1000)}…` : ev.message,
    key: objectKey(refOfObject(e)),
  };
  if (ev.first && ev.first !== ev.last) row.first = ev.first;
  return row;
}

export function getEvents(world: World, out: Responder, args: Inputs['get_events']): CallToolResult {
  let resources: ObjectRef[] | undefined;
  let events: KubeObject[];
  if (args.related_resource) {
    const related = relatedTo(world, args.related_resource, args.namespace).flatMap((ref) =>
      withOwned(world, ref),
    );
    resources = [...new Map(related.map((r) => [objectKey(r), r])).values()];
    const unique = new Map<string, KubeObject>();
    for (const r of resources) for (const e of world.eventsFor(r)) unique.set(objectKey(refOfObject(e)), e);
    events = [...unique.values()];
  } else events = world.objects('Event', args.namespace);
  let rows = events.map(eventRow);
  if (args.type) rows = rows.filter((r) => r.type === args.type);
  if (args.since) {
    const from = world.now.getTime() - parseDuration(args.since);
    rows = rows.filter((r) => Date.parse(r.last) >= from);
  }
  rows.sort((a, b) => cmp(b.last, a.last) || cmp(a.key, b.key));
  const head = {
    ...(resources ? { resources: resources.slice(0, 50).map(describeRef) } : {}),
    total: rows.length,
  };
  const narrow = 'Pass related_resource, namespace, type=Warning, since, a smaller limit, or summary=true.';
  if (args.summary) {
    const byReason: Record<string, number> = {};
    for (const r of rows)
      byReason[`${r.type}/${r.reason}`] = (byReason[`${r.type}/${r.reason}`] ?? 0) + r.count;
    return out.json({ ...head, returned: 0, by_reason: sortedCounts(byReason) }, narrow);
  }
  const page = paginate(rows, (r) => r.key, {
    limit: args.limit ?? DEFAULT_LIMIT,
    cursor: args.cursor,
    query: queryKey({ tool: 'get_events', ...args }),
    budget: out.budget,
  });
  return out.json(
    {
      ...head,
      returned: page.items.length,
      events: page.items.map(({ key: _key, ...r }) => r),
      ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
      ...(page.cut_by_budget ? { cut_by_budget: true } : {}),
    },
    narrow,
  );
}

const MAX_LOG_PODS = 5;

export async function getLogs(
  world: World,
  out: Responder,
  args: Inputs['get_logs'],
): Promise<CallToolResult> {
  // "namespace/pod" names both.
  const [inNamespace, named] = args.pod.includes('/') ? args.pod.split('/', 2) : [args.namespace, args.pod];
  const pods = podsNamed(world, named!, inNamespace);
  if (!pods.length)
    throw new Error(
      `no pod named ${named}${inNamespace ? ` in ${inNamespace}` : ''}, nor a workload of that name`,
    );
  const texts: { namespace: string; pod: string; container?: string; text?: string }[] = [];
  for (const pod of pods.slice(0, MAX_LOG_PODS)) {
    const namespace = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const declared = (
      (pod.spec as { containers?: { name?: string }[] } | undefined)?.containers ?? []
    ).flatMap((c) => (c.name ? [c.name] : []));
    const containers = args.container ? [args.container] : declared.length ? declared : [undefined];
    for (const container of containers)
      texts.push({ namespace, pod: name, container, text: await world.logs(namespace, name, container) });
  }
  // Shrink context, then matches, until the answer fits (masking can lengthen it a little: keep a margin).
  const room = out.budget * 0.9;
  let maxLines = args.max_lines ?? 40;
  let context = args.context ?? 1;
  for (;;) {
    const result = logsAnswer(texts, args.hint, maxLines, context, pods.length);
    if (JSON.stringify(result).length <= room || (maxLines === 1 && context === 0))
      return out.json(result, 'Pass a container, a more specific hint or a smaller max_lines.');
    if (context > 0) context = 0;
    else maxLines = Math.max(1, Math.floor(maxLines / 2));
  }
}

function logsAnswer(
  texts: { namespace: string; pod: string; container?: string; text?: string }[],
  hint: string | undefined,
  maxLines: number,
  context: number,
  podCount: number,
): Record<string, unknown> {
  const perLog = Math.max(1, Math.ceil(maxLines / texts.length));
  const answers = texts.map((t) => {
    const base = { namespace: t.namespace, pod: t.pod, ...(t.container ? { container: t.container } : {}) };
    if (t.text === undefined)
      return { ...base, total_lines: 0, matched_lines: 0, lines: [], note: 'no logs available' };
    return { ...base, ...searchLog(t.text, hint, perLog, context) };
  });
  const notes: string[] = [];
  if (podCount > MAX_LOG_PODS)
    notes.push(`${podCount} pods match; searched the first ${MAX_LOG_PODS} (not-ready first)`);
  if (hint && !hintTerms(hint).length) notes.push('the hint has no searchable words: showing the tail');
  return { terms: hintTerms(hint), pods: answers, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** Beyond a month, a range query is a job for a dashboard, not a tool answer. */
const MAX_WINDOW_MS = 31 * 86400e3;

export async function getMetrics(
  world: World,
  out: Responder,
  args: Inputs['get_metrics'],
  prometheusUrl: string | undefined,
): Promise<CallToolResult> {
  const windowMs = parseDuration(args.time_window ?? '1h');
  if (windowMs > MAX_WINDOW_MS) throw new Error('time_window: at most 31d');
  const end = Math.floor(world.now.getTime() / 1000);
  const start = end - windowMs / 1000;
  const step = Math.max(15, Math.ceil(windowMs / 1000 / (MAX_POINTS * 4)));
  const pods = args.pod
    ? podsNamed(world, args.pod, args.namespace).map((p) => p.metadata.name ?? '')
    : undefined;
  const filter: MetricFilter = {
    namespace: args.namespace,
    pods: args.pod ? (pods?.length ? pods : [args.pod]) : undefined,
    container: args.container,
    node: args.node,
  };
  const promql = promqlFor(args.query, filter);
  const raw = prometheusUrl
    ? await queryRange(prometheusUrl, promql, start, end, step)
    : fromSnapshot(world.metrics, args.query, filter, start, end);
  const series = raw.flatMap((s) => summarise(s.labels, s.samples, !args.summary, end) ?? []);
  const page = paginate(series, (s) => seriesKey(s.labels), {
    limit: args.limit ?? DEFAULT_LIMIT,
    cursor: args.cursor,
    query: queryKey({ tool: 'get_metrics', ...args }),
    budget: out.budget,
  });
  const result: Record<string, unknown> = {
    query: args.query,
    source: prometheusUrl ? 'prometheus' : 'snapshot',
    promql,
    window: {
      start: new Date(start * 1000).toISOString(),
      end: new Date(end * 1000).toISOString(),
      step_seconds: step,
    },
    unit: METRICS[args.query].unit,
    total: series.length,
    returned: page.items.length,
    series: page.items,
  };
  if (page.next_cursor) result.next_cursor = page.next_cursor;
  if (page.cut_by_budget) result.cut_by_budget = true;
  if (!series.length && !prometheusUrl) {
    const held = [...new Set(world.metrics.map((s) => s.metric.__name__ ?? ''))].sort();
    result.note = held.length
      ? `no ${args.query} samples in this window for this filter; the snapshot holds: ${held.slice(0, 30).join(', ')}`
      : 'this snapshot holds no metrics (and no Prometheus is configured)';
  }
  return out.json(result, 'Pass namespace, pod or node, summary=true, or a smaller limit.');
}
