// Schemas that many kinds share, so every status looks the same to kubectl and to clients.
import { Type } from '@sinclair/typebox';

/** metav1.Condition, as a list keyed by `type` (server-side apply merges one condition at a time). */
export const ConditionsSchema = Type.Array(
  Type.Object({
    type: Type.String({ maxLength: 316 }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
    reason: Type.String({ maxLength: 1024 }),
    message: Type.String({ maxLength: 32768 }),
    lastTransitionTime: Type.String({ format: 'date-time' }),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
  }),
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
);
