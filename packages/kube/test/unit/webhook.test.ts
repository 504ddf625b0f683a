import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeMetrics } from '../../src/metrics/registry.ts';
import {
  admissionResponse,
  allow,
  deny,
  devServingCert,
  escapePointerToken,
  jsonPatchDiff,
  localWebhookEndpoint,
  mutate,
  mutatingWebhookConfiguration,
  parseAdmissionReview,
  patch,
  reviewAdmission,
  validatingWebhookConfiguration,
  WebhookServer,
  writeServingCert,
  type AdmissionRequest,
  type AdmissionReview,
  type DevServingCert,
  type JsonPatchOperation,
  type KubeStatus,
} from '../../src/webhook/index.ts';

// ---- helpers ----

/** A minimal RFC 6902 applier (add/remove/replace), strict about targets existing where required. */
function applyPatch(doc: unknown, ops: JsonPatchOperation[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'remove' && op.op !== 'replace') throw new Error(`unsupported ${op.op}`);
    if (op.path === '') {
      assert.notEqual(op.op, 'remove');
      root = structuredClone((op as { value: unknown }).value);
      continue;
    }
    assert.ok(op.path.startsWith('/'), `pointer ${op.path}`);
    const tokens = op.path
      .slice(1)
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop()!;
    let parent = root as Record<string, unknown> | unknown[];
    for (const t of tokens) {
      const next: unknown = Array.isArray(parent) ? parent[Number(t)] : parent[t];
      assert.ok(typeof next === 'object' && next !== null, `no container at ${t} in ${op.path}`);
      parent = next as Record<string, unknown> | unknown[];
    }
    const value = 'value' in op ? structuredClone(op.value) : undefined;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      assert.ok(Number.isInteger(i), `array index ${last}`);
      if (op.op === 'add') {
        assert.ok(i <= parent.length, `add index ${i} out of bounds in ${op.path}`);
        parent.splice(i, 0, value);
      } else {
        assert.ok(i < parent.length, `index ${i} out of bounds in ${op.path}`);
        if (op.op === 'remove') parent.splice(i, 1);
        else parent[i] = value;
      }
    } else if (op.op === 'add') {
      parent[last] = value;
    } else {
      assert.ok(Object.hasOwn(parent, last), `no member ${last} for ${op.op} ${op.path}`);
      if (op.op === 'remove') delete parent[last];
      else parent[last] = value;
    }
  }
  return root;
}

/** Deterministic PRNG (mulberry32) so a failing random case can be reproduced. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'a/b', '~0', 'x~1y', '', 'metadata', '0', '-'];

function randomJson(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 4);
    case 3:
      return ['s', 't', ''][Math.floor(r() * 3)];
    case 4:
      return Math.floor(r() * 3) === 0 ? {} : [];
    case 5: {
      const out: Record<string, unknown> = {};
      for (const k of KEYS) if (r() < 0.35) out[k] = randomJson(r, depth + 1);
      return out;
    }
    default:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomJson(r, depth + 1));
  }
}

/** Derives a variant of `v` that shares much of its structure, so diffs are interesting. */
function perturb(r: () => number, v: unknown, depth: number): unknown {
  if (r() < 0.15) return randomJson(r, depth);
  if (Array.isArray(v)) {
    const out = v.map((x) => perturb(r, x, depth + 1));
    if (r() < 0.3) out.splice(Math.floor(r() * (out.length + 1)), 0, randomJson(r, depth + 1));
    if (r() < 0.3 && out.length) out.splice(Math.floor(r() * out.length), 1);
    return out;
  }
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.15) out[k] = perturb(r, x, depth + 1);
    if (r() < 0.3) out[KEYS[Math.floor(r() * KEYS.length)]!] = randomJson(r, depth + 1);
    return out;
  }
  return v;
}

function configMapReview(object: unknown, uid = 'uid-1'): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'cm',
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'admin' },
      object,
    },
  };
}

function decodePatch(b64: string | undefined): JsonPatchOperation[] {
  assert.ok(b64);
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as JsonPatchOperation[];
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  serial: string;
  fingerprint: string;
}

/** One request on a fresh TLS connection (no agent), trusting only `ca`. */
function call(
  port: number,
  ca: string,
  opts: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        ca,
        agent: false,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/validate',
        headers: { 'content-type': 'application/json', ...opts.headers },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            serial: peer.serialNumber,
            fingerprint: peer.fingerprint256,
          });
        });
      },
    );
    // Writing an oversized body may fail once the server has answered and closed; the answer counts.
    req.on('error', (err) => {
      if (!settled) reject(err);
    });
    req.end(opts.body);
  });
}

function post(port: number, ca: string, path: string, body: unknown): Promise<Reply> {
  return call(port, ca, { path, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

// ---- JSON patch ----

describe('jsonPatchDiff', () => {
  it('escapes ~ and / in member names per RFC 6901', () => {
    assert.equal(escapePointerToken('a/b~c~1'), 'a~1b~0c~01');
    assert.deepEqual(jsonPatchDiff({ 'a/b': 1, '~x': 1 }, { 'a/b': 2 }), [
      { op: 'replace', path: '/a~1b', value: 2 },
      { op: 'remove', path: '/~0x' },
    ]);
  });

  it('produces add, remove and replace for object members', () => {
    const from = { metadata: { name: 'cm', labels: { a: '1', b: '2' } }, data: { k: 'v' } };
    const to = { metadata: { name: 'cm', labels: { a: '9', c: '3' } }, data: { k: 'v' }, extra: [1] };
    assert.deepEqual(jsonPatchDiff(from, to), [
      { op: 'replace', path: '/metadata/labels/a', value: '9' },
      { op: 'remove', path: '/metadata/labels/b' },
      { op: 'add', path: '/metadata/labels/c', value: '3' },
      { op: 'add', path: '/extra', value: [1] },
    ]);
  });

  it('shrinks arrays from the end and grows them in order', () => {
    assert.deepEqual(jsonPatchDiff([1, 2, 3, 4], [1, 9]), [
      { op: 'replace', path: '/1', value: 9 },
      { op: 'remove', path: '/3' },
      { op: 'remove', path: '/2' },
    ]);
    assert.deepEqual(jsonPatchDiff({ a: [1] }, { a: [1, 2, 3] }), [
      { op: 'add', path: '/a/1', value: 2 },
      { op: 'add', path: '/a/2', value: 3 },
    ]);
  });

  it('replaces on type changes, including the root', () => {
    assert.deepEqual(jsonPatchDiff({ a: [1] }, { a: { 0: 1 } }), [
      { op: 'replace', path: '/a', value: { 0: 1 } },
    ]);
    assert.deepEqual(jsonPatchDiff([1], { a: 1 }), [{ op: 'replace', path: '', value: { a: 1 } }]);
    assert.deepEqual(jsonPatchDiff({ a: null }, { a: 0 }), [{ op: 'replace', path: '/a', value: 0 }]);
  });

  it('returns nothing for equal documents and treats undefined members as absent', () => {
    assert.deepEqual(jsonPatchDiff({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2 }] } }), []);
    assert.deepEqual(jsonPatchDiff({ a: 1, b: undefined }, { a: 1 }), []);
    assert.deepEqual(jsonPatchDiff({ a: 1 }, { a: 1, b: undefined }), []);
    assert.deepEqual(jsonPatchDiff({ '': 1 }, { '': 2 }), [{ op: 'replace', path: '/', value: 2 }]);
  });

  it('turns one document into the other, for many random pairs', () => {
    const r = rng(20240611);
    for (let i = 0; i < 3000; i++) {
      const from = randomJson(r, 0);
      const to = r() < 0.2 ? randomJson(r, 0) : perturb(r, from, 0);
      const ops = jsonPatchDiff(from, to);
      assert.deepEqual(applyPatch(from, ops), to, `case ${i}: ${JSON.stringify({ from, to, ops })}`);
    }
  });
});

// ---- AdmissionReview handling ----

describe('admission results', () => {
  it('builds allow, deny, patch and mutate results', async () => {
    assert.deepEqual(allow(), { allowed: true });
    assert.deepEqual(allow(['careful']), { allowed: true, warnings: ['careful'] });
    assert.deepEqual(deny('no'), {
      allowed: false,
      status: { code: 403, message: 'no', reason: 'Forbidden' },
    });
    assert.deepEqual(deny('bad', 422).status, { code: 422, message: 'bad', reason: 'Invalid' });
    const ops: JsonPatchOperation[] = [{ op: 'add', path: '/x', value: 1 }];
    assert.deepEqual(patch(ops), { allowed: true, patch: ops });

    const original = { metadata: { name: 'cm' } };
    const mutated = structuredClone(original) as {
      metadata: { name: string; labels?: Record<string, string> };
    };
    mutated.metadata.labels = { 'example.com/seen': 'true' };
    const response = admissionResponse('u', mutate(original, mutated));
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(decodePatch(response.patch), [
      { op: 'add', path: '/metadata/labels', value: { 'example.com/seen': 'true' } },
    ]);
  });

  it('omits empty patches and never sends a patch with a denial', () => {
    assert.deepEqual(admissionResponse('u', patch([])), { uid: 'u', allowed: true });
    const denied = admissionResponse('u', { ...deny('no'), patch: [{ op: 'remove', path: '/a' }] });
    assert.equal(denied.patch, undefined);
    assert.equal(denied.patchType, undefined);
    assert.deepEqual(admissionResponse('u', { allowed: false }).status?.code, 403);
  });

  it('rejects malformed reviews with 400 and a clear message', async () => {
    const cases: [string, RegExp][] = [
      ['', /empty body/],
      ['{"kind":', /not valid JSON/],
      ['[]', /JSON object/],
      ['"AdmissionReview"', /JSON object/],
      ['{"kind":"Pod","apiVersion":"admission.k8s.io/v1"}', /kind must be "AdmissionReview", got "Pod"/],
      [
        '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u"}}',
        /apiVersion/,
      ],
      ['{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}', /no request/],
      ['{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":[]}', /no request/],
      ['{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{}}', /uid is missing/],
      ['{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":7}}', /uid is missing/],
    ];
    for (const [body, message] of cases) {
      const parsed = parseAdmissionReview(body);
      assert.ok('error' in parsed, body);
      assert.match(parsed.error.message, message);
      const reply = await reviewAdmission(body, () => allow());
      assert.equal(reply.httpStatus, 400);
      assert.equal((reply.body as KubeStatus).kind, 'Status');
      assert.match((reply.body as KubeStatus).message, message);
    }
  });

  it('answers with the request uid and the handler decision', async () => {
    let seen: AdmissionRequest | undefined;
    const reply = await reviewAdmission(
      Buffer.from(JSON.stringify(configMapReview({ a: 1 }, 'abc')), 'utf8'),
      (req) => {
        seen = req;
        return deny('not today');
      },
    );
    assert.equal(seen?.operation, 'CREATE');
    assert.deepEqual(reply, {
      httpStatus: 200,
      body: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: {
          uid: 'abc',
          allowed: false,
          status: { code: 403, message: 'not today', reason: 'Forbidden' },
        },
      },
    });
  });

  it('fails closed with 500 when the handler throws or returns nothing', async () => {
    const body = JSON.stringify(configMapReview({}));
    for (const handler of [
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('boom')),
      () => undefined as never,
    ]) {
      const reply = await reviewAdmission(body, handler);
      assert.equal(reply.httpStatus, 200);
      const response = (reply.body as AdmissionReview).response!;
      assert.equal(response.allowed, false);
      assert.equal(response.status?.code, 500);
      assert.equal(response.status?.reason, 'InternalError');
      assert.match(response.status!.message, /boom|no decision/);
    }
  });
});

// ---- configuration ----

describe('webhook configurations', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  const rules = [
    { operations: ['CREATE' as const], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
  ];

  it('points a validating webhook at a local URL with the CA bundle', () => {
    const cfg = validatingWebhookConfiguration({
      name: 'demo',
      caPem,
      endpoint: localWebhookEndpoint(8443),
      webhooks: [
        {
          name: 'validate.configmaps.example.com',
          path: '/validate',
          rules,
          timeoutSeconds: 5,
          objectSelector: { matchLabels: { webhook: 'on' } },
        },
      ],
    });
    assert.deepEqual(cfg, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'demo' },
      webhooks: [
        {
          name: 'validate.configmaps.example.com',
          clientConfig: {
            caBundle: Buffer.from(caPem).toString('base64'),
            url: 'https://127.0.0.1:8443/validate',
          },
          rules,
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 5,
          objectSelector: { matchLabels: { webhook: 'on' } },
        },
      ],
    });
    assert.deepEqual(localWebhookEndpoint(1, '::1'), { url: 'https://[::1]:1' });
  });

  it('points a mutating webhook at a Service', () => {
    const cfg = mutatingWebhookConfiguration({
      name: 'demo',
      caPem,
      labels: { app: 'demo' },
      endpoint: { service: { namespace: 'system', name: 'webhook', port: 443 } },
      webhooks: [
        {
          name: 'mutate.configmaps.example.com',
          path: '/mutate',
          rules,
          failurePolicy: 'Ignore',
          reinvocationPolicy: 'IfNeeded',
          matchPolicy: 'Equivalent',
          namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
        },
      ],
    });
    assert.equal(cfg.kind, 'MutatingWebhookConfiguration');
    assert.deepEqual(cfg.metadata, { name: 'demo', labels: { app: 'demo' } });
    const [w] = cfg.webhooks;
    assert.deepEqual(w!.clientConfig.service, {
      namespace: 'system',
      name: 'webhook',
      path: '/mutate',
      port: 443,
    });
    assert.equal(w!.clientConfig.url, undefined);
    assert.equal(w!.failurePolicy, 'Ignore');
    assert.equal(w!.reinvocationPolicy, 'IfNeeded');
    assert.equal(w!.matchPolicy, 'Equivalent');
  });

  it('lists every problem the API server would reject', () => {
    assert.throws(
      () =>
        validatingWebhookConfiguration({
          name: 'bad',
          caPem: 'nope',
          endpoint: { url: 'http://127.0.0.1:1' },
          webhooks: [
            { name: 'short.name', path: 'validate', rules, timeoutSeconds: 31 },
            { name: 'short.name', path: '/v', rules },
          ],
        }),
      (err: Error) =>
        /caPem/.test(err.message) &&
        /https/.test(err.message) &&
        /three dot-separated/.test(err.message) &&
        /used twice/.test(err.message) &&
        /path must start/.test(err.message) &&
        /timeoutSeconds/.test(err.message),
    );
  });
});

// ---- server ----

describe('WebhookServer', () => {
  let certs: DevServingCert;
  let server: WebhookServer;
  let port: number;
  let metrics: RuntimeMetrics;

  before(async () => {
    certs = await devServingCert({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    metrics = new RuntimeMetrics();
    server = new WebhookServer({
      cert: certs.certPem,
      key: certs.keyPem,
      metrics,
      maxBodyBytes: 64 * 1024,
      requestTimeoutMs: 300,
    });
    server.register('/validate', (req) => {
      const name = (req.object as { metadata?: { name?: string } }).metadata?.name;
      return name === 'forbidden' ? deny(`name ${name} is not allowed`) : allow(['looks fine']);
    });
    server.register('/mutate', (req) => {
      const mutated = structuredClone(req.object) as { metadata: { labels?: Record<string, string> } };
      mutated.metadata.labels = { ...mutated.metadata.labels, 'example.com/mutated': 'yes' };
      return mutate(req.object, mutated);
    });
    server.register('/throw', () => {
      throw new Error('handler exploded');
    });
    server.register('/slow', async () => {
      await sleep(1000);
      return allow();
    });
    ({ port } = await server.start());
  });

  after(() => server.stop());

  it('serves health endpoints over TLS with the dev certificate', async () => {
    assert.ok(port > 0);
    assert.equal(server.port, port);
    for (const path of ['/healthz', '/readyz']) {
      const reply = await call(port, certs.caPem, { method: 'GET', path });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, 'ok');
    }
  });

  it('refuses a client that does not trust the CA', async () => {
    const other = await devServingCert();
    await assert.rejects(call(port, other.caPem, { method: 'GET', path: '/healthz' }), /certificate/);
  });

  it('validates and mutates', async () => {
    const ok = await post(
      port,
      certs.caPem,
      '/validate',
      configMapReview({ metadata: { name: 'fine' } }, 'v1'),
    );
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(ok.text).response, { uid: 'v1', allowed: true, warnings: ['looks fine'] });

    const no = await post(
      port,
      certs.caPem,
      '/validate',
      configMapReview({ metadata: { name: 'forbidden' } }),
    );
    assert.deepEqual(JSON.parse(no.text).response.status, {
      code: 403,
      message: 'name forbidden is not allowed',
      reason: 'Forbidden',
    });

    const object = { metadata: { name: 'cm', labels: { a: 'b' } }, data: { k: 'v' } };
    const mutated = await post(port, certs.caPem, '/mutate', configMapReview(object));
    const response = JSON.parse(mutated.text).response;
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(applyPatch(object, decodePatch(response.patch)), {
      ...object,
      metadata: { name: 'cm', labels: { a: 'b', 'example.com/mutated': 'yes' } },
    });
  });

  it('denies with 500 when the handler throws', async () => {
    const reply = await post(port, certs.caPem, '/throw', configMapReview({}));
    assert.equal(reply.status, 200);
    const response = JSON.parse(reply.text).response;
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 500);
    assert.match(response.status.message, /handler exploded/);
  });

  it('answers malformed reviews with 400 and stays up', async () => {
    const bodies = [
      'not json',
      '[1,2]',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}',
      '{"apiVersion":"v1","kind":"ConfigMap","request":{"uid":"u"}}',
      '',
    ];
    for (const body of bodies) {
      const reply = await post(port, certs.caPem, '/validate', body);
      assert.equal(reply.status, 400, body);
      const status = JSON.parse(reply.text) as KubeStatus;
      assert.equal(status.kind, 'Status');
      assert.equal(status.code, 400);
      assert.ok(status.message.length > 0);
    }
    assert.equal((await call(port, certs.caPem, { method: 'GET', path: '/healthz' })).status, 200);
  });

  it('answers bodies over the limit with 413, declared or streamed, and stays up', async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024, 'a');
    const declared = await call(port, certs.caPem, { body: huge });
    assert.equal(declared.status, 413);
    assert.match(JSON.parse(declared.text).message, /exceeds 65536 bytes/);

    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, ca: certs.caPem, agent: false, method: 'POST', path: '/validate' },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      // No content-length: chunked, so only counting the bytes can catch it.
      req.write(Buffer.alloc(48 * 1024, 'a'));
      req.write(Buffer.alloc(48 * 1024, 'a'));
      req.end();
    });
    assert.equal(streamed, 413);
    const ok = await post(port, certs.caPem, '/validate', configMapReview({ metadata: { name: 'x' } }));
    assert.equal(ok.status, 200);
  });

  it('rejects other methods, media types and paths', async () => {
    assert.equal((await call(port, certs.caPem, { method: 'GET' })).status, 405);
    assert.equal(
      (await call(port, certs.caPem, { headers: { 'content-type': 'text/plain' }, body: '{}' })).status,
      415,
    );
    assert.equal((await call(port, certs.caPem, { path: '/nope', body: '{}' })).status, 404);
  });

  it('gives up on a handler that outlives requestTimeoutMs', async () => {
    const reply = await post(port, certs.caPem, '/slow', configMapReview({}));
    assert.equal(reply.status, 504);
    assert.match(JSON.parse(reply.text).message, /did not answer within 300 ms/);
  });

  it('records controller-runtime webhook metrics', async () => {
    const text = await metrics.text();
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/validate",code="200"\} [1-9]/);
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/validate",code="400"\} 6/);
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/validate",code="413"\} 2/);
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/slow",code="504"\} 1/);
    assert.match(text, /controller_runtime_webhook_latency_seconds_count\{webhook="\/mutate"\} 1/);
    assert.match(text, /controller_runtime_webhook_requests_in_flight\{webhook="\/validate"\} 0/);
  });

  it('refuses duplicate and reserved paths', () => {
    assert.throws(() => server.register('/validate', () => allow()), /already registered/);
    assert.throws(() => server.register('/healthz', () => allow()), /reserved/);
    assert.throws(() => server.register('nope', () => allow()), /start with/);
    assert.throws(() => new WebhookServer({ cert: 'x' }), /go together/);
    assert.throws(() => new WebhookServer({}), /either/);
  });
});

describe('WebhookServer lifecycle and certificate reload', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhook-certs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes dev certificates with a private key file', async () => {
    const certs = await devServingCert({ dir });
    assert.equal(certs.keyFile, join(dir, 'tls.key'));
    assert.equal((await stat(certs.keyFile)).mode & 0o777, 0o600);
    assert.match(certs.certPem, /BEGIN CERTIFICATE/);
    assert.match(certs.keyPem, /BEGIN PRIVATE KEY/);
    assert.match(certs.caPem, /BEGIN CERTIFICATE/);
    assert.notEqual(certs.caPem, certs.certPem);
  });

  it('stops listening on stop', async () => {
    const certs = await devServingCert();
    const server = new WebhookServer({ cert: certs.certPem, key: certs.keyPem });
    const { port } = await server.start();
    await assert.rejects(server.start(), /already started/);
    assert.equal((await call(port, certs.caPem, { method: 'GET', path: '/readyz' })).status, 200);
    await server.stop();
    await server.stop();
    await assert.rejects(call(port, certs.caPem, { method: 'GET', path: '/healthz' }), /ECONNREFUSED/);
  });

  it('serves a rotated certificate on new connections without restarting', async () => {
    const first = await devServingCert({ dir });
    const errors: Error[] = [];
    const server = new WebhookServer({
      certFile: first.certFile!,
      keyFile: first.keyFile!,
      certWatchIntervalMs: 50,
      onError: (err) => errors.push(err),
    });
    const { port } = await server.start();
    try {
      const before = await call(port, first.caPem, { method: 'GET', path: '/healthz' });

      // A key that does not match the certificate: the old pair keeps serving.
      const stray = await devServingCert({ ca: first.ca });
      await writeFile(first.keyFile!, stray.keyPem);
      await waitFor(() => errors.length > 0);
      assert.match(errors[0]!.message, /key|mismatch/i);
      assert.equal(
        (await call(port, first.caPem, { method: 'GET', path: '/healthz' })).serial,
        before.serial,
      );

      const second = await devServingCert({ ca: first.ca });
      await writeServingCert(dir, second);
      let after = before;
      await waitFor(async () => {
        after = await call(port, first.caPem, { method: 'GET', path: '/healthz' });
        return after.serial !== before.serial;
      });
      assert.notEqual(after.fingerprint, before.fingerprint);
      assert.equal(after.status, 200);
      assert.equal(server.port, port);
    } finally {
      await server.stop();
    }
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
