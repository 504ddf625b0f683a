// Admission webhooks against a real kube-apiserver that calls our WebhookServer over HTTPS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import {
  allow,
  deny,
  devServingCert,
  localWebhookEndpoint,
  mutate,
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
  WebhookServer,
  type AdmissionHandler,
  type DevServingCert,
  type MutatingWebhookDefinition,
  type WebhookDefinition,
} from '../../src/webhook/index.ts';

const NS = 'webhook-it';
// Every webhook only sees ConfigMaps in NS carrying its own case label, so system objects and the
// other cases never reach it.
const CASE_LABEL = 'webhook.test/case';
const MUTATED_LABEL = 'webhook.test/mutated';

type Outcome = { ok: true; cm: V1ConfigMap } | { ok: false; code: number; message: string };

describe('admission webhooks against kube-apiserver', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let admission: AdmissionregistrationV1Api;
  let certs: DevServingCert;
  let main: WebhookServer;
  let down: WebhookServer;
  const calls = new Map<string, number>();
  let nameCounter = 0;

  const counted =
    (path: string, handler: AdmissionHandler): AdmissionHandler =>
    (req) => {
      calls.set(path, (calls.get(path) ?? 0) + 1);
      return handler(req);
    };

  function definition(name: string, path: string, extra: Partial<WebhookDefinition> = {}): WebhookDefinition {
    return {
      name: `${name}.configmaps.webhook.test`,
      path,
      rules: [
        { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
      ],
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
      objectSelector: { matchLabels: { [CASE_LABEL]: name } },
      timeoutSeconds: 5,
      ...extra,
    };
  }

  async function createValidating(name: string, port: number, webhooks: WebhookDefinition[]): Promise<void> {
    const body = validatingWebhookConfiguration({
      name,
      caPem: certs.caPem,
      endpoint: localWebhookEndpoint(port),
      webhooks,
    });
    await admission.createValidatingWebhookConfiguration({ body });
  }

  /** Creates a ConfigMap labelled for `testCase`, reporting the API server's answer instead of throwing. */
  async function createConfigMap(
    testCase: string,
    data: Record<string, string> = {},
    dryRun = false,
  ): Promise<Outcome> {
    const body: V1ConfigMap = {
      metadata: {
        name: `cm-${testCase}-${++nameCounter}`,
        namespace: NS,
        labels: { [CASE_LABEL]: testCase },
      },
      data,
    };
    try {
      const cm = await core.createNamespacedConfigMap({
        namespace: NS,
        body,
        ...(dryRun && { dryRun: 'All' }),
      });
      return { ok: true, cm };
    } catch (err) {
      if (!(err instanceof ApiException)) throw err;
      const text = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not a Status: keep the raw body
      }
      return { ok: false, code: err.code, message };
    }
  }

  /** Dry-run creates probes until `observed` says the API server applies the new configuration. */
  async function until(
    testCase: string,
    observed: (o: Outcome) => boolean,
    data: Record<string, string> = { probe: 'true' },
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (observed(await createConfigMap(testCase, data, true))) return;
      if (Date.now() > deadline)
        throw new Error(`webhook for case ${testCase} not observed in ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    certs = await devServingCert({ ipAddresses: ['127.0.0.1'] });

    main = new WebhookServer({ cert: certs.certPem, key: certs.keyPem });
    main.register(
      '/validate',
      counted('/validate', (req) => {
        const data = (req.object as V1ConfigMap).data ?? {};
        return 'forbidden' in data ? deny('configmaps may not carry a "forbidden" key') : allow();
      }),
    );
    main.register(
      '/mutate',
      counted('/mutate', (req) => {
        const mutated = structuredClone(req.object) as V1ConfigMap;
        mutated.metadata!.labels = { ...mutated.metadata!.labels, [MUTATED_LABEL]: 'true' };
        return mutate(req.object, mutated);
      }),
    );
    main.register(
      '/slow',
      counted('/slow', async () => {
        await sleep(2500);
        return allow();
      }),
    );
    down = new WebhookServer({ cert: certs.certPem, key: certs.keyPem });
    down.register(
      '/down',
      counted('/down', () => allow()),
    );
    const [{ port: mainPort }, { port: downPort }] = await Promise.all([main.start(), down.start()]);

    await createValidating('validate', mainPort, [definition('validate', '/validate')]);
    const mutating: MutatingWebhookDefinition = {
      ...definition('mutate', '/mutate'),
      reinvocationPolicy: 'Never',
    };
    await admission.createMutatingWebhookConfiguration({
      body: mutatingWebhookConfiguration({
        name: 'mutate',
        caPem: certs.caPem,
        endpoint: localWebhookEndpoint(mainPort),
        webhooks: [mutating],
      }),
    });
    await createValidating('down', downPort, [
      definition('down-fail', '/down', { failurePolicy: 'Fail' }),
      definition('down-ignore', '/down', { failurePolicy: 'Ignore' }),
    ]);
    await createValidating('slow', mainPort, [
      definition('slow-fail', '/slow', { failurePolicy: 'Fail', timeoutSeconds: 1 }),
      definition('slow-ignore', '/slow', { failurePolicy: 'Ignore', timeoutSeconds: 1 }),
    ]);
  });

  after(async () => {
    await main?.stop();
    await down?.stop();
    await cp?.stop();
  });

  it('allows a valid create', async () => {
    await until('validate', (o) => !o.ok, { forbidden: 'probe' });
    const outcome = await createConfigMap('validate', { fine: 'yes' });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.ok((calls.get('/validate') ?? 0) > 0);
  });

  it('rejects a denied create with our message', async () => {
    await until('validate', (o) => !o.ok, { forbidden: 'probe' });
    const outcome = await createConfigMap('validate', { forbidden: 'x' });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.equal(outcome.code, 403);
    assert.match(outcome.message, /admission webhook "validate.configmaps.webhook.test" denied the request/);
    assert.match(outcome.message, /configmaps may not carry a "forbidden" key/);
  });

  it('applies our patch to a mutated create', async () => {
    await until('mutate', (o) => o.ok && o.cm.metadata?.labels?.[MUTATED_LABEL] === 'true');
    const outcome = await createConfigMap('mutate', { k: 'v' });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.cm.metadata?.labels?.[MUTATED_LABEL], 'true');
    const stored = await core.readNamespacedConfigMap({ name: outcome.cm.metadata!.name!, namespace: NS });
    assert.equal(stored.metadata?.labels?.[MUTATED_LABEL], 'true');
    assert.equal(stored.metadata?.labels?.[CASE_LABEL], 'mutate');
    assert.deepEqual(stored.data, { k: 'v' });
  });

  it('follows failurePolicy when the webhook server is down', async () => {
    for (const testCase of ['down-fail', 'down-ignore']) {
      const before = calls.get('/down') ?? 0;
      await until(testCase, () => (calls.get('/down') ?? 0) > before);
    }
    await down.stop();

    const failed = await createConfigMap('down-fail');
    assert.ok(!failed.ok, 'Fail must reject while the server is down');
    assert.match(failed.message, /failed calling webhook "down-fail.configmaps.webhook.test"/);

    const ignored = await createConfigMap('down-ignore');
    assert.ok(ignored.ok, `Ignore must admit while the server is down: ${JSON.stringify(ignored)}`);
  });

  it('follows failurePolicy when the webhook answers after timeoutSeconds', async () => {
    await until('slow-fail', (o) => !o.ok);
    const before = calls.get('/slow') ?? 0;
    await until('slow-ignore', () => (calls.get('/slow') ?? 0) > before);

    let started = Date.now();
    const failed = await createConfigMap('slow-fail');
    assert.ok(!failed.ok, 'Fail must reject a webhook that times out');
    assert.match(failed.message, /failed calling webhook "slow-fail.configmaps.webhook.test"/);
    assert.match(failed.message, /deadline|timeout|timed out/i);
    assert.ok(Date.now() - started < 2500, 'the API server gives up after timeoutSeconds, not our handler');

    started = Date.now();
    const ignored = await createConfigMap('slow-ignore');
    assert.ok(ignored.ok, `Ignore must admit when the webhook times out: ${JSON.stringify(ignored)}`);
    assert.ok(Date.now() - started >= 900, 'the API server waited for the webhook');
  });
});
