// Applies RFC 6902 patches of the shape jsonPatchDiff produces (add, remove, replace), so the
// temporal store can rebuild a past state from its diffs.
import type { Change } from '../model/types.ts';

type Container = Record<string, unknown> | unknown[];

/** Decodes an RFC 6901 pointer into its tokens ('~1' -> '/', then '~0' -> '~'). */
export function pointerTokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A copy of `doc` with `ops` applied in order; `doc` itself is left untouched. */
export function applyPatch<T>(doc: T, ops: Change['diff']): T {
  let root: unknown = structuredClone(doc);
  for (const op of ops) {
    const tokens = pointerTokens(op.path);
    if (tokens.length === 0) {
      root = op.op === 'remove' ? undefined : structuredClone(op.value);
      continue;
    }
    const last = tokens.pop()!;
    let parent = root as Container;
    for (const t of tokens) {
      const next = Array.isArray(parent) ? parent[Number(t)] : parent[t];
      if (typeof next !== 'object' || next === null) throw new Error(`no parent for ${op.path}`);
      parent = next as Container;
    }
    const value = structuredClone(op.value);
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(i, 0, value);
      else if (op.op === 'remove') parent.splice(i, 1);
      else parent[i] = value;
    } else if (op.op === 'remove') {
      delete parent[last];
    } else {
      parent[last] = value;
    }
  }
  return root as T;
}
