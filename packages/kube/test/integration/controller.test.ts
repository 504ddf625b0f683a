// Controllers under a Manager against a real control plane: a CRD kind that owns ConfigMaps and
// watches Secrets, run under a service-account identity bound to a minimal ClusterRole; retries and
// terminal errors; one reconcile per key at a time; metrics and probes; garbage collection of owned
// objects by kube-controller-manager.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import {
  EventRecorder,
  ItemExponentialFailureRateLimiter,
  KubeClient,
  Manager,
  TerminalError,
  applyObject,
  applyStatus,
  builtin,
  ConditionsSchema,
  createLogger,
  defineResource,
  findCondition,
  generationChanged,
  isNotFound,
  requestKey,
  rfc3339,
  setCondition,
  setControllerReference,
  type Controller,
  type KubeEvent,
  type KubeObject,
  type ResourceOf,
  type ResourceRef,
} from '../../src/index.ts';
import { configMap, createNamespace, eventually, parallel } from '../support.ts';

const parents = defineResource({
  group: 'test.industriverse.ai',
  version: 'v1',
  kind: 'Parent',
  plural: 'parents',
  scope: 'Namespaced',
  spec: Type.Object({ message: Type.String() }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer()),
    conditions: Type.Optional(ConditionsSchema),
  }),
});
type Parent = ResourceOf<typeof parents>;
type ConfigMap = KubeObject & { data?: Record<string, string> };

const rbac = (plural: string, kind: string, namespaced: boolean): ResourceRef => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural,
  kind,
  namespaced,
});
const clusterRoles = rbac('clusterroles', 'ClusterRole', false);
const roleBindings = rbac('rolebindings', 'RoleBinding', true);

const NS = 'parents';
const SA = { namespace: 'demo', name: 'parent-controller' };
const FIELD_MANAGER = 'parent-controller';
const REPORTING_CONTROLLER = 'test.industriverse.ai/parent-controller';

/** What the controller needs and nothing more. */
const PARENT_CONTROLLER_RULES = [
  { apiGroups: [parents.group], resources: ['parents'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [parents.group], resources: ['parents/status'], verbs: ['patch', 'update'] },
  {
    apiGroups: [''],
    resources: ['configmaps'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

const log = () => createLogger({ name: 'controller-test', level: process.env.LOG_LEVEL ?? 'silent' });
const childName = (parent: string) => `${parent}-child`;

interface Running {
  mgr: Manager;
  stop(): Promise<void>;
}

describe('controllers on a real control plane', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  const running: Running[] = [];

  function run(mgr: Manager): Running {
    const ctl = new AbortController();
    const done = mgr.start(ctl.signal);
    const r: Running = {
      mgr,
      async stop() {
        ctl.abort();
        await done;
        await mgr.client.close();
      },
    };
    running.push(r);
    return r;
  }

  // The Parent controller, run under its own identity.
  let restricted: KubeClient;
  let parentManager: Manager;
  let parentController: Controller;
  let recorder: EventRecorder;
  const recorderErrors: Error[] = [];
  const reconciles = new Map<string, number>();
  let inFlight = 0;

  const getParent = (name: string) => admin.get<Parent>(parents, NS, name);
  const getChild = (parent: string) => admin.get<ConfigMap>(builtin.configMap, NS, childName(parent));
  const newParent = (name: string, message: string): Parent => ({
    apiVersion: parents.apiVersion,
    kind: parents.kind,
    metadata: { namespace: NS, name },
    spec: { message },
  });
  /** No reconcile running or queued (nothing here fails, so nothing waits on a backoff). */
  const idle = () => inFlight === 0 && parentController.queue.len() === 0;

  before(async () => {
    // The garbage collector lives in kube-controller-manager.
    cp = await startControlPlane({ components: ['controller-manager'] });
    admin = await KubeClient.fromKubeConfig(cp.kubeConfig);
    await admin.create(builtin.crd, parents.crd());
    await Promise.all([NS, 'errors', 'burst'].map((ns) => createNamespace(admin, ns)));
    await admin.create(clusterRoles, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'parent-controller' },
      rules: PARENT_CONTROLLER_RULES,
    });
    // Bound in the one namespace the manager watches: the role grants nothing elsewhere.
    await admin.create(roleBindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: NS, name: 'parent-controller' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'parent-controller' },
      subjects: [{ kind: 'ServiceAccount', namespace: SA.namespace, name: SA.name }],
    });
    const kubeconfig = await cp.kubeconfigFor(`system:serviceaccount:${SA.namespace}:${SA.name}`, [
      'system:serviceaccounts',
      `system:serviceaccounts:${SA.namespace}`,
    ]);
    restricted = await KubeClient.load(kubeconfig);
    // The CRD must be served and the binding seen by the authorizer before the manager lists anything,
    // so that any 403 the manager meets later is a missing verb, not a race.
    await eventually('the CRD to be served to the controller identity', async () => {
      await restricted.list(parents, { namespace: NS });
      await restricted.list(builtin.configMap, { namespace: NS });
      await restricted.list(builtin.secret, { namespace: NS });
      return true;
    });

    parentManager = await Manager.create({ kubeconfig, namespace: NS, log: log() });
    recorder = new EventRecorder({
      client: parentManager.client,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: 'parent-controller-0',
      onError: (err) => recorderErrors.push(err),
    });
    const mgr = parentManager;
    parentController = mgr
      .controller('parent')
      .for(parents, { predicates: [generationChanged] })
      .owns(builtin.configMap)
      .watches<KubeObject>(builtin.secret, (s) => {
        const parent = s.metadata.labels?.['parent'];
        return parent ? [{ namespace: s.metadata.namespace, name: parent }] : [];
      })
      .complete(async (req) => {
        const key = requestKey(req);
        reconciles.set(key, (reconciles.get(key) ?? 0) + 1);
        inFlight++;
        try {
          const parent = mgr.cache.get<Parent>(parents, req.namespace, req.name);
          // Gone: the garbage collector deletes the child. Being deleted: nothing to create for it.
          if (!parent || parent.metadata.deletionTimestamp) return;
          const secrets = mgr.cache
            .list(builtin.secret, { namespace: req.namespace, labels: { parent: req.name } })
            .map((s) => s.metadata.name!)
            .sort();
          const child: ConfigMap = {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { namespace: req.namespace, name: childName(req.name) },
            data: { message: parent.spec.message, secrets: secrets.join(',') },
          };
          await applyObject(mgr.client, builtin.configMap, setControllerReference(parent, child), {
            fieldManager: FIELD_MANAGER,
            force: true,
          });
          const generation = parent.metadata.generation!;
          await applyStatus(
            mgr.client,
            parents,
            {
              apiVersion: parents.apiVersion,
              kind: parents.kind,
              metadata: { namespace: req.namespace, name: req.name },
              status: {
                observedGeneration: generation,
                conditions: setCondition(parent.status?.conditions, {
                  type: 'Ready',
                  status: 'True',
                  reason: 'ChildSynced',
                  message: `ConfigMap ${child.metadata.name} is up to date`,
                  observedGeneration: generation,
                }).filter((c) => c.type === 'Ready'),
              },
            },
            { fieldManager: FIELD_MANAGER, force: true },
          );
          recorder.event(parent, {
            type: 'Normal',
            reason: 'Synced',
            action: 'Reconcile',
            note: `child at generation ${generation}`,
          });
        } finally {
          inFlight--;
        }
      });
    run(mgr);
  });

  after(async () => {
    await recorder?.close();
    for (const r of running) await r.stop().catch(() => undefined);
    await restricted?.close();
    await admin?.close();
    await cp?.stop();
  });

  it('creates an owned child and writes status, and re-creates the child when it is deleted', async () => {
    await admin.create(parents, newParent('p1', 'hello'));
    const child = await eventually('the child ConfigMap', () => getChild('p1'));
    const parent = await getParent('p1');
    assert.deepEqual(child.data, { message: 'hello', secrets: '' });
    assert.deepEqual(child.metadata.ownerReferences, [
      {
        apiVersion: parents.apiVersion,
        kind: 'Parent',
        name: 'p1',
        uid: parent.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const status = await eventually('status', async () => {
      const s = (await getParent('p1')).status;
      return s?.observedGeneration === 1 ? s : undefined;
    });
    const ready = findCondition(status.conditions, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'ChildSynced');
    assert.equal(ready?.observedGeneration, 1);

    // Only the child's delete event can bring this about: the owns() mapping enqueues its owner.
    await eventually('the controller to be idle', idle);
    await admin.delete(builtin.configMap, NS, childName('p1'));
    const recreated = await eventually('the child to be re-created', async () => {
      const c = await getChild('p1').catch((err: unknown) =>
        isNotFound(err) ? undefined : Promise.reject(err),
      );
      return c && c.metadata.uid !== child.metadata.uid ? c : undefined;
    });
    assert.deepEqual(recreated.data, { message: 'hello', secrets: '' });
    assert.equal(recreated.metadata.ownerReferences?.[0]?.uid, parent.metadata.uid);
  });

  it('follows spec changes, and status-only writes do not trigger a reconcile', async () => {
    const patched = await admin.patch<Parent>(parents, NS, 'p1', { spec: { message: 'changed' } });
    assert.equal(patched.metadata.generation, 2);
    await eventually(
      'the child to follow the spec',
      async () => (await getChild('p1')).data?.message === 'changed',
    );
    const status = await eventually('observedGeneration 2', async () => {
      const s = (await getParent('p1')).status;
      return s?.observedGeneration === 2 ? s : undefined;
    });
    assert.equal(findCondition(status.conditions, 'Ready')?.observedGeneration, 2);

    // Another writer's status update: the cache sees it, the generationChanged predicate drops it.
    await eventually('the controller to be idle', idle);
    const before = reconciles.get(`${NS}/p1`);
    const written = await applyStatus<Parent>(
      admin,
      parents,
      {
        apiVersion: parents.apiVersion,
        kind: parents.kind,
        metadata: { namespace: NS, name: 'p1' },
        status: {
          conditions: [
            {
              type: 'Audited',
              status: 'True',
              reason: 'Checked',
              message: 'checked by an auditor',
              lastTransitionTime: rfc3339(),
            },
          ],
        },
      },
      { fieldManager: 'auditor' },
    );
    assert.equal(written.metadata.generation, 2);
    // Handlers run synchronously with the cache update: once the cache holds the write, any enqueue
    // has happened, and a worker would have picked the key up before this timer-driven poll returns.
    await eventually(
      'the cache to see the status write',
      () =>
        parentManager.cache.get(parents, NS, 'p1')?.metadata.resourceVersion ===
        written.metadata.resourceVersion,
    );
    assert.equal(reconciles.get(`${NS}/p1`), before, 'a status-only write triggered a reconcile');
    assert.ok(idle(), 'a status-only write queued a reconcile');

    // A spec change after it still does.
    await admin.patch(parents, NS, 'p1', { spec: { message: 'again' } });
    await eventually(
      'the child to follow the second spec change',
      async () => (await getChild('p1')).data?.message === 'again',
    );
    assert.ok(reconciles.get(`${NS}/p1`)! > before!);
  });

  it('watches Secrets labelled with a Parent name and reconciles that Parent', async () => {
    await admin.create(parents, newParent('p2', 'watched'));
    await eventually('the child of p2', () => getChild('p2'));
    await admin.create(builtin.secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: NS, name: 'p2-token', labels: { parent: 'p2' } },
      stringData: { token: 'x' },
    });
    await admin.create(builtin.secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: NS, name: 'unrelated' },
      stringData: { token: 'y' },
    });
    await eventually(
      'the labelled Secret to reach the child',
      async () => (await getChild('p2')).data?.secrets === 'p2-token',
    );
    await admin.delete(builtin.secret, NS, 'p2-token');
    await eventually(
      'the deleted Secret to leave the child',
      async () => (await getChild('p2')).data?.secrets === '',
    );
    assert.equal((await getChild('p1')).data?.secrets, '', 'a Secret of p2 is not mapped to p1');
  });

  it('runs under a minimal ClusterRole: every verb it needs is granted, and nothing else', async () => {
    await recorder.flush();
    assert.deepEqual(recorderErrors, []);
    const requests = (await parentManager.metrics.restClientRequests.get()).values;
    const denied = requests.filter((v) => v.labels.code === '401' || v.labels.code === '403');
    assert.deepEqual(denied, [], 'the controller identity was denied a request');
    for (const method of ['GET', 'PATCH', 'POST']) {
      assert.ok(
        requests.some((v) => v.labels.method === method && String(v.labels.code).startsWith('2')),
        `the controller made successful ${method} requests`,
      );
    }
    const events = await admin.list<KubeEvent>(builtin.event, { namespace: NS });
    const ours = events.items.filter(
      (e) => e.reportingController === REPORTING_CONTROLLER && e.regarding.name === 'p1',
    );
    assert.ok(ours.length >= 1, 'events were created');
    // Reconciles repeated at generation 1 (the re-created child) patched the Event's series.
    assert.ok(
      ours.some((e) => (e.series?.count ?? 0) >= 2),
      'a repeated event was patched into a series',
    );
    const forbidden = async (what: string, p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e as { status?: number },
      );
      assert.equal(err?.status, 403, `${what} is forbidden`);
    };
    await forbidden('deleting a Parent', restricted.delete(parents, NS, 'p1'));
    await forbidden(
      'writing a Parent spec',
      restricted.patch(parents, NS, 'p1', { spec: { message: 'no' } }),
    );
    await forbidden('reading one Secret', restricted.get(builtin.secret, NS, 'unrelated'));
    await forbidden('listing Pods', restricted.list(builtin.pod, { namespace: NS }));
    await forbidden(
      'ConfigMaps of another namespace',
      restricted.list(builtin.configMap, { namespace: 'errors' }),
    );
  });

  describe('errors, metrics and probes', () => {
    const attempts = new Map<string, number[]>();
    let mgr: Manager;
    let controller: Controller;
    const FAILURES = 3;
    const BASE_MS = 100;

    const labelled = (name: string) => {
      const cm = configMap('errors', name);
      return { ...cm, metadata: { ...cm.metadata, labels: { test: 'errors' } } };
    };
    const sample = async (name: string, labels: Record<string, string>) => {
      const metric = mgr.metrics.registry.getSingleMetric(name);
      const values = (await metric!.get()).values;
      const found = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
      return found?.value;
    };

    before(async () => {
      mgr = await Manager.create({
        kubeconfig: cp.kubeconfigPath,
        namespace: 'errors',
        probeAddress: '127.0.0.1:0',
        log: log(),
      });
      controller = mgr
        .controller('errors')
        // Not the namespace's kube-root-ca.crt: the metrics below count this test's keys alone.
        .for(builtin.configMap, { selection: { labelSelector: 'test=errors' } })
        .withOptions({ rateLimiter: new ItemExponentialFailureRateLimiter(BASE_MS, 10_000) })
        .complete(async (req) => {
          const times = attempts.get(req.name) ?? [];
          times.push(performance.now());
          attempts.set(req.name, times);
          if (req.name === 'terminal') throw new TerminalError('spec can never be satisfied');
          if (req.name === 'flaky' && times.length <= FAILURES)
            throw new Error(`transient failure ${times.length}`);
        });
      run(mgr);
    });

    it('retries a failing key with exponential backoff until it succeeds', async () => {
      await admin.create(builtin.configMap, labelled('flaky'));
      await eventually('the flaky key to succeed', async () =>
        (await sample('controller_runtime_reconcile_total', { controller: 'errors', result: 'success' })) ===
        1
          ? true
          : undefined,
      );
      const times = attempts.get('flaky')!;
      assert.equal(times.length, FAILURES + 1);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      gaps.forEach((gap, i) => {
        const backoff = BASE_MS * 2 ** i;
        assert.ok(
          gap >= backoff - 2,
          `retry ${i + 1} after ${gap.toFixed(0)} ms, before its ${backoff} ms backoff`,
        );
      });
      assert.equal(
        await sample('controller_runtime_reconcile_errors_total', { controller: 'errors' }),
        FAILURES,
      );
      assert.equal(await sample('workqueue_retries_total', { name: 'errors' }), FAILURES);
      assert.equal(controller.queue.numRequeues('errors/flaky'), 0, 'success resets the backoff');
    });

    it('does not retry a TerminalError, but reconciles the key again on its next event', async () => {
      await admin.create(builtin.configMap, labelled('terminal'));
      await eventually('the terminal error', async () =>
        (await sample('controller_runtime_terminal_reconcile_errors_total', { controller: 'errors' })) === 1
          ? true
          : undefined,
      );
      assert.equal(attempts.get('terminal')?.length, 1);
      // No retry was scheduled: only the flaky key's retries were ever counted.
      assert.equal(await sample('workqueue_retries_total', { name: 'errors' }), FAILURES);
      assert.equal(controller.queue.numRequeues('errors/terminal'), 0);

      await admin.patch(builtin.configMap, 'errors', 'terminal', { data: { touched: 'yes' } });
      await eventually('a reconcile on the next event', () => attempts.get('terminal')?.length === 2);
      await eventually('the second terminal error', async () =>
        (await sample('controller_runtime_terminal_reconcile_errors_total', { controller: 'errors' })) === 2
          ? true
          : undefined,
      );
      assert.equal(await sample('workqueue_retries_total', { name: 'errors' }), FAILURES);
    });

    it('serves /metrics with the controller and workqueue families, /healthz and /readyz', async () => {
      const port = await eventually('the probe server', () => mgr.probePort);
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, text: await res.text() };
      };
      assert.equal((await get('/healthz')).status, 200);
      await eventually(
        '/readyz to answer 200 after the cache synced',
        async () => (await get('/readyz')).status === 200,
      );
      assert.ok(mgr.cache.informer(builtin.configMap, { labelSelector: 'test=errors' }).hasSynced());

      const { status, text } = await get('/metrics');
      assert.equal(status, 200);
      const controllerLabel = 'controller="errors"';
      const queueLabels = ['name="errors"', controllerLabel];
      const expectations: [string, string[]][] = [
        ['controller_runtime_reconcile_total', [controllerLabel, 'result="success"']],
        ['controller_runtime_reconcile_total', [controllerLabel, 'result="error"']],
        ['controller_runtime_reconcile_errors_total', [controllerLabel]],
        ['controller_runtime_reconcile_time_seconds_bucket', [controllerLabel, 'le="+Inf"']],
        ['controller_runtime_reconcile_time_seconds_count', [controllerLabel]],
        ['workqueue_depth', queueLabels],
        ['workqueue_adds_total', queueLabels],
        ['workqueue_queue_duration_seconds_bucket', [...queueLabels, 'le="+Inf"']],
        ['workqueue_queue_duration_seconds_count', queueLabels],
        ['workqueue_retries_total', queueLabels],
      ];
      const lines = text.split('\n');
      const value = (name: string, labels: string[]) => {
        const line = lines.find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
        assert.ok(line, `/metrics has ${name} with ${labels.join(',')}`);
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      for (const [name, labels] of expectations) value(name, labels);
      const families = {
        controller_runtime_reconcile_total: 'counter',
        controller_runtime_reconcile_errors_total: 'counter',
        controller_runtime_reconcile_time_seconds: 'histogram',
        workqueue_depth: 'gauge',
        workqueue_adds_total: 'counter',
        workqueue_queue_duration_seconds: 'histogram',
        workqueue_retries_total: 'counter',
      };
      for (const [family, type] of Object.entries(families)) {
        assert.ok(lines.includes(`# TYPE ${family} ${type}`), `/metrics declares ${family} a ${type}`);
      }
      assert.equal(value('controller_runtime_reconcile_total', [controllerLabel, 'result="success"']), 1);
      assert.equal(value('controller_runtime_reconcile_errors_total', [controllerLabel]), FAILURES + 2);
      assert.equal(value('workqueue_retries_total', queueLabels), FAILURES);
      assert.equal(value('workqueue_depth', queueLabels), 0);
      const reconciled = [...attempts.values()].reduce((n, t) => n + t.length, 0);
      assert.equal(value('controller_runtime_reconcile_time_seconds_count', [controllerLabel]), reconciled);
      assert.equal(value('workqueue_adds_total', queueLabels), reconciled);
      assert.equal(value('workqueue_queue_duration_seconds_count', queueLabels), reconciled);
    });
  });

  it('never reconciles one key in two workers at once, with 4 workers under a burst of updates', async () => {
    const mgr = await Manager.create({ kubeconfig: cp.kubeconfigPath, namespace: 'burst', log: log() });
    const active = new Set<string>();
    const overlaps: string[] = [];
    const lastSeen = new Map<string, string | undefined>();
    let concurrent = 0;
    let maxConcurrent = 0;
    mgr
      .controller('burst')
      .for(builtin.configMap)
      .withOptions({ maxConcurrentReconciles: 4 })
      .complete(async (req) => {
        const key = requestKey(req);
        if (active.has(key)) overlaps.push(key);
        active.add(key);
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        try {
          lastSeen.set(key, mgr.cache.get<ConfigMap>(builtin.configMap, req.namespace, req.name)?.data?.v);
          // Long enough for updates of the same key to arrive while it is being reconciled.
          await new Promise((r) => setTimeout(r, 25));
        } finally {
          concurrent--;
          active.delete(key);
        }
      });
    run(mgr);

    const names = Array.from({ length: 8 }, (_, i) => `cm-${i}`);
    const ROUNDS = 15;
    await parallel(names, 8, (n) => admin.create(builtin.configMap, configMap('burst', n, { v: '0' })));
    // One writer per name keeps each name's updates in order; the names interleave.
    await parallel(names, names.length, async (n) => {
      for (let v = 1; v <= ROUNDS; v++)
        await admin.patch(builtin.configMap, 'burst', n, { data: { v: String(v) } });
    });
    await eventually('every key reconciled at its last version', () =>
      names.every((n) => lastSeen.get(`burst/${n}`) === String(ROUNDS)),
    );
    assert.deepEqual(overlaps, []);
    assert.ok(maxConcurrent > 1, `workers ran in parallel (max ${maxConcurrent})`);
    assert.ok(maxConcurrent <= 4, `at most 4 reconciles at once (max ${maxConcurrent})`);
  });

  it('garbage-collects the owned child when its Parent is deleted', async () => {
    // kube-controller-manager's garbage collector watches a CRD from its next discovery pass (every
    // 30 s). A foreground deletion waits for it: the GC deletes the blocking child, then the Parent.
    await admin.create(parents, newParent('gc-foreground', 'bye'));
    await eventually('the child of gc-foreground', () => getChild('gc-foreground'));
    await admin.delete(parents, NS, 'gc-foreground', { propagationPolicy: 'Foreground' });
    const gone = (p: Promise<unknown>) =>
      p.then(
        () => false,
        (err: unknown) => isNotFound(err) || Promise.reject(err),
      );
    await eventually(
      'the child and then the Parent to be deleted',
      async () => (await gone(getParent('gc-foreground'))) && (await gone(getChild('gc-foreground'))),
      60_000,
    );

    // With the GC watching Parents, the default background deletion removes the child after the Parent.
    await admin.create(parents, newParent('gc-background', 'bye'));
    await eventually('the child of gc-background', () => getChild('gc-background'));
    await admin.delete(parents, NS, 'gc-background');
    await eventually('the child to be garbage-collected', () => gone(getChild('gc-background')), 20_000);
  });
});
