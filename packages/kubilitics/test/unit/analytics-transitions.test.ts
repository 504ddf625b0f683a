import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@industriverse/kube';
import { analyzeTransitions, podStatus } from '../../src/analytics/index.ts';
import type { WatchRecord } from '../../src/model/types.ts';

const T0 = Date.parse('2024-01-08T12:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

type State =
  | { waiting: { reason: string } }
  | { running: object }
  | { terminated: { reason: string; exitCode: number } };
const waiting = (reason: string): State => ({ waiting: { reason } });
const running: State = { running: {} };
const terminated = (reason: string, exitCode = 1): State => ({ terminated: { reason, exitCode } });

function pod(
  name: string,
  phase: string,
  state?: State,
  restartCount = 0,
  lastReason?: string,
  extra: { uid?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'shop', name, uid: extra.uid ?? `uid-${name}` },
    spec: { containers: [{ name: 'app', image: 'shop/app:1' }] },
    status: {
      phase,
      ...(state && {
        containerStatuses: [
          {
            name: 'app',
            ready: 'running' in state,
            restartCount,
            state,
            ...(lastReason && { lastState: { terminated: { reason: lastReason, exitCode: 1 } } }),
          },
        ],
      }),
    },
  };
}

const record = (
  minutes: number,
  object: KubeObject,
  type: WatchRecord['type'] = 'MODIFIED',
): WatchRecord => ({
  time: at(minutes),
  type,
  object,
});

/** A healthy start, then a container that crashes every two minutes from minute 10 to 18. */
function history(): WatchRecord[] {
  const h: WatchRecord[] = [
    record(0, pod('web-1', 'Pending'), 'ADDED'),
    record(1, pod('web-1', 'Pending', waiting('ContainerCreating'))),
    record(2, pod('web-1', 'Running', running)),
    record(0, pod('api-1', 'Pending'), 'ADDED'),
    record(1, pod('api-1', 'Running', running)),
  ];
  let restarts = 0;
  for (let m = 10; m <= 18; m += 2) {
    h.push(record(m, pod('api-1', 'Running', terminated('Error'), restarts)));
    restarts++;
    h.push(record(m + 0.5, pod('api-1', 'Running', waiting('CrashLoopBackOff'), restarts, 'Error')));
    h.push(record(m + 1, pod('api-1', 'Running', running, restarts, 'Error')));
  }
  // A pod restarting once every 15 minutes is not crash-looping at the 3-in-10-minutes threshold.
  h.push(record(0, pod('slow-1', 'Running', running), 'ADDED'));
  for (let i = 1; i <= 3; i++) h.push(record(i * 15, pod('slow-1', 'Running', running, i, 'OOMKilled')));
  return h;
}

describe('podStatus', () => {
  it('reads the STATUS column like kubectl', () => {
    assert.equal(podStatus(pod('a', 'Pending')), 'Pending');
    assert.equal(podStatus(pod('a', 'Running', waiting('CrashLoopBackOff'), 4)), 'CrashLoopBackOff');
    assert.equal(podStatus(pod('a', 'Running', terminated('OOMKilled', 137))), 'OOMKilled');
    assert.equal(podStatus(pod('a', 'Running', running)), 'Running');
    assert.equal(podStatus(pod('a', 'Succeeded', terminated('Completed', 0))), 'Completed');
    const deleting = pod('a', 'Running', running);
    deleting.metadata.deletionTimestamp = at(0);
    assert.equal(podStatus(deleting), 'Terminating');
    const init: KubeObject = {
      ...pod('a', 'Pending'),
      spec: { initContainers: [{ name: 'migrate' }], containers: [{ name: 'app' }] },
    };
    (init.status as Record<string, unknown>).initContainerStatuses = [{ name: 'migrate', state: running }];
    assert.equal(podStatus(init), 'Init:0/1');
    (init.status as Record<string, unknown>).initContainerStatuses = [
      { name: 'migrate', state: waiting('CrashLoopBackOff') },
    ];
    assert.equal(podStatus(init), 'Init:CrashLoopBackOff');
  });
});

describe('analyzeTransitions', () => {
  it('counts pod and container transitions and restarts per pod', () => {
    const { pods } = analyzeTransitions(history(), { now: T0 / 1000 + 3600 });
    assert.deepEqual(
      pods.map((p) => p.ref.name),
      ['api-1', 'slow-1', 'web-1'],
    );
    const web = pods.find((p) => p.ref.name === 'web-1')!;
    assert.deepEqual(web.transitions, {
      'ContainerCreating -> Running': 1,
      'Pending -> ContainerCreating': 1,
    });
    assert.equal(web.from, 'Pending');
    assert.equal(web.to, 'Running');
    assert.equal(web.restarts, 0);

    const api = pods.find((p) => p.ref.name === 'api-1')!;
    assert.deepEqual(api.transitions, {
      'CrashLoopBackOff -> Running': 5,
      'Error -> CrashLoopBackOff': 5,
      'Pending -> Running': 1,
      'Running -> Error': 5,
    });
    assert.equal(api.restarts, 5);
    const app = api.containers[0]!;
    assert.equal(app.name, 'app');
    assert.equal(app.restarts, 5);
    assert.deepEqual(app.restartReasons, { Error: 5 });
    assert.deepEqual(app.waitingReasons, { CrashLoopBackOff: 5 });
    assert.deepEqual(app.terminatedReasons, { Error: 5 });
    assert.equal(app.transitions['Running -> Error'], 5);
  });

  it('flags restarts more frequent than the threshold as a crash loop', () => {
    const { anomalies } = analyzeTransitions(history(), { now: T0 / 1000 + 3600 });
    assert.equal(anomalies.length, 1);
    const a = anomalies[0]!;
    assert.equal(a.kind, 'crashloop-frequency');
    assert.deepEqual(a.ref, { kind: 'Pod', namespace: 'shop', name: 'api-1' });
    assert.equal(a.container, 'app');
    assert.equal(a.restarts, 5, 'five restarts within 10 minutes (10:30 .. 18:30)');
    assert.equal(a.windowSeconds, 600);
    assert.equal(a.from, at(10.5));
    assert.equal(a.to, at(18.5));
    assert.equal(a.reason, 'Error');
  });

  it('has a configurable threshold and window', () => {
    const strict = analyzeTransitions(history(), { now: T0 / 1000 + 3600, crashLoopRestarts: 6 });
    assert.equal(strict.anomalies.length, 0);
    const wide = analyzeTransitions(history(), {
      now: T0 / 1000 + 3600,
      crashLoopWindowSeconds: 1800,
      crashLoopRestarts: 2,
    });
    const slow = wide.anomalies.find((a) => a.ref.name === 'slow-1')!;
    assert.equal(slow.restarts, 3, 'restarts at 15, 30 and 45 minutes fall within 30 minutes');
    assert.equal(slow.reason, 'OOMKilled');
  });

  it('counts only what happens inside the window, against the state before it', () => {
    // Window 12:15 .. 12:25: api-1 restarts at 16:30 and 18:30 only (12:10:30 and 12:12:30 are before).
    const { pods, anomalies } = analyzeTransitions(history(), {
      now: T0 / 1000 + 25 * 60,
      windowSeconds: 600,
    });
    assert.deepEqual(
      pods.map((p) => p.ref.name),
      ['api-1', 'slow-1'],
      'web-1 did nothing in the window',
    );
    const api = pods[0]!;
    assert.equal(api.from, 'CrashLoopBackOff', 'status as the window opened (since 12:14:30)');
    assert.equal(api.restarts, 2);
    assert.equal(anomalies.length, 0);
  });

  it('starts counting afresh when a pod is recreated under the same name', () => {
    const h: WatchRecord[] = [
      record(0, pod('db-0', 'Running', running, 7), 'ADDED'),
      record(1, pod('db-0', 'Running', running, 7), 'DELETED'),
      record(2, pod('db-0', 'Pending', undefined, 0, undefined, { uid: 'second' }), 'ADDED'),
      record(3, pod('db-0', 'Running', running, 1, 'Error', { uid: 'second' })),
    ];
    const { pods } = analyzeTransitions(h);
    assert.equal(pods[0]!.restarts, 1);
    assert.deepEqual(pods[0]!.transitions, {
      'Deleted -> Pending': 1,
      'Pending -> Running': 1,
      'Running -> Deleted': 1,
    });
  });
});
