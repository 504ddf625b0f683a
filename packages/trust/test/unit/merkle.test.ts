import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import {
  generateKeyPair,
  hashChildren,
  hashLeaf,
  keySigner,
  leafHash,
  MerkleTree,
  signTreeHead,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
} from '../../src/index.ts';

const MAX = 64;
const entries = Array.from({ length: MAX }, (_, i) => Buffer.from(`entry ${i}`));
const leaves = entries.map(hashLeaf);
const tree = new MerkleTree(leaves);

/** MTH exactly as RFC 9162 §2.1.1 defines it, with no caching. */
function naiveRoot(d: Buffer[]): Buffer {
  if (d.length === 0) return createHash('sha256').digest();
  if (d.length === 1) return d[0] as Buffer;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return hashChildren(naiveRoot(d.slice(0, k)), naiveRoot(d.slice(k)));
}

const root = (n: number): string => tree.hash(0, n).toString('hex');

test('leaf and node hashes carry the RFC 9162 domain prefixes', () => {
  assert.equal(
    leafHash(Buffer.from('')),
    createHash('sha256')
      .update(Buffer.from([0]))
      .digest('hex'),
  );
  const [a, b] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
  assert.deepEqual(
    hashChildren(a, b),
    createHash('sha256')
      .update(Buffer.from([1]))
      .update(a)
      .update(b)
      .digest(),
  );
  assert.equal(
    new MerkleTree().hash().toString('hex'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('roots match the naive recursive MTH for every size', () => {
  for (let n = 0; n <= MAX; n++)
    assert.equal(root(n), naiveRoot(leaves.slice(0, n)).toString('hex'), `size ${n}`);
  // A growing tree (cached subtrees filled incrementally) agrees too.
  const growing = new MerkleTree();
  for (let n = 1; n <= MAX; n++) {
    growing.leaves.push(leaves[n - 1] as Buffer);
    assert.equal(growing.hash().toString('hex'), root(n));
  }
});

test('inclusion proofs verify for every (index, size) and fail when anything changes', () => {
  for (let n = 1; n <= MAX; n++) {
    for (let m = 0; m < n; m++) {
      const proof = {
        leafIndex: m,
        treeSize: n,
        hashes: tree.inclusionPath(m, n).map((h) => h.toString('hex')),
      };
      const leaf = (leaves[m] as Buffer).toString('hex');
      assert.ok(verifyInclusion(leaf, proof, root(n)), `index ${m} size ${n}`);
      assert.ok(!verifyInclusion(leafHash(Buffer.from('other')), proof, root(n)));
      if (n > 1) {
        assert.ok(!verifyInclusion(leaf, { ...proof, leafIndex: (m + 1) % n }, root(n)), `moved ${m}/${n}`);
        assert.ok(!verifyInclusion(leaf, proof, root(n - 1)));
        assert.ok(!verifyInclusion(leaf, { ...proof, hashes: proof.hashes.slice(1) }, root(n)));
        assert.ok(
          !verifyInclusion(leaf, { ...proof, hashes: [...proof.hashes, proof.hashes[0] as string] }, root(n)),
        );
      }
    }
  }
  assert.ok(
    !verifyInclusion(leafHash(entries[0] as Buffer), { leafIndex: 0, treeSize: 0, hashes: [] }, root(0)),
  );
  assert.ok(!verifyInclusion('zz', { leafIndex: 0, treeSize: 1, hashes: [] }, root(1)));
  assert.throws(() => tree.inclusionPath(5, 5), RangeError);
  assert.throws(() => tree.inclusionPath(0, MAX + 1), RangeError);
});

test('consistency proofs verify for every (first, second) and fail against other roots', () => {
  for (let n = 1; n <= MAX; n++) {
    for (let m = 1; m <= n; m++) {
      const proof = { first: m, second: n, hashes: tree.consistencyPath(m, n).map((h) => h.toString('hex')) };
      assert.ok(verifyConsistency(proof, root(m), root(n)), `first ${m} second ${n}`);
      if (m < n) {
        assert.ok(!verifyConsistency(proof, root(m), root(n - 1)), `second root ${m}/${n}`);
        if (m > 1) assert.ok(!verifyConsistency(proof, root(m - 1), root(n)), `first root ${m}/${n}`);
        assert.ok(!verifyConsistency({ ...proof, hashes: proof.hashes.slice(0, -1) }, root(m), root(n)));
      }
    }
  }
  // The examples of RFC 9162 §2.1.5 (tree of 7 leaves d0…d6).
  const mth = (a: number, b: number) => tree.hash(a, b);
  assert.deepEqual(tree.consistencyPath(3, 7), [leaves[2], leaves[3], mth(0, 2), mth(4, 7)]);
  assert.deepEqual(tree.consistencyPath(4, 7), [mth(4, 7)]);
  assert.deepEqual(tree.consistencyPath(6, 7), [mth(4, 6), leaves[6], mth(0, 4)]);
  assert.deepEqual(tree.inclusionPath(0, 7), [leaves[1], mth(2, 4), mth(4, 7)]);
  assert.deepEqual(tree.inclusionPath(3, 7), [leaves[2], mth(0, 2), mth(4, 7)]);
  assert.deepEqual(tree.inclusionPath(6, 7), [mth(4, 6), mth(0, 4)]);
  assert.throws(() => tree.consistencyPath(0, 3), RangeError);
});

test('signed tree heads verify with the public key only', async () => {
  const signer = keySigner(createPrivateKey(generateKeyPair().privateKeyPem));
  const sth = await signTreeHead(signer, 7, root(7), 1_700_000_000_000);
  assert.ok(verifyTreeHead(sth, signer.publicKey));
  assert.ok(!verifyTreeHead({ ...sth, treeSize: 8 }, signer.publicKey));
  assert.ok(!verifyTreeHead({ ...sth, rootHash: root(6) }, signer.publicKey));
  assert.ok(!verifyTreeHead({ ...sth, timestamp: sth.timestamp + 1 }, signer.publicKey));
  const other = keySigner(createPrivateKey(generateKeyPair('ed25519').privateKeyPem));
  assert.ok(!verifyTreeHead(sth, other.publicKey));
  assert.ok(!verifyTreeHead({ ...sth, keyId: other.publicKey.keyId }, other.publicKey));
});
