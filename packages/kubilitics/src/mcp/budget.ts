// Output caps. A tool answer never exceeds a character budget: lists are cut into pages that fit it
// (with a cursor to the next page), and an answer that cannot be cut is replaced by a request to
// narrow the query. Cursors are opaque and bound to the query that produced them.
import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Redactor } from './mask.ts';

/** About 5k tokens: far below what floods a model's context, enough for a useful page. */
export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;

/** Room kept for the fields around a page's items (counts, cursor, notes). */
const ENVELOPE_CHARS = 1_500;

export interface PageOf<T> {
  items: T[];
  /** How many items follow this page. */
  remaining: number;
  /** Where the next page starts; absent on the last page. */
  next_cursor?: string;
  /** The page stopped early because the next item would have passed the size budget. */
  cut_by_budget?: boolean;
}

/** A stable digest of the arguments that define a listing (not its cursor or page size). */
export function queryKey(args: Record<string, unknown>): string {
  const stable = Object.keys(args)
    .filter((k) => k !== 'cursor' && k !== 'limit' && args[k] !== undefined)
    .sort()
    .map((k) => [k, args[k]]);
  return createHash('sha256').update(JSON.stringify(stable)).digest('base64url').slice(0, 12);
}

export function encodeCursor(query: string, after: string): string {
  return Buffer.from(JSON.stringify({ q: query, a: after })).toString('base64url');
}

function decodeCursor(cursor: string, query: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new Error('cursor: not a cursor this server issued');
  }
  const { q, a } = (parsed ?? {}) as { q?: unknown; a?: unknown };
  if (typeof a !== 'string' || typeof q !== 'string')
    throw new Error('cursor: not a cursor this server issued');
  if (q !== query)
    throw new Error('cursor: it belongs to a different query; repeat the same arguments with it');
  return a;
}

/**
 * One page of `items` (already in their final order, each with a unique key): the items after the
 * cursor, at most `limit` of them and no more than `budget` characters of JSON. `render` turns an
 * item into what the page shows, and runs only for the items the page considers.
 */
export function paginate<T, R = T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  opts: {
    limit: number;
    cursor?: string | undefined;
    query: string;
    budget: number;
    render?: (item: T) => R;
  },
): PageOf<R> {
  let start = 0;
  if (opts.cursor) {
    const after = decodeCursor(opts.cursor, opts.query);
    const at = items.findIndex((i) => keyOf(i) === after);
    if (at < 0)
      throw new Error('cursor: the list changed since that page was served; start again without cursor');
    start = at + 1;
  }
  const render = opts.render ?? ((item: T) => item as unknown as R);
  const room = Math.max(opts.budget - ENVELOPE_CHARS, 0);
  const page: R[] = [];
  let used = 0;
  let cut = false;
  let i = start;
  for (; i < items.length && page.length < opts.limit; i++) {
    const shown = render(items[i]!);
    const size = JSON.stringify(shown).length + 1;
    if (used + size > room && page.length > 0) {
      cut = true;
      break;
    }
    page.push(shown);
    used += size;
  }
  const out: PageOf<R> = { items: page, remaining: items.length - i };
  if (i < items.length && i > start) out.next_cursor = encodeCursor(opts.query, keyOf(items[i - 1]!));
  if (cut) out.cut_by_budget = true;
  return out;
}

/** Builds tool answers: masks, serialises, and enforces the budget. */
export class Responder {
  readonly budget: number;
  readonly redactor: Redactor;

  constructor(redactor: Redactor, budget: number) {
    this.redactor = redactor;
    this.budget = budget;
  }

  /** A structured answer, its JSON also given as text for clients that read only text. */
  json(structured: Record<string, unknown>, narrowHint: string): CallToolResult {
    const masked = this.redactor.value(structured) as Record<string, unknown>;
    const text = JSON.stringify(masked);
    if (text.length > this.budget) return this.tooLarge(text.length, narrowHint);
    return { content: [{ type: 'text', text }], structuredContent: masked };
  }

  /** A plain text answer (YAML). */
  text(body: string, narrowHint: string): CallToolResult {
    const masked = this.redactor.text(body);
    if (masked.length > this.budget) return this.tooLarge(masked.length, narrowHint);
    return { content: [{ type: 'text', text: masked }] };
  }

  tooLarge(size: number, narrowHint: string): CallToolResult {
    return error(
      `The answer is ${size} characters, over this server's ${this.budget}-character budget: narrow your query. ${narrowHint}`,
    );
  }
}

export function error(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
