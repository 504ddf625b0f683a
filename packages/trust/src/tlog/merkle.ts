// RFC 9162 §2.1 Merkle tree hashing, audit paths and their verification. Pure: a tree is given
// by its leaf hashes; hashes are 32-byte Buffers here and lowercase hex at the API edges.
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

// Arithmetic, not bitwise: tree sizes may pass 2^31.
const half = (x: number): number => Math.floor(x / 2);
const isPowerOfTwo = (x: number): boolean => Number.isInteger(Math.log2(x));
const odd = (x: number): boolean => x % 2 === 1;

export function hashLeaf(entry: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(entry).digest();
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Merkle tree hashes over a growing list of leaf hashes. Hashes of complete subtrees (a power of
 * two leaves, aligned) never change once the leaves exist, so they are kept: a root or proof then
 * costs O(log n) hashes instead of O(n).
 */
export class MerkleTree {
  readonly leaves: Buffer[];
  private readonly complete = new Map<string, Buffer>();

  constructor(leaves: Buffer[] = []) {
    this.leaves = leaves;
  }

  get size(): number {
    return this.leaves.length;
  }

  /** MTH(D[start:end]); MTH of no leaves is SHA-256 of the empty string. */
  hash(start = 0, end = this.leaves.length): Buffer {
    const n = end - start;
    if (n === 0) return createHash('sha256').digest();
    if (n === 1) return this.leaves[start] as Buffer;
    const perfect = isPowerOfTwo(n) && start % n === 0;
    const key = `${start}/${n}`;
    if (perfect) {
      const known = this.complete.get(key);
      if (known) return known;
    }
    const k = split(n);
    const h = hashChildren(this.hash(start, start + k), this.hash(start + k, end));
    if (perfect) this.complete.set(key, h);
    return h;
  }

  /** RFC 9162 §2.1.3.1 PATH(m, D[0:n]). */
  inclusionPath(m: number, n: number): Buffer[] {
    checkRange(
      m >= 0 && m < n && n <= this.size,
      `leaf ${m} is not in a tree of size ${n} (log size ${this.size})`,
    );
    const path: Buffer[] = [];
    const walk = (m: number, start: number, end: number): void => {
      const size = end - start;
      if (size === 1) return;
      const k = split(size);
      if (m < k) {
        walk(m, start, start + k);
        path.push(this.hash(start + k, end));
      } else {
        walk(m - k, start + k, end);
        path.push(this.hash(start, start + k));
      }
    };
    walk(m, 0, n);
    return path;
  }

  /** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) for 0 < m ≤ n. */
  consistencyPath(m: number, n: number): Buffer[] {
    checkRange(
      m > 0 && m <= n && n <= this.size,
      `no consistency proof from size ${m} to ${n} (log size ${this.size})`,
    );
    const path: Buffer[] = [];
    const sub = (m: number, start: number, end: number, whole: boolean): void => {
      const size = end - start;
      if (m === size) {
        if (!whole) path.push(this.hash(start, end));
        return;
      }
      const k = split(size);
      if (m <= k) {
        sub(m, start, start + k, whole);
        path.push(this.hash(start + k, end));
      } else {
        sub(m - k, start + k, end, false);
        path.push(this.hash(start, start + k));
      }
    };
    sub(m, 0, n, true);
    return path;
  }
}

function checkRange(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` with hash `leaf` in the tree of `size` with `root`? */
export function verifyInclusionPath(
  leaf: Buffer,
  index: number,
  size: number,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else r = hashChildren(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `path` prove the tree of `first` leaves with `firstRoot` is a prefix of the one of `second`? */
export function verifyConsistencyPath(
  first: number,
  second: number,
  path: Buffer[],
  firstRoot: Buffer,
  secondRoot: Buffer,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first <= 0 || first > second)
    return false;
  if (first === second) return path.length === 0 && firstRoot.equals(secondRoot);
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : path;
  if (proof.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0] as Buffer;
  let sr = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else sr = hashChildren(sr, c);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}
