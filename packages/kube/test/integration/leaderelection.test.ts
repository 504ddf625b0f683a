// Leader election against a real kube-apiserver, with short durations: lease 2 s, renew deadline
// 1.5 s, retry 0.3 s (acquire attempts every 0.3–0.66 s with jitter).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { microTime } from '../../src/api/time.ts';
import { ApiError, KubeClient, builtin, resourcePath } from '../../src/client/index.ts';
import {
  LeaderElectionLostError,
  LeaderElector,
  type Lease,
  type LeaderElectorOptions,
} from '../../src/leaderelection/index.ts';
import { RuntimeMetrics } from '../../src/metrics/registry.ts';

const NS = 'election';
const LEASE_MS = 2000;
const RENEW_MS = 1500;
const RETRY_MS = 300;
const MAX_ACQUIRE_WAIT = RETRY_MS * 2.2;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface Harness {
  elector: LeaderElector;
  abort(): void;
  /** performance.now() when onStartedLeading ran. */
  started: Promise<number>;
  /** performance.now() when onStoppedLeading ran. */
  stopped: Promise<number>;
  /** 'resolved', or what run() rejected with. */
  done: Promise<unknown>;
  leadingSignal(): AbortSignal | undefined;
  newLeaders: string[];
  errors: Error[];
}

const running: Harness[] = [];

function startElector(
  client: KubeClient,
  name: string,
  identity: string,
  extra: Partial<LeaderElectorOptions> = {},
): Harness {
  const started = Promise.withResolvers<number>();
  const stopped = Promise.withResolvers<number>();
  const controller = new AbortController();
  const newLeaders: string[] = [];
  const errors: Error[] = [];
  let signal: AbortSignal | undefined;
  const elector = new LeaderElector({
    client,
    namespace: NS,
    name,
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    onStartedLeading: (s) => {
      signal = s;
      started.resolve(performance.now());
    },
    onStoppedLeading: () => stopped.resolve(performance.now()),
    onNewLeader: (id) => newLeaders.push(id),
    onError: (err) => errors.push(err),
    ...extra,
  });
  const harness: Harness = {
    elector,
    abort: () => controller.abort(),
    started: started.promise,
    stopped: stopped.promise,
    done: elector.run(controller.signal).then(
      () => 'resolved',
      (err: unknown) => err,
    ),
    leadingSignal: () => signal,
    newLeaders,
    errors,
  };
  running.push(harness);
  return harness;
}

/** Rejects when `p` takes longer than `ms`, so a broken elector fails the test instead of hanging it. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  const timeout = sleep(ms).then(() =>
    Promise.reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
  );
  return Promise.race([p, timeout]);
}

async function gauge(metrics: RuntimeMetrics, name: string): Promise<number | undefined> {
  const values = (await metrics.leaderElectionMasterStatus.get()).values;
  return values.find((v) => v.labels.name === name)?.value;
}

describe('leader election on a Lease', () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  const limitedClients: KubeClient[] = [];

  const getLease = (name: string) => admin.get<Lease>(builtin.lease, NS, name);

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    admin = await KubeClient.load(cp.kubeconfigPath);
    await admin.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  after(async () => {
    for (const h of running) h.abort();
    await Promise.all(running.map((h) => h.done));
    for (const c of [admin, ...limitedClients]) await c?.close();
    await cp?.stop();
  });

  it('keeps a standby waiting, and lets it take over a crashed leader after the lease duration', async () => {
    const metrics = new RuntimeMetrics();
    const a = startElector(admin, 'crash', 'a', { releaseOnCancel: false, metrics });
    await within(5000, a.started, 'a to lead');
    assert.equal(a.elector.isLeader(), true);
    assert.equal(await gauge(metrics, 'crash'), 1);

    const b = startElector(admin, 'crash', 'b');
    // Longer than the lease duration: A's renewals must keep B out.
    await sleep(LEASE_MS + 500);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.getLeader(), 'a');
    assert.deepEqual(b.newLeaders, ['a']);

    // A crash: A stops renewing and leaves the Lease as it is.
    const crashedAt = performance.now();
    a.abort();
    assert.equal(await a.done, 'resolved');
    await a.stopped;
    assert.equal(a.elector.isLeader(), false);
    assert.equal(await gauge(metrics, 'crash'), 0);
    assert.equal((await getLease('crash')).spec?.holderIdentity, 'a');

    const takeover = (await within(10_000, b.started, 'b to take over')) - crashedAt;
    // Not before A's last renewal (at most one retry period before the crash) has expired on B's
    // clock, and no later than expiry plus B's observation delay and one acquire interval.
    assert.ok(takeover >= LEASE_MS - RETRY_MS - 100, `took over too early: ${takeover.toFixed(0)} ms`);
    assert.ok(
      takeover <= LEASE_MS + 2 * MAX_ACQUIRE_WAIT + 700,
      `took over too late: ${takeover.toFixed(0)} ms`,
    );
    console.log(`# crash takeover after ${takeover.toFixed(0)} ms (lease ${LEASE_MS} ms)`);

    const lease = await getLease('crash');
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseDurationSeconds, 2);
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.match(lease.spec?.acquireTime ?? '', MICRO_TIME);
    assert.match(lease.spec?.renewTime ?? '', MICRO_TIME);
    assert.deepEqual(b.newLeaders, ['a', 'b']);

    b.abort();
    assert.equal(await b.done, 'resolved');
  });

  it('hands over at once on a graceful release, and leaves a released Lease behind', async () => {
    const x = startElector(admin, 'release', 'x');
    await within(5000, x.started, 'x to lead');
    const y = startElector(admin, 'release', 'y');
    await sleep(MAX_ACQUIRE_WAIT + 200);
    assert.equal(y.elector.getLeader(), 'x');

    const releasedAt = performance.now();
    x.abort();
    assert.equal(await x.done, 'resolved');
    assert.equal(x.leadingSignal()?.aborted, true);
    const takeover = (await within(5000, y.started, 'y to take over')) - releasedAt;
    assert.ok(takeover <= MAX_ACQUIRE_WAIT + 600, `release takeover took ${takeover.toFixed(0)} ms`);
    console.log(`# release takeover after ${takeover.toFixed(0)} ms`);
    assert.equal((await getLease('release')).spec?.leaseTransitions, 1);

    y.abort();
    assert.equal(await y.done, 'resolved');
    assert.deepEqual(y.errors, []);
    const released = await getLease('release');
    assert.equal(released.spec?.holderIdentity ?? '', '');
    assert.equal(released.spec?.leaseDurationSeconds, 1);
    assert.equal(released.spec?.leaseTransitions, 1);
  });

  it('loses leadership when another holder replaces the Lease, and run rejects', async () => {
    const metrics = new RuntimeMetrics();
    const a = startElector(admin, 'replaced', 'a', { metrics });
    await within(5000, a.started, 'a to lead');

    // Another process takes the Lease over (retried, since A keeps renewing it meanwhile).
    for (;;) {
      const lease = await getLease('replaced');
      const now = microTime();
      const spec = {
        holderIdentity: 'intruder',
        leaseDurationSeconds: 30,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 7,
      };
      const replaced = await admin.update(builtin.lease, { ...lease, spec }).then(
        () => true,
        (e: unknown) => (e instanceof ApiError && e.status === 409 ? false : Promise.reject(e)),
      );
      if (replaced) break;
    }
    const replacedAt = performance.now();

    const err = await within(5000, a.done, 'a to give up');
    assert.ok(err instanceof LeaderElectionLostError, `run settled with ${String(err)}`);
    const lostAfter = (await a.stopped) - replacedAt;
    assert.ok(lostAfter <= RETRY_MS + RENEW_MS + 700, `lost after ${lostAfter.toFixed(0)} ms`);
    assert.equal(a.leadingSignal()?.aborted, true);
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.elector.getLeader(), 'intruder');
    assert.equal(await gauge(metrics, 'replaced'), 0);
    // The intruder keeps its Lease: a loser does not release what it no longer holds.
    assert.equal((await getLease('replaced')).spec?.holderIdentity, 'intruder');
  });

  it('needs only get, create and update on leases, and loses leadership when they are revoked', async () => {
    const rbac = 'rbac.authorization.k8s.io/v1';
    const role = await admin.resource(rbac, 'Role');
    const binding = await admin.resource(rbac, 'RoleBinding');
    await admin.create(role, {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name: 'lease-elector', namespace: NS },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    });
    await admin.create(binding, {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: 'lease-elector', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lease-elector' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'elector' }],
    });
    const limited = await KubeClient.load(await cp.kubeconfigFor('elector', []));
    limitedClients.push(limited);
    // The authorizer sees the binding within moments; until then a get answers 403, not 404.
    const leasePath = resourcePath(builtin.lease, NS, 'rbac');
    for (let i = 0; ; i++) {
      const status = await limited.request('GET', leasePath).then(
        () => 200,
        (e: unknown) => (e instanceof ApiError ? e.status : 0),
      );
      if (status === 404) break;
      assert.ok(i < 50, `binding not effective: ${status}`);
      await sleep(100);
    }
    await assert.rejects(
      limited.list(builtin.lease, { namespace: NS }),
      (e: unknown) => e instanceof ApiError && e.status === 403,
    );

    // Create, renew and release under the least-privilege identity.
    const first = startElector(limited, 'rbac', 'elector-1');
    await within(5000, first.started, 'elector-1 to lead');
    await sleep(3 * RETRY_MS + 200);
    const renewed = await getLease('rbac');
    assert.ok((renewed.spec?.renewTime ?? '') > (renewed.spec?.acquireTime ?? ''), 'lease was renewed');
    first.abort();
    assert.equal(await first.done, 'resolved');
    assert.equal((await getLease('rbac')).spec?.holderIdentity ?? '', '');
    assert.deepEqual(first.errors, []);

    // Take over the released Lease, then lose the right to renew it.
    const second = startElector(limited, 'rbac', 'elector-2');
    await within(5000, second.started, 'elector-2 to lead');
    assert.equal((await getLease('rbac')).spec?.leaseTransitions, 1);
    await admin.request('DELETE', resourcePath(binding, NS, 'lease-elector'));
    const revokedAt = performance.now();
    const err = await within(10_000, second.done, 'elector-2 to give up');
    assert.ok(err instanceof LeaderElectionLostError, `run settled with ${String(err)}`);
    const lostAfter = (await second.stopped) - revokedAt;
    assert.ok(lostAfter <= RETRY_MS + RENEW_MS + 1500, `lost after ${lostAfter.toFixed(0)} ms`);
    assert.ok(
      second.errors.some((e) => e instanceof ApiError && e.status === 403),
      `expected 403s, got ${second.errors.map((e) => e.message).join('; ')}`,
    );
  });
});
