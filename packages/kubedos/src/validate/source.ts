// Loads a ClusterSpec from YAML text, keeping where each node sits so findings can show line:column.
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { obj } from './access.ts';
import { segments } from './pointer.ts';

/** The input is not a single YAML mapping: the CLI reports it as unreadable (exit 2). */
export class SpecReadError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly reason: string;

  constructor(reason: string, file?: string, line?: number, column?: number) {
    const where = [file ?? '<input>', line, column].filter((x) => x !== undefined).join(':');
    super(`${where}: ${reason}`);
    this.name = 'SpecReadError';
    this.reason = reason;
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

export interface Position {
  line: number;
  column: number;
}

export interface SpecSource {
  /** The document as plain data (a mapping). */
  value: Record<string, unknown>;
  /** Where the node a JSON Pointer names starts; for a missing key, where its deepest present parent does. */
  locate(ptr: string): Position;
}

export function readSpecSource(text: string, file?: string): SpecSource {
  const lines = new LineCounter();
  // Merge keys (<<) are YAML 1.1 but common in Kubernetes manifests; kubectl accepts them too.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw new SpecReadError(`invalid YAML: ${first.message.split('\n')[0]}`, file, pos.line, pos.col);
  }
  if (doc.contents === null) throw new SpecReadError('empty document: expected a ClusterSpec mapping', file);
  if (!isMap(doc.contents)) {
    const pos = lines.linePos(doc.contents.range?.[0] ?? 0);
    throw new SpecReadError('expected a ClusterSpec mapping at the top level', file, pos.line, pos.col);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new SpecReadError(`unreadable YAML: ${(err as Error).message}`, file);
  }
  const mapping = obj(value);
  if (!mapping) throw new SpecReadError('expected a ClusterSpec mapping at the top level', file);
  return { value: mapping, locate: (ptr) => locate(doc, lines, ptr) };
}

function locate(doc: Document, lines: LineCounter, ptr: string): Position {
  let node: unknown = doc.contents;
  // Offset of what names the current node: the key for a mapping entry, the item itself in a list.
  let offset = rangeStart(node) ?? 0;
  for (const segment of segments(ptr)) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: { node: unknown; offset: number | undefined } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === segment);
      if (pair) next = { node: pair.value, offset: rangeStart(pair.key) ?? rangeStart(pair.value) };
    } else if (isSeq(node) && /^[0-9]+$/.test(segment)) {
      const item: unknown = node.items[Number(segment)];
      if (item !== undefined) next = { node: item, offset: rangeStart(item) };
    }
    if (!next) break;
    node = next.node;
    if (next.offset !== undefined) offset = next.offset;
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}
