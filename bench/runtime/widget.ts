// The Widget kind both controllers of the runtime benchmark reconcile. The harness installs the CRD
// generated from this definition; the Go peer's hand-written types mirror it.
import { Type } from '@sinclair/typebox';
import { defineResource, type ResourceOf } from '@industriverse/kube';

export const widgets = defineResource({
  group: 'bench.industriverse.ai',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  spec: Type.Object({ value: Type.Integer() }),
  status: Type.Object({
    observedValue: Type.Optional(Type.Integer()),
    reconciledAtMs: Type.Optional(Type.Integer({ format: 'int64' })),
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  }),
});

export type Widget = ResourceOf<typeof widgets>;
