// Finalizers, server-side apply and events against a real kube-apiserver (without
// controller-manager: deletion here is the apiserver's own, finalizers and all).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, startControlPlane, type ControlPlane } from '@industriverse/testenv';
import type { KubeObject } from '../../src/api/meta.ts';
import {
  ApiError,
  KubeClient,
  builtin,
  isConflict,
  isNotFound,
  type ResourceRef,
} from '../../src/client/index.ts';
import { EventRecorder, type KubeEvent } from '../../src/events/index.ts';
import {
  ConflictError,
  addFinalizer,
  applyObject,
  applyStatus,
  finalize,
  hasFinalizer,
  removeFinalizer,
} from '../../src/objects/index.ts';

const NS = 'objects';
const FINALIZER = 'objects.industriverse.io/cleanup';

const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

describe('object helpers against kube-apiserver', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const cm = builtin.configMap;

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = await KubeClient.load(cp.kubeconfigPath);
    await client.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  after(async () => {
    await client?.close();
    await cp?.stop();
  });

  describe('finalizers', () => {
    it('adds the finalizer, holds the deletion until cleanup, then lets the object go', async () => {
      let obj = await client.create(cm, configMap('guarded'));
      const cleanups: string[] = [];
      const cleanup = async () => {
        cleanups.push(obj.metadata.name!);
      };

      const added = await finalize(client, cm, obj, FINALIZER, cleanup);
      assert.equal(added.action, 'added');
      obj = await client.get(cm, NS, 'guarded');
      assert.deepEqual(obj.metadata.finalizers, [FINALIZER]);
      assert.deepEqual((await finalize(client, cm, obj, FINALIZER, cleanup)).action, 'apply');

      await client.delete(cm, NS, 'guarded');
      obj = await client.get(cm, NS, 'guarded');
      assert.ok(obj.metadata.deletionTimestamp, 'deletion is pending');
      await sleep(300);
      assert.ok(await client.get(cm, NS, 'guarded'), 'the finalizer holds the object');

      // A failed cleanup leaves the finalizer, so the deletion keeps waiting.
      const failing = async () => {
        throw new Error('backend unreachable');
      };
      await assert.rejects(finalize(client, cm, obj, FINALIZER, failing), /backend unreachable/);
      assert.ok(hasFinalizer(await client.get(cm, NS, 'guarded'), FINALIZER));

      assert.deepEqual(await finalize(client, cm, obj, FINALIZER, cleanup), { action: 'cleanedUp' });
      assert.deepEqual(cleanups, ['guarded']);
      await assert.rejects(client.get(cm, NS, 'guarded'), isNotFound);
    });

    it('reports a deleting object without our finalizer as nothing to do', async () => {
      const obj = await client.create(cm, {
        ...configMap('foreign'),
        metadata: { ...configMap('foreign').metadata, finalizers: ['other.io/keep'] },
      });
      await client.delete(cm, NS, 'foreign');
      const deleting = await client.get(cm, NS, 'foreign');
      assert.deepEqual(
        await finalize(client, cm, deleting, FINALIZER, async () => assert.fail('no cleanup')),
        { action: 'deleting' },
      );
      await removeFinalizer(client, cm, deleting, 'other.io/keep');
      await assert.rejects(client.get(cm, NS, obj.metadata.name!), isNotFound);
    });

    it('conflicts instead of clobbering when the finalizer list changed concurrently', async () => {
      const stale = await client.create(cm, configMap('contested'));
      // Another controller adds its finalizer after we read the object.
      await addFinalizer(client, cm, stale, 'other.io/first');
      await assert.rejects(addFinalizer(client, cm, stale, FINALIZER), isConflict);

      let fresh = await client.get(cm, NS, 'contested');
      fresh = await addFinalizer(client, cm, fresh, FINALIZER);
      assert.deepEqual(fresh.metadata.finalizers, ['other.io/first', FINALIZER]);
      // Adding again is a no-op without a request.
      assert.equal(await addFinalizer(client, cm, fresh, FINALIZER), fresh);

      // The other controller removes its entry: our index moved, so the stale removal must fail.
      await removeFinalizer(client, cm, fresh, 'other.io/first');
      await assert.rejects(removeFinalizer(client, cm, fresh, FINALIZER), isConflict);
      const latest = await client.get(cm, NS, 'contested');
      assert.deepEqual(latest.metadata.finalizers, [FINALIZER]);
      // An invalid name is a real error, not a conflict.
      await assert.rejects(
        addFinalizer(client, cm, latest, 'not a qualified name!'),
        (e: unknown) => e instanceof ApiError && e.status === 422,
      );
      const removed = await removeFinalizer(client, cm, latest, FINALIZER);
      assert.equal(removed.metadata.finalizers, undefined);
      await client.delete(cm, NS, 'contested');
    });
  });

  describe('server-side apply', () => {
    it('fails on another manager’s field without force, takes it over with force', async () => {
      await applyObject(client, cm, configMap('shared', { owner: 'alpha', alphaOnly: 'x' }), {
        fieldManager: 'alpha',
      });

      const err = await applyObject(client, cm, configMap('shared', { owner: 'beta' }), {
        fieldManager: 'beta',
      }).then(
        () => assert.fail('apply should conflict'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConflictError, String(err));
      assert.ok(err instanceof ApiError && isConflict(err));
      assert.deepEqual(err.conflicts, [{ manager: 'alpha', field: '.data.owner' }]);
      assert.match(err.message, /alpha/);

      const forced = await applyObject(client, cm, configMap('shared', { owner: 'beta' }), {
        fieldManager: 'beta',
        force: true,
      });
      assert.deepEqual(forced.data, { owner: 'beta', alphaOnly: 'x' });
      const managers = Object.fromEntries(
        (forced.metadata.managedFields ?? []).map((m) => [
          m.manager,
          { operation: m.operation, fields: m.fieldsV1 },
        ]),
      );
      assert.equal(managers.beta?.operation, 'Apply');
      assert.deepEqual(managers.beta?.fields, { 'f:data': { 'f:owner': {} } });
      // alpha keeps only the field nobody contested.
      assert.deepEqual(managers.alpha?.fields, { 'f:data': { 'f:alphaOnly': {} } });

      // A later apply from alpha that drops its field removes it: apply owns what it declares.
      const read = await client.get(cm, NS, 'shared');
      const pruned = await applyObject<KubeObject>(
        client,
        cm,
        { ...read, data: {} },
        { fieldManager: 'alpha' },
      );
      assert.deepEqual(pruned.data, { owner: 'beta' });
    });

    it('applies status through the status subresource', async () => {
      const crd = builtin.crd;
      await client.create(crd, {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.objects.industriverse.io' },
        spec: {
          group: 'objects.industriverse.io',
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' } } },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      });
      const gadgets: ResourceRef = await eventually('the Gadget CRD to be served', async () => {
        client.invalidateDiscovery();
        return client.resource('objects.industriverse.io/v1', 'Gadget').catch(() => undefined);
      });
      const gadget = (status?: unknown): KubeObject => ({
        apiVersion: 'objects.industriverse.io/v1',
        kind: 'Gadget',
        metadata: { name: 'g1', namespace: NS },
        spec: { size: 3 },
        ...(status ? { status } : {}),
      });
      // Status in the main resource is ignored; the status subresource ignores spec.
      const created = await eventually('the Gadget to be created', () =>
        applyObject(client, gadgets, gadget({ phase: 'Ignored' }), {
          fieldManager: 'gadget-controller',
        }).catch(() => undefined),
      );
      assert.equal(created.status, undefined);
      const withStatus = await applyStatus(
        client,
        gadgets,
        { ...gadget({ phase: 'Ready' }), spec: { size: 99 } },
        { fieldManager: 'gadget-controller' },
      );
      assert.deepEqual(withStatus.status, { phase: 'Ready' });
      assert.deepEqual(withStatus.spec, { size: 3 });
      const statusManager = withStatus.metadata.managedFields?.find((m) => m.subresource === 'status');
      assert.equal(statusManager?.manager, 'gadget-controller');
    });
  });

  describe('events', () => {
    const regardingName = (e: KubeEvent) => e.regarding.name;
    const eventsAbout = async (name: string) =>
      (await client.listAll<KubeEvent>(builtin.event, { namespace: NS })).items.filter(
        (e) => regardingName(e) === name,
      );

    it('creates an Event, and a repeat grows its series instead of creating another', async () => {
      const obj = await client.create(cm, configMap('eventful'));
      const recorder = new EventRecorder({
        client,
        reportingController: 'objects.industriverse.io/test-controller',
        reportingInstance: 'test-1',
        seriesUpdateIntervalMs: 200,
      });

      recorder.event(obj, {
        type: 'Normal',
        reason: 'Provisioned',
        action: 'Provision',
        note: 'x'.repeat(2000),
      });
      await recorder.flush();
      let events = await eventsAbout('eventful');
      assert.equal(events.length, 1);
      const [first] = events;
      assert.equal(first!.type, 'Normal');
      assert.equal(first!.reason, 'Provisioned');
      assert.equal(first!.action, 'Provision');
      assert.equal(first!.reportingController, 'objects.industriverse.io/test-controller');
      assert.equal(first!.reportingInstance, 'test-1');
      assert.equal(first!.note?.length, 1024);
      assert.equal(first!.series, undefined);
      assert.match(first!.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.deepEqual(first!.regarding, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'eventful',
        namespace: NS,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      });
      assert.match(first!.metadata.name!, /^eventful\.[0-9a-f]+$/);

      const started = performance.now();
      for (let i = 0; i < 4; i++) {
        recorder.event(obj, {
          type: 'Normal',
          reason: 'Provisioned',
          action: 'Provision',
          note: 'x'.repeat(2000),
        });
      }
      assert.ok(performance.now() - started < 250, 'recording does not wait for the API');
      await recorder.flush();
      events = await eventsAbout('eventful');
      assert.equal(events.length, 1);
      assert.equal(events[0]!.metadata.name, first!.metadata.name);
      assert.equal(events[0]!.series?.count, 5);
      assert.match(events[0]!.series?.lastObservedTime ?? '', /\.\d{6}Z$/);

      // A different reason is a different Event.
      recorder.event(obj, { type: 'Warning', reason: 'Degraded', action: 'Check', note: 'disk full' });
      await recorder.close();
      events = await eventsAbout('eventful');
      assert.equal(events.length, 2);
      assert.equal(events.find((e) => e.reason === 'Degraded')?.type, 'Warning');
    });

    it('rate-limits series updates, writing the latest count', async () => {
      const obj = await client.create(cm, configMap('chatty'));
      const recorder = new EventRecorder({
        client,
        reportingController: 'objects.industriverse.io/test-controller',
        reportingInstance: 'test-1',
        seriesUpdateIntervalMs: 60_000,
      });
      const record = () => recorder.event(obj, { type: 'Normal', reason: 'Synced', action: 'Sync' });
      record();
      await recorder.flush();
      record();
      await eventually('the first repeat to be written', async () =>
        (await eventsAbout('chatty'))[0]?.series?.count === 2 ? true : undefined,
      );
      for (let i = 0; i < 10; i++) record();
      await sleep(500);
      assert.equal((await eventsAbout('chatty'))[0]?.series?.count, 2, 'later repeats wait for the interval');
      await recorder.flush();
      const events = await eventsAbout('chatty');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.series?.count, 12);
    });

    it('never throws into the caller when the API refuses the Event', async () => {
      const nobody = await KubeClient.load(await cp.kubeconfigFor('nobody', []));
      const errors: Error[] = [];
      const recorder = new EventRecorder({
        client: nobody,
        reportingController: 'objects.industriverse.io/test-controller',
        onError: (err) => errors.push(err),
      });
      const obj = await client.get(cm, NS, 'eventful');
      recorder.event(obj, { type: 'Warning', reason: 'Forbidden', action: 'Try' });
      await recorder.close();
      await nobody.close();
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof ApiError && errors[0].status === 403, String(errors[0]));
    });
  });
});
