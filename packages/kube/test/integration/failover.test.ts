// Leader failover between manager processes on a real control plane: a standby replica stays idle
// while the leader lives, takes over a killed leader within the lease duration, and takes over a
// leader stopped with SIGTERM at once, but only after that leader's reconciles in flight are done.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { KubeClient, builtin, type KubeObject, type Lease } from '../../src/index.ts';
import { ANNOTATION, LEASE_NAME, type ReplicaEvent } from '../fixtures/manager-process.ts';
import { configMap, createNamespace, eventually } from '../support.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/manager-process.ts', import.meta.url));
const NS = 'failover';
const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 500;

type Received = ReplicaEvent & { at: number };

interface Replica {
  identity: string;
  child: ChildProcess;
  events: Received[];
  exited: Promise<number | null>;
  /** The first event matching, waiting for it (with a deadline) if it has not arrived yet. */
  next(what: string, match: (e: Received) => boolean, timeoutMs?: number): Promise<Received>;
}

describe('leader failover between manager processes', { timeout: 60_000 }, () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  const replicas: Replica[] = [];

  function startReplica(identity: string): Replica {
    const child = spawn(
      process.execPath,
      [FIXTURE, cp.kubeconfigPath, identity, NS, String(LEASE_MS), String(RENEW_MS), String(RETRY_MS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const events: Received[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      events.push({ ...(JSON.parse(line) as ReplicaEvent), at: performance.now() });
    });
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const replica: Replica = {
      identity,
      child,
      events,
      exited,
      next: (what, match, timeoutMs = 15_000) =>
        eventually(
          `${identity}: ${what}`,
          () => {
            const found = events.find(match);
            if (!found && child.exitCode !== null)
              throw new Error(`${identity} exited with ${child.exitCode}`);
            return found;
          },
          timeoutMs,
        ),
    };
    replicas.push(replica);
    return replica;
  }

  const is = (event: ReplicaEvent['event'], name?: string) => (e: Received) =>
    e.event === event && (name === undefined || e.name === name);
  const annotation = async (name: string) =>
    (await admin.get<KubeObject>(builtin.configMap, NS, name)).metadata.annotations?.[ANNOTATION];
  const lease = () => admin.get<Lease>(builtin.lease, NS, LEASE_NAME);

  /** A replica reconciles only during a term it leads, and each term starts with `leading`. */
  function assertReconcilesOnlyWhileLeading(r: Replica): void {
    const leading = r.events.findIndex(is('leading'));
    const first = r.events.findIndex(is('reconcile'));
    if (first >= 0) assert.ok(leading >= 0 && leading < first, `${r.identity} reconciled before it led`);
  }

  before(async () => {
    cp = await startControlPlane();
    admin = await KubeClient.fromKubeConfig(cp.kubeConfig);
    await createNamespace(admin, NS);
  });

  after(async () => {
    for (const r of replicas) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
    await Promise.all(replicas.map((r) => r.exited));
    await admin?.close();
    await cp?.stop();
  });

  it('keeps a standby idle, and a standby takes over a killed leader within the lease duration', async () => {
    const a = startReplica('a');
    await a.next('leading', is('leading'));
    await admin.create(builtin.configMap, configMap(NS, 'cm-1'));
    await a.next('reconciling cm-1', is('reconciled', 'cm-1'));
    assert.equal(await annotation('cm-1'), 'a');

    const b = startReplica('b');
    await b.next('cache sync', is('synced'));
    await admin.create(builtin.configMap, configMap(NS, 'cm-2'));
    await a.next('reconciling cm-2', is('reconciled', 'cm-2'));
    // B's cache has delivered both the creation and A's annotation: a controller running in B
    // would have started reconciling cm-2 by now.
    await b.next(
      'seeing A annotate cm-2',
      (e) => e.event === 'observed' && e.name === 'cm-2' && e.reconciledBy === 'a',
    );
    assert.equal(b.events.filter(is('reconcile')).length, 0, 'the standby reconciled while A led');
    assert.equal(b.events.filter(is('leading')).length, 0);
    assert.equal(await annotation('cm-2'), 'a');
    assert.equal((await lease()).spec?.holderIdentity, 'a');

    const killedAt = performance.now();
    a.child.kill('SIGKILL');
    await a.exited;
    await admin.create(builtin.configMap, configMap(NS, 'cm-3'));
    const reconciled = await b.next('reconciling cm-3', is('reconcile', 'cm-3'), LEASE_MS + 5000);
    const takeover = reconciled.at - killedAt;
    console.log(`# takeover of a killed leader after ${takeover.toFixed(0)} ms (lease ${LEASE_MS} ms)`);
    // Not before A's last renewal (at most one retry period before the kill) expired on B's clock.
    assert.ok(takeover >= LEASE_MS - RETRY_MS - 100, `B took over too early: ${takeover.toFixed(0)} ms`);
    assert.ok(takeover < LEASE_MS + 2000, `B took over too late: ${takeover.toFixed(0)} ms`);
    await b.next('finishing cm-3', is('reconciled', 'cm-3'));
    assert.equal(await annotation('cm-3'), 'b');
    const held = await lease();
    assert.equal(held.spec?.holderIdentity, 'b');
    assert.equal(held.spec?.leaseTransitions, 1);
    // As the new leader, B went over everything, including what A had already done.
    await eventually('B to annotate every ConfigMap', async () =>
      (await Promise.all(['cm-1', 'cm-2', 'cm-3'].map(annotation))).every((x) => x === 'b'),
    );
    assertReconcilesOnlyWhileLeading(a);
    assertReconcilesOnlyWhileLeading(b);
  });

  it('hands over within 1.5 s when the leader is stopped with SIGTERM', async () => {
    const b = replicas.find((r) => r.identity === 'b')!;
    const c = startReplica('c');
    await c.next('cache sync', is('synced'));
    await eventually('the Lease to stay with B', async () => (await lease()).spec?.holderIdentity === 'b');

    const stoppedAt = performance.now();
    b.child.kill('SIGTERM');
    const leading = await c.next('leading', is('leading'), 5000);
    const takeover = leading.at - stoppedAt;
    console.log(`# takeover after SIGTERM after ${takeover.toFixed(0)} ms`);
    assert.ok(takeover < 1500, `C took over ${takeover.toFixed(0)} ms after B was stopped`);
    assert.equal(await b.exited, 0);
    assert.ok(b.events.some(is('stopped')));
    assert.equal((await lease()).spec?.holderIdentity, 'c');

    await admin.create(builtin.configMap, configMap(NS, 'cm-4'));
    await c.next('reconciling cm-4', is('reconciled', 'cm-4'));
    assert.equal(await annotation('cm-4'), 'c');
    assertReconcilesOnlyWhileLeading(c);
  });

  it('keeps the Lease on SIGTERM until the reconciles in flight have finished', async () => {
    const c = replicas.find((r) => r.identity === 'c')!;
    const d = startReplica('d');
    await d.next('cache sync', is('synced'));
    await admin.create(builtin.configMap, configMap(NS, 'slow', { delayMs: '1500' }));
    await c.next('starting to reconcile slow', is('reconcile', 'slow'));

    c.child.kill('SIGTERM');
    const leading = await d.next('leading', is('leading'), 10_000);
    assert.equal(await c.exited, 0);
    const finished = c.events.find(is('reconciled', 'slow'));
    assert.ok(finished, 'C finished its reconcile of slow before exiting');
    assert.ok(finished.at < leading.at, 'D led while C was still reconciling');
    assert.equal((await lease()).spec?.holderIdentity, 'd');
    await eventually('D to annotate slow', async () => (await annotation('slow')) === 'd');
    assertReconcilesOnlyWhileLeading(d);
  });
});
