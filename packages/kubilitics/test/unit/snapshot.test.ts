// Loading a snapshot folder: the committed fixture, both YAML forms, errors naming file and line,
// and log reads that never leave the folder's logs/.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot, SnapshotError } from '../../src/feed/index.ts';

const basic = fileURLToPath(new URL('../fixtures/snapshots/basic', import.meta.url));
const temps: string[] = [];
after(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubilitics-snapshot-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function rejects(dir: string, file: string, line: number | undefined, pattern: RegExp): Promise<void> {
  await assert.rejects(loadSnapshot(dir), (err: unknown) => {
    assert.ok(err instanceof SnapshotError, String(err));
    assert.equal(err.file, join(dir, file));
    assert.equal(err.line, line);
    assert.match(err.message, pattern);
    assert.ok(err.message.startsWith(`${join(dir, file)}${line ? `:${line}` : ''}: `), err.message);
    return true;
  });
}

test('the basic fixture: objects, graph, history, metrics, events, now', async () => {
  const w = await loadSnapshot(basic);
  assert.equal(w.now.toISOString(), '2025-03-01T12:00:00.000Z', 'the newest timestamp: a metric sample');
  assert.equal(w.objects('Pod').length, 3);
  assert.equal(w.objects(undefined, 'shop').length, w.objects().length - 6);
  assert.equal(
    w.graph.lowestCommonAncestor(['Pod/shop/db-0', 'Pod/shop/web-7d4b9c8f6d-x2k9p']),
    'Node//node-1',
  );
  assert.deepEqual(w.graph.topOwner({ kind: 'Pod', namespace: 'shop', name: 'web-7d4b9c8f6d-q8mzt' }), {
    kind: 'Deployment',
    namespace: 'shop',
    name: 'web',
  });
  assert.deepEqual(w.graph.missing(), []);
  assert.equal(w.metrics.length, 2);
  assert.deepEqual(
    w.eventsFor({ kind: 'Pod', namespace: 'shop', name: 'db-0' }).map((e) => e.reason),
    ['Scheduled', 'BackOff'],
  );
  assert.equal(w.eventsFor({ kind: 'Node', name: 'node-2' }).length, 1, 'events.k8s.io/v1 regarding');
  const cm = { kind: 'ConfigMap', namespace: 'shop', name: 'web-config' };
  assert.deepEqual(
    w.changes({ ref: cm }).map((c) => c.type),
    ['ADDED', 'MODIFIED'],
  );
  const before = w.stateAt(cm, new Date('2025-03-01T11:30:00Z'));
  assert.deepEqual(before?.data, { LOG_LEVEL: 'info', DB_HOST: 'db.shop.svc.cluster.local' });
  const gone = { kind: 'Pod', namespace: 'shop', name: 'batch-x' };
  assert.equal(w.get(gone), undefined, 'the graph is resources.yaml');
  assert.ok(w.stateAt(gone, new Date('2025-03-01T11:47:00Z')), 'history knows the deleted pod');
  assert.equal(w.stateAt(gone, new Date('2025-03-01T11:55:00Z')), undefined);
  assert.ok(
    w.stateAt({ kind: 'Node', name: 'node-1' }, new Date('2025-03-01T10:00:00Z')),
    'no history: current',
  );
  assert.equal(w.stateAt({ kind: 'Node', name: 'node-1' }, new Date('2025-03-01T07:00:00Z')), undefined);
});

test('Secret values never enter the world', async () => {
  const w = await loadSnapshot(basic);
  const secret = w.get({ kind: 'Secret', namespace: 'shop', name: 'web-secret' })!;
  assert.deepEqual(secret.data, { API_TOKEN: '' });
  assert.ok(!JSON.stringify(w.objects()).includes('czNjcjN0'));
});

test('logs are read lazily from logs/<ns>/<pod>/<container>.log', async () => {
  const w = await loadSnapshot(basic);
  assert.match((await w.logs('shop', 'web-7d4b9c8f6d-x2k9p', 'web'))!, /connection refused/);
  assert.match((await w.logs('shop', 'db-0'))!, /ready to accept connections/, 'the only container');
  assert.equal(await w.logs('shop', 'db-0', 'missing'), undefined);
  assert.equal(await w.logs('shop', 'nope'), undefined);
});

test('hostile log paths read nothing outside logs/', async () => {
  const outside = await folder({ 'secret.log': 'TOP SECRET\n' });
  const dir = await folder({
    'resources.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n',
    'logs/a/p/c.log': 'fine\n',
  });
  await symlink(join(outside, 'secret.log'), join(dir, 'logs/a/p/escape.log'));
  await symlink(join(dir, 'resources.yaml'), join(dir, 'logs/a/p/resources.log'));
  await symlink(outside, join(dir, 'logs/a/linked'));
  const w = await loadSnapshot(dir);
  assert.equal(await w.logs('a', 'p', 'c'), 'fine\n');
  for (const [ns, pod, container] of [
    ['..', '..', 'resources'],
    ['a', '..', 'x'],
    ['a', 'p', '../../../resources'],
    ['a/p', 'x', 'c'],
    ['a', 'p', 'escape'],
    ['a', 'p', 'resources'],
    ['a', 'linked', 'secret'],
    ['a', '.', 'c'],
    ['', 'p', 'c'],
    ['a', 'p', 'c\u0000'],
  ] as const)
    assert.equal(await w.logs(ns, pod, container), undefined, `${ns}/${pod}/${container}`);
  assert.equal(await w.logs('a', 'linked'), undefined, 'no default container through a symlink');
});

const pod = (name: string) =>
  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"n"},"spec":{"nodeName":"n1"}}`;

test('resources.yaml as a v1 List, a typed list, JSON, or documents mixing lists and objects', async () => {
  const list = await folder({
    'resources.yaml': [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Node',
      '    metadata: { name: n1 }',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: { name: p1, namespace: n }',
      '    spec: { nodeName: n1 }',
      'metadata: { resourceVersion: "" }',
    ].join('\n'),
  });
  const w = await loadSnapshot(list);
  assert.deepEqual(
    w.graph.outgoing('Pod/n/p1').map((e) => e.to),
    ['Node//n1'],
  );

  const typed = await folder({
    'resources.yaml': 'apiVersion: v1\nkind: PodList\nitems:\n  - metadata: { name: p1, namespace: n }\n',
  });
  const [p] = (await loadSnapshot(typed)).objects();
  assert.equal(p!.kind, 'Pod');
  assert.equal(p!.apiVersion, 'v1');

  const json = await folder({
    'resources.yaml': `{"apiVersion":"v1","kind":"List","items":[${pod('a')},${pod('b')}]}`,
  });
  assert.equal((await loadSnapshot(json)).objects('Pod').length, 2);

  const mixed = await folder({
    'resources.yaml': `---\n${pod('a')}\n---\n# nothing\n---\napiVersion: v1\nkind: List\nitems: [${pod('b')}]\n`,
  });
  assert.equal((await loadSnapshot(mixed)).objects('Pod').length, 2);
});

test('timestamps stay strings, even unquoted', async () => {
  const dir = await folder({
    'resources.yaml':
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  creationTimestamp: 2025-01-02T03:04:05Z\n',
  });
  const w = await loadSnapshot(dir);
  assert.equal(w.objects()[0]!.metadata.creationTimestamp, '2025-01-02T03:04:05Z');
  assert.equal(w.now.toISOString(), '2025-01-02T03:04:05.000Z');
});

test('the now file sets the present and the window', async () => {
  const history = [
    { time: '2025-03-01T10:00:00Z', type: 'ADDED', object: JSON.parse(pod('old')) },
    { time: '2025-03-01T11:30:00Z', type: 'ADDED', object: JSON.parse(pod('recent')) },
  ];
  const dir = await folder({
    'resources.yaml': pod('recent'),
    'history.jsonl': history.map((h) => JSON.stringify(h)).join('\n') + '\n',
    now: '2025-03-01T12:00:00Z\n',
  });
  const w = await loadSnapshot(dir);
  assert.equal(w.now.toISOString(), '2025-03-01T12:00:00.000Z');
  assert.deepEqual(
    w.changes().map((c) => c.ref.name),
    ['recent'],
    'the 10:00 change is outside the one-hour window',
  );
  assert.equal((await loadSnapshot(dir, { windowMs: 3 * 3600_000 })).changes().length, 2);
});

test('history.jsonl lines are replayed in time order', async () => {
  const lines = [
    {
      time: '2025-03-01T11:50:00Z',
      type: 'MODIFIED',
      object: { ...JSON.parse(pod('a')), spec: { nodeName: 'n2' } },
    },
    { time: '2025-03-01T11:40:00Z', type: 'ADDED', object: JSON.parse(pod('a')) },
  ];
  const dir = await folder({
    'resources.yaml': pod('a'),
    'history.jsonl': lines.map((l) => JSON.stringify(l)).join('\n'),
  });
  const [added, modified] = (await loadSnapshot(dir)).changes();
  assert.equal(added!.type, 'ADDED');
  assert.deepEqual(modified!.diff, [{ op: 'replace', path: '/spec/nodeName', value: 'n2' }]);
});

test('a missing folder or resources.yaml', async () => {
  await assert.rejects(loadSnapshot('/nonexistent/snapshot'), (err: unknown) => {
    assert.ok(err instanceof SnapshotError);
    assert.match(err.message, /^\/nonexistent\/snapshot: not a snapshot folder/);
    return true;
  });
  await rejects(await folder({ now: '2025-03-01T12:00:00Z' }), 'resources.yaml', undefined, /missing/);
});

test('invalid YAML names its line', async () => {
  const dir = await folder({
    'resources.yaml':
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: Pod: x\nmetadata: {}\n',
  });
  await rejects(dir, 'resources.yaml', 6, /invalid YAML/);
});

test('an object without kind or name names its line, in documents and in List items', async () => {
  await rejects(
    await folder({
      'resources.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\napiVersion: v1\nmetadata: { name: b }\n',
    }),
    'resources.yaml',
    5,
    /no kind/,
  );
  await rejects(
    await folder({
      'resources.yaml':
        'apiVersion: v1\nkind: List\nitems:\n  - kind: Pod\n    metadata: { name: a }\n  - kind: Pod\n    metadata: {}\n',
    }),
    'resources.yaml',
    6,
    /Pod has no metadata.name/,
  );
  await rejects(await folder({ 'resources.yaml': '- 1\n- 2\n' }), 'resources.yaml', 1, /not an object/);
});

test('history.jsonl errors name their line', async () => {
  const ok = JSON.stringify({ time: '2025-03-01T11:00:00Z', type: 'ADDED', object: JSON.parse(pod('a')) });
  await rejects(
    await folder({ 'resources.yaml': pod('a'), 'history.jsonl': `${ok}\n\n{not json\n` }),
    'history.jsonl',
    3,
    /not JSON/,
  );
  await rejects(
    await folder({
      'resources.yaml': pod('a'),
      'history.jsonl': `${ok}\n${ok.replace('ADDED', 'BOOKMARK')}\n`,
    }),
    'history.jsonl',
    2,
    /"type" must be/,
  );
  await rejects(
    await folder({
      'resources.yaml': pod('a'),
      'history.jsonl': ok.replace('2025-03-01T11:00:00Z', 'yesterday'),
    }),
    'history.jsonl',
    1,
    /"time"/,
  );
  await rejects(
    await folder({
      'resources.yaml': pod('a'),
      'history.jsonl': '{"time":"2025-03-01T11:00:00Z","type":"ADDED","object":{"kind":"Pod"}}',
    }),
    'history.jsonl',
    1,
    /no metadata.name/,
  );
});

test('metrics.json and now errors name their line', async () => {
  await rejects(
    await folder({ 'resources.yaml': pod('a'), 'metrics.json': '[\n  {"metric": {},\n  "values": [}\n]' }),
    'metrics.json',
    3,
    /invalid JSON/,
  );
  await rejects(
    await folder({
      'resources.yaml': pod('a'),
      'metrics.json': '[\n  {"metric": {}, "values": [[1, "2"]]},\n  {"metric": {}, "values": 3}\n]',
    }),
    'metrics.json',
    3,
    /series 1/,
  );
  await rejects(
    await folder({ 'resources.yaml': pod('a'), 'metrics.json': '{"a": 1}' }),
    'metrics.json',
    1,
    /array of series/,
  );
  await rejects(await folder({ 'resources.yaml': pod('a'), now: 'soon' }), 'now', 1, /RFC 3339/);
});

test('metrics.json may be a whole Prometheus answer', async () => {
  const answer = {
    status: 'success',
    data: { resultType: 'matrix', result: [{ metric: { __name__: 'up' }, values: [[1740830400, '1']] }] },
  };
  const w = await loadSnapshot(
    await folder({ 'resources.yaml': pod('a'), 'metrics.json': JSON.stringify(answer) }),
  );
  assert.deepEqual(w.metrics, answer.data.result);
  assert.equal(w.now.getTime(), 1740830400_000);
});
