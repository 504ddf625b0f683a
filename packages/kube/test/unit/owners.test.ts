import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import {
  AlreadyOwnedError,
  controllerRef,
  getControllerOf,
  isOwnedBy,
  setControllerReference,
} from '../../src/objects/owners.ts';

const owner: KubeObject = {
  apiVersion: 'kaas.industriverse.io/v1',
  kind: 'Cluster',
  metadata: { name: 'prod', namespace: 'team-a', uid: 'uid-1' },
};
const configMap = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'prod-config', namespace: 'team-a', ...meta },
});

describe('controllerRef', () => {
  it('builds a controller reference that blocks owner deletion', () => {
    assert.deepEqual(controllerRef(owner), {
      apiVersion: 'kaas.industriverse.io/v1',
      kind: 'Cluster',
      name: 'prod',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('requires a uid', () => {
    assert.throws(() => controllerRef({ ...owner, metadata: { name: 'prod' } }), /uid/);
  });
});

describe('setControllerReference', () => {
  it('adds the reference to a copy, keeping other owners', () => {
    const other = { apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'uid-9' };
    const obj = configMap({ ownerReferences: [other] });
    const out = setControllerReference(owner, obj);
    assert.deepEqual(out.metadata.ownerReferences, [other, controllerRef(owner)]);
    assert.deepEqual(obj.metadata.ownerReferences, [other]);
  });

  it('replaces an earlier reference to the same owner, even of another version', () => {
    const stale = {
      apiVersion: 'kaas.industriverse.io/v1beta1',
      kind: 'Cluster',
      name: 'prod',
      uid: 'uid-1',
    };
    const out = setControllerReference(owner, configMap({ ownerReferences: [stale] }));
    assert.deepEqual(out.metadata.ownerReferences, [controllerRef(owner)]);
  });

  it('is idempotent', () => {
    const once = setControllerReference(owner, configMap());
    assert.deepEqual(setControllerReference(owner, once), once);
  });

  it('refuses a second controller', () => {
    const rival = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'uid-2', controller: true };
    assert.throws(
      () => setControllerReference(owner, configMap({ ownerReferences: [rival] })),
      (err: unknown) =>
        err instanceof AlreadyOwnedError && err.owner === rival && /Deployment d/.test(err.message),
    );
  });

  it('refuses cross-namespace and namespaced-owns-cluster-scoped references', () => {
    assert.throws(() => setControllerReference(owner, configMap({ namespace: 'team-b' })), /cross-namespace/);
    const node: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } };
    assert.throws(() => setControllerReference(owner, node), /cluster-scoped/);
  });

  it('lets a cluster-scoped owner control a namespaced object', () => {
    const clusterOwner: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', uid: 'ns-uid' },
    };
    const out = setControllerReference(clusterOwner, configMap());
    assert.equal(getControllerOf(out)?.uid, 'ns-uid');
  });
});

describe('getControllerOf / isOwnedBy', () => {
  it('finds the controller among owners', () => {
    const plain = { apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'uid-9' };
    const obj = setControllerReference(owner, configMap({ ownerReferences: [plain] }));
    assert.equal(getControllerOf(obj)?.name, 'prod');
    assert.equal(getControllerOf(configMap({ ownerReferences: [plain] })), undefined);
    assert.equal(getControllerOf(configMap()), undefined);
  });

  it('matches owners by uid, controller or not', () => {
    const obj = configMap({
      ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'uid-9' }],
    });
    assert.equal(
      isOwnedBy(obj, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', uid: 'uid-9' } }),
      true,
    );
    assert.equal(isOwnedBy(obj, owner), false);
    assert.equal(isOwnedBy(setControllerReference(owner, obj), owner), true);
    assert.equal(isOwnedBy(obj, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }), false);
  });
});
