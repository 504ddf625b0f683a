// "What changed between yesterday and today?": two resources, or one resource at two times, as the
// JSON-patch operations between them with the old and new values, plus the recorded changes between
// the two times. Values are compared before masking and shown after it, so a changed Secret value is
// reported as changed without either value.
import type { KubeObject } from '@industriverse/kube';
import { jsonPatchDiff } from '@industriverse/kube';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ObjectRef, World } from '../model/types.ts';
import { pointerTokens } from '../temporal/patch.ts';
import { paginate, queryKey, type Responder } from './budget.ts';
import { describeRef, isClusterScoped, parseRef, resolve, type RefInput } from './kinds.ts';
import { REDACTED } from './mask.ts';
import type { Inputs } from './schemas.ts';
import { parseInstant } from './time.ts';

const DEFAULT_LIMIT = 100;
const MAX_TIMELINE = 50;
const MAX_VALUE_CHARS = 1_000;

type Version = { resource?: RefInput | undefined; at?: string | undefined };

const asVersion = (v: Inputs['diff_resources']['version_a' | 'version_b']): Version =>
  typeof v === 'string' || 'kind' in v ? { resource: v } : v;

/** A reference as named, resolved against the current world when its namespace was left out. */
function locate(input: RefInput, world: World): ObjectRef {
  const ref = parseRef(input, world);
  if (ref.namespace || isClusterScoped(ref.kind, world)) return ref;
  try {
    return resolve(ref, world).ref;
  } catch {
    return ref;
  }
}

function stateOf(world: World, ref: ObjectRef, at: Date): KubeObject | undefined {
  return at.getTime() >= world.now.getTime() ? world.get(ref) : world.stateAt(ref, at);
}

/** Fields that change on every write and say nothing about the resource. */
function comparable(o: KubeObject | undefined, sameResource: boolean): unknown {
  if (!o) return null;
  const {
    managedFields: _m,
    resourceVersion: _rv,
    selfLink: _s,
    ...metadata
  } = o.metadata as KubeObject['metadata'] & {
    selfLink?: string;
  };
  if (!sameResource) {
    delete metadata.uid;
    delete metadata.creationTimestamp;
  }
  if (metadata.annotations) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _l, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return { ...o, metadata };
}

function at(doc: unknown, path: string): unknown {
  let v = doc;
  for (const t of pointerTokens(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[t];
  }
  return v;
}

const clip = (v: unknown): unknown => {
  const text = JSON.stringify(v);
  return text !== undefined && text.length > MAX_VALUE_CHARS
    ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} chars)`
    : v;
};

interface ChangeRow {
  op: string;
  path: string;
  old?: unknown;
  new?: unknown;
  masked?: true;
}

export function diffResources(world: World, out: Responder, args: Inputs['diff_resources']): CallToolResult {
  const va = asVersion(args.version_a);
  const vb = asVersion(args.version_b);
  if (!va.resource) throw new Error('version_a needs a resource');
  const refA = locate(va.resource, world);
  const refB = vb.resource ? locate(vb.resource, world) : refA;
  const timeA = parseInstant(va.at ?? 'now', world.now);
  const timeB = parseInstant(vb.at ?? 'now', world.now);
  const same = describeRef(refA) === describeRef(refB);
  const rawA = comparable(stateOf(world, refA, timeA), same);
  const rawB = comparable(stateOf(world, refB, timeB), same);

  const maskedA = out.redactor.value(rawA);
  const maskedB = out.redactor.value(rawB);
  const rows: ChangeRow[] = jsonPatchDiff(maskedA, maskedB).map((op) => {
    const row: ChangeRow = { op: op.op, path: op.path };
    if (op.op !== 'add') row.old = clip(at(maskedA, op.path));
    if ('value' in op) row.new = clip(op.value);
    return row;
  });
  // Changes only the raw values show were hidden by masking: report where, never what.
  const shown = new Set(rows.map((r) => r.path));
  for (const op of jsonPatchDiff(rawA, rawB))
    if (!shown.has(op.path))
      rows.push({ op: op.op, path: op.path, old: REDACTED, new: REDACTED, masked: true });
  rows.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

  const page = paginate(rows, (r) => r.path, {
    limit: args.limit ?? DEFAULT_LIMIT,
    cursor: args.cursor,
    query: queryKey({ tool: 'diff_resources', ...args }),
    budget: out.budget,
  });
  const result: Record<string, unknown> = {
    a: { ref: refA, at: timeA.toISOString(), exists: rawA !== null },
    b: { ref: refB, at: timeB.toISOString(), exists: rawB !== null },
    identical: rows.length === 0,
    total: rows.length,
    returned: page.items.length,
    changes: page.items,
  };
  if (page.next_cursor) result.next_cursor = page.next_cursor;
  if (page.cut_by_budget) result.cut_by_budget = true;
  if (same && timeA.getTime() !== timeB.getTime()) {
    const [since, before] = timeA < timeB ? [timeA, timeB] : [timeB, timeA];
    const changes = world.changes({ ref: refA, since, before: new Date(before.getTime() + 1) });
    result.timeline = changes.slice(-MAX_TIMELINE).map((c) => ({
      time: c.time,
      type: c.type,
      paths: [...new Set(c.diff.map((d) => d.path))].slice(0, 10),
    }));
    if (changes.length > MAX_TIMELINE)
      result.note = `timeline: the last ${MAX_TIMELINE} of ${changes.length} changes`;
  }
  return out.json(result, 'Pass a smaller limit and follow next_cursor.');
}
