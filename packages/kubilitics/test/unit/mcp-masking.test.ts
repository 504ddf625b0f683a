// No credential leaves the server: Secret values, credential env vars and config keys, kubeconfig
// tokens, Authorization headers and the Secrets' own values wherever they surface, in every tool and
// every mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@industriverse/kube';
import { Redactor, REDACTED } from '../../src/mcp/index.ts';
import type { ObjectRef, World } from '../../src/model/types.ts';
import { connect, mcpSnapshot, PLANTED_SECRETS } from '../fixtures/mcp-world.ts';

test('Redactor: Secret data and stringData keep their keys and lose their values', () => {
  const r = new Redactor();
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration':
          '{"kind":"Secret","data":{"k":"c2VjcmV0LXZhbHVl"},"metadata":{"name":"s"}}',
      },
    },
    data: { k: 'c2VjcmV0LXZhbHVl' },
    stringData: { url: 'https://x.example.com/hook' },
  };
  const masked = r.value(secret) as typeof secret;
  assert.deepEqual(masked.data, { k: REDACTED });
  assert.deepEqual(masked.stringData, { url: REDACTED });
  assert.doesNotMatch(JSON.stringify(masked), /c2VjcmV0LXZhbHVl|x\.example\.com/);
  // Secrets nested in lists and history records are masked too.
  const nested = JSON.stringify(r.value({ items: [{ object: secret }] }));
  assert.doesNotMatch(nested, /c2VjcmV0LXZhbHVl/);
});

test('Redactor: credential env vars, config keys and kubeconfig fields', () => {
  const r = new Redactor();
  const pod = {
    env: [
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'DB_PASSWORD', value: 'p4ss-w0rd' },
      { name: 'GITHUB_TOKEN', value: 'abc123' },
      { name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI' },
      { name: 'DATABASE_URL', value: 'postgres://app:pw-in-url@db:5432/x' },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ],
    httpHeaders: [{ name: 'Authorization', value: 'Bearer abc.def' }],
    data: { 'db.password': 'cm-pw', apiKey: 'k-123', 'ca.crt': 'public', secretName: 'db-creds' },
    automountServiceAccountToken: true,
  };
  const masked = r.value(pod) as typeof pod;
  assert.deepEqual(
    masked.env.map((e) => ('value' in e ? e.value : 'ref')),
    ['debug', REDACTED, REDACTED, REDACTED, `postgres://app:${REDACTED}@db:5432/x`, 'ref'],
  );
  assert.deepEqual(masked.env[5], pod.env[5], 'a reference to a Secret is not a value');
  assert.equal(masked.httpHeaders[0]!.value, REDACTED);
  assert.deepEqual(masked.data, {
    'db.password': REDACTED,
    apiKey: REDACTED,
    'ca.crt': 'public',
    secretName: 'db-creds',
  });
  assert.equal(masked.automountServiceAccountToken, true);
});

test('Redactor: credential shapes in free text, and nothing else', () => {
  const r = new Redactor(['literal-secret-value']);
  const cases: [string, string][] = [
    ['GET / Authorization: Bearer abc.def-ghi', `GET / Authorization: Bearer ${REDACTED}`],
    ['"authorization":"Basic dXNlcjpwYXNz"', `"authorization":"Basic ${REDACTED}"`],
    ['curl -H "bearer xyz123"', `curl -H "bearer ${REDACTED}"`],
    ['token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x', `token: ${REDACTED}`],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x here', `jwt ${REDACTED} here`],
    ['password=hunter22 user=bob', `password=${REDACTED} user=bob`],
    ['{"api_key": "k-1234"}', `{"api_key": ${REDACTED}}`],
    ['client-key-data: LS0tLS1CRUdJTg==', `client-key-data: ${REDACTED}`],
    ['key AKIAABCDEFGHIJKLMNOP used', `key ${REDACTED} used`],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', `${REDACTED} private key`],
    [
      'it printed literal-secret-value twice: literal-secret-value',
      `it printed ${REDACTED} twice: ${REDACTED}`,
    ],
    // Not credentials: names and messages about Secrets stay readable.
    ['delete Secret/shop/web-secret: 0 pods', 'delete Secret/shop/web-secret: 0 pods'],
    ['Error: secret "db-creds" not found', 'Error: secret "db-creds" not found'],
    ["couldn't find key password in Secret pay/db", "couldn't find key password in Secret pay/db"],
    ['authorization failed for user bob', 'authorization failed for user bob'],
    ['INFO listening on :8080 tokens=5', 'INFO listening on :8080 tokens=5'],
  ];
  for (const [input, expected] of cases) assert.equal(r.text(input), expected, input);
});

/** Every tool, in every mode, against the mcp snapshot. */
const CALLS: [string, Record<string, unknown>][] = [
  ['list_resources', { kind: '*', summary: false, limit: 500 }],
  ['list_resources', { kind: 'Secret' }],
  ['list_resources', { kind: 'ConfigMap', summary: true }],
  ['get_resource_yaml', { kind: 'Secret', name: 'db-creds', namespace: 'pay' }],
  ['get_resource_yaml', { kind: 'Secret', name: 'webhook', namespace: 'pay' }],
  ['get_resource_yaml', { kind: 'Secret', name: 'db-creds', namespace: 'pay', path: 'data' }],
  ['get_resource_yaml', { kind: 'Secret', name: 'db-creds', namespace: 'pay', path: 'data.password' }],
  ['get_resource_yaml', { kind: 'Secret', name: 'db-creds', namespace: 'pay', path: 'metadata.annotations' }],
  ['get_resource_yaml', { kind: 'Deployment', name: 'api', namespace: 'pay' }],
  [
    'get_resource_yaml',
    { kind: 'Pod', name: 'api-6f7c9-aaaaa', namespace: 'pay', path: 'spec.containers[0].env' },
  ],
  ['get_resource_yaml', { kind: 'ConfigMap', name: 'api-config', namespace: 'pay' }],
  ['get_resource_yaml', { kind: 'ConfigMap', name: 'legacy-kubeconfig', namespace: 'pay' }],
  ['get_events', { namespace: 'pay' }],
  ['get_events', { related_resource: 'Deployment/pay/api' }],
  ['get_events', { namespace: 'pay', summary: true }],
  ['get_metrics', { query: 'memory_usage' }],
  ['get_logs', { pod: 'api', hint: 'password token authorization bearer' }],
  ['get_logs', { pod: 'api', hint: 'database connection' }],
  ['get_logs', { pod: 'api-6f7c9-bbbbb', max_lines: 200 }],
  ['get_logs', { pod: 'api-6f7c9-aaaaa', hint: 'token' }],
  ['diff_resources', { version_a: { resource: 'Secret/pay/db-creds', at: '55m' }, version_b: {} }],
  ['diff_resources', { version_a: { resource: 'Deployment/pay/api', at: '50m' }, version_b: { at: 'now' } }],
  ['diff_resources', { version_a: 'Secret/pay/db-creds', version_b: 'Secret/pay/webhook' }],
  ['diff_resources', { version_a: 'ConfigMap/pay/api-config', version_b: 'ConfigMap/pay/legacy-kubeconfig' }],
  ['simulate_impact', { action: 'delete', resource: 'Secret/pay/db-creds' }],
  [
    'check_policy',
    {
      resource_yaml:
        'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2-plain-pw}\n',
    },
  ],
  [
    'draft_recommendation',
    {
      title: 'Rotate the database password',
      severity: 'critical',
      reasoning:
        'The log prints password Tr0ub4dor&3-horse and Authorization: Bearer probe-token-8c1d2e3f4a5b',
      proposed_actions: [
        {
          action: 'other',
          target: 'Secret/pay/db-creds',
          detail: 'rotate',
          patch: '{"stringData":{"password":"sup3rs3cret"}}',
        },
      ],
      evidence: ['DB_PASSWORD=hunter2-plain-pw'],
    },
  ],
  [
    'patch_resource',
    {
      kind: 'Secret',
      name: 'db-creds',
      namespace: 'pay',
      patch_json: '{"data":{"password":"MGxkLVBhc3N3MHJkIQ=="}}',
    },
  ],
  ['get_resource_yaml', { kind: 'Secret', name: 'VHIwdWI0ZG9yJjMtaG9yc2U=', namespace: 'pay' }],
];

function assertClean(where: string, text: string): void {
  for (const s of PLANTED_SECRETS)
    assert.ok(!text.includes(s), `${where} leaks ${s}:\n${text.slice(0, 2000)}`);
}

test('no tool answer ever carries a planted credential (snapshot world)', async () => {
  const { world, secrets } = await mcpSnapshot();
  const s = await connect(world, { secrets });
  for (const [name, args] of CALLS) {
    const r = await s.call(name, args);
    const where = `${name} ${JSON.stringify(args).slice(0, 80)}`;
    assertClean(where, r.text);
    assertClean(where, JSON.stringify(r.result.structuredContent ?? {}));
  }
  // The masked places are still visible as such: keys stay, values go.
  const yaml = await s.call('get_resource_yaml', { kind: 'Secret', name: 'db-creds', namespace: 'pay' });
  assert.match(yaml.text, /password: .*\n/);
  const logs = await s.call('get_logs', { pod: 'api-6f7c9-bbbbb', hint: 'password' });
  assert.ok(
    logs.json.pods[0].lines.some((l: { text: string }) => l.text.includes(`with password ${REDACTED}`)),
  );
  await s.close();
});

/** A world that, unlike the snapshot loader, keeps Secret values: masking must not rely on the feed. */
function leakyWorld(world: World, secrets: KubeObject[]): World {
  const raw = (o: KubeObject) =>
    o.kind === 'Secret' ? (secrets.find((s) => s.metadata.name === o.metadata.name) ?? o) : o;
  return {
    now: world.now,
    objects: (kind, namespace) => world.objects(kind, namespace).map(raw),
    get: (ref: ObjectRef) => {
      const o = world.get(ref);
      return o && raw(o);
    },
    eventsFor: (ref) => world.eventsFor(ref),
    graph: world.graph,
    changes: (opts) => world.changes(opts),
    stateAt: (ref, t) => {
      const o = world.stateAt(ref, t);
      return o && raw(o);
    },
    metrics: world.metrics,
    logs: (ns, pod, c) => world.logs(ns, pod, c),
  };
}

test('no tool answer carries a credential when the world itself holds Secret values', async () => {
  const { world, secrets } = await mcpSnapshot();
  // No `secrets` option: the server learns the values from the world it serves.
  const s = await connect(leakyWorld(world, secrets));
  for (const [name, args] of CALLS) {
    const r = await s.call(name, args);
    const where = `${name} ${JSON.stringify(args).slice(0, 80)}`;
    assertClean(where, r.text);
    assertClean(where, JSON.stringify(r.result.structuredContent ?? {}));
  }
  await s.close();
});
