import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dag, DagValidationError } from '../../src/index.ts';

/** a -> b -> d, a -> c -> d, e alone. */
function diamond(): Dag<number> {
  const dag = new Dag<number>();
  ['a', 'b', 'c', 'd', 'e'].forEach((id, i) => dag.addNode(id, i));
  return dag.addEdge('a', 'b').addEdge('a', 'c').addEdge('b', 'd').addEdge('c', 'd');
}

describe('Dag model', () => {
  it('stores nodes and edges in insertion order, edges once', () => {
    const dag = diamond().addEdge('a', 'b');
    assert.equal(dag.size, 5);
    assert.deepEqual(dag.ids(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(dag.get('c'), 2);
    assert.equal(dag.has('z'), false);
    assert.throws(() => dag.get('z'), /unknown node "z"/);
    assert.deepEqual(dag.edges(), [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ]);
    assert.deepEqual(dag.successors('a'), ['b', 'c']);
    assert.deepEqual(dag.predecessors('d'), ['b', 'c']);
    assert.deepEqual(dag.predecessors('a'), []);
  });

  it('a valid graph has no errors', () => {
    assert.deepEqual(diamond().validate(), []);
  });

  it('reports duplicate ids once each, keeping the first data', () => {
    const dag = new Dag<string>().addNode('a', 'first').addNode('a', 'second').addNode('a', 'third');
    assert.equal(dag.get('a'), 'first');
    assert.deepEqual(dag.validate(), [{ kind: 'duplicate-node', id: 'a', message: 'duplicate node id "a"' }]);
  });

  it('reports every edge that names a missing node', () => {
    const dag = new Dag<null>().addNode('a', null).addEdge('a', 'x').addEdge('y', 'a');
    assert.deepEqual(
      dag.validate().map((e) => (e.kind === 'missing-node' ? [e.id, e.from, e.to] : e.kind)),
      [
        ['x', 'a', 'x'],
        ['y', 'y', 'a'],
      ],
    );
    assert.throws(() => dag.topoOrder(), DagValidationError);
  });

  it('reports a cycle with its path', () => {
    const dag = diamond().addEdge('d', 'a');
    const errors = dag.validate();
    assert.equal(errors.length, 1);
    const [error] = errors;
    assert.equal(error!.kind, 'cycle');
    assert.deepEqual(error!.kind === 'cycle' && error!.path, ['a', 'b', 'd', 'a']);
    assert.match(error!.message, /cycle "a" -> "b" -> "d" -> "a"/);
    try {
      dag.topoOrder();
      assert.fail('expected a DagValidationError');
    } catch (e) {
      assert.ok(e instanceof DagValidationError);
      assert.equal(e.errors[0]!.kind, 'cycle');
    }
  });

  it('reports a self-loop and separate cycles separately', () => {
    const dag = new Dag<null>();
    for (const id of ['a', 'b', 'c', 'd']) dag.addNode(id, null);
    dag.addEdge('a', 'a').addEdge('b', 'c').addEdge('c', 'd').addEdge('d', 'b');
    assert.deepEqual(
      dag.validate().map((e) => e.kind === 'cycle' && e.path),
      [
        ['a', 'a'],
        ['b', 'c', 'd', 'b'],
      ],
    );
  });

  it('accepts edges before their nodes exist', () => {
    const dag = new Dag<null>().addEdge('a', 'b').addNode('b', null).addNode('a', null);
    assert.deepEqual(dag.validate(), []);
    assert.deepEqual(dag.topoOrder(), ['a', 'b']);
  });
});

describe('topological order', () => {
  it('is Kahn with ties broken by insertion order', () => {
    assert.deepEqual(diamond().topoOrder(), ['a', 'b', 'c', 'd', 'e']);
    const dag = new Dag<null>();
    for (const id of ['z', 'y', 'x', 'w']) dag.addNode(id, null);
    dag.addEdge('x', 'z');
    // y, x, w are ready at first; once x is placed z is ready too and, inserted first, beats w.
    assert.deepEqual(dag.topoOrder(), ['y', 'x', 'z', 'w']);
  });

  it('puts every node after its dependencies on a large random graph, identically every time', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const dag = new Dag<null>();
    const n = 3000;
    for (let i = 0; i < n; i++) dag.addNode(`n${i}`, null);
    for (let i = 0; i < n * 4; i++) {
      const a = Math.floor(random() * n);
      const b = Math.floor(random() * n);
      if (a < b) dag.addEdge(`n${a}`, `n${b}`);
    }
    const order = dag.topoOrder();
    assert.equal(order.length, n);
    const position = new Map(order.map((id, i) => [id, i]));
    for (const [from, to] of dag.edges()) assert.ok(position.get(from)! < position.get(to)!);
    assert.deepEqual(dag.topoOrder(), order);
  });
});

describe('layers, ancestors, descendants', () => {
  it('groups nodes by longest path from a source', () => {
    assert.deepEqual(diamond().layers(), [['a', 'e'], ['b', 'c'], ['d']]);
    const chain = new Dag<null>().addNode('c', null).addNode('b', null).addNode('a', null);
    chain.addEdge('a', 'b').addEdge('b', 'c').addEdge('a', 'c');
    assert.deepEqual(chain.layers(), [['a'], ['b'], ['c']]);
  });

  it('walks the graph both ways, in insertion order', () => {
    const dag = diamond();
    assert.deepEqual(dag.ancestors('d'), ['a', 'b', 'c']);
    assert.deepEqual(dag.descendants('a'), ['b', 'c', 'd']);
    assert.deepEqual(dag.descendants('e'), []);
    assert.deepEqual(dag.ancestors('a'), []);
    assert.throws(() => dag.ancestors('nope'), /unknown node/);
  });
});

describe('toDot', () => {
  it('writes nodes, edges and attributes, quoting ids', () => {
    const dag = new Dag<string>().addNode('a', 'A "quoted"').addNode('b\\c', 'B').addEdge('a', 'b\\c');
    assert.equal(
      dag.toDot(),
      [
        'digraph "dag" {',
        '  "a" [label="a"];',
        '  "b\\\\c" [label="b\\\\c"];',
        '  "a" -> "b\\\\c";',
        '}',
        '',
      ].join('\n'),
    );
    assert.equal(
      dag.toDot({
        name: 'g',
        rankdir: 'LR',
        graphAttrs: { fontsize: '10' },
        nodeAttrs: (_id, data) => ({ label: `${data}\nline`, shape: 'box', color: undefined }),
        edgeAttrs: () => ({ style: 'dashed' }),
      }),
      [
        'digraph "g" {',
        '  fontsize="10";',
        '  rankdir="LR";',
        '  "a" [label="A \\"quoted\\"\\nline", shape="box"];',
        '  "b\\\\c" [label="B\\nline", shape="box"];',
        '  "a" -> "b\\\\c" [style="dashed"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('groups nodes into clusters in first-seen order', () => {
    const dot = diamond().toDot({
      cluster: (id, data) => (id === 'e' ? undefined : { id: `s${data % 2}`, label: `stage ${data % 2}` }),
    });
    assert.equal(
      dot,
      [
        'digraph "dag" {',
        '  subgraph "cluster_s0" {',
        '    label="stage 0";',
        '    "a" [label="a"];',
        '    "c" [label="c"];',
        '  }',
        '  subgraph "cluster_s1" {',
        '    label="stage 1";',
        '    "b" [label="b"];',
        '    "d" [label="d"];',
        '  }',
        '  "e" [label="e"];',
        '  "a" -> "b";',
        '  "a" -> "c";',
        '  "b" -> "d";',
        '  "c" -> "d";',
        '}',
        '',
      ].join('\n'),
    );
  });
});
