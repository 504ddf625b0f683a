// Status conditions as apimachinery's meta.SetStatusCondition maintains them. Pure functions over
// arrays, so a reconciler can compute the next status and compare it before writing anything.
import type { Condition } from '../api/meta.ts';
import { rfc3339 } from '../api/time.ts';

export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/**
 * Returns a copy of `conditions` with `update` set. lastTransitionTime changes only when the status
 * changes (or the condition is new), so it tells when the state flipped, not when it was last checked;
 * reason, message and observedGeneration always take the new values (an omitted generation is cleared).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date = new Date(),
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const transitioned = !existing || existing.status !== update.status;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: transitioned
      ? (update.lastTransitionTime ?? rfc3339(now))
      : existing.lastTransitionTime,
  };
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  return existing ? list.map((c) => (c === existing ? next : c)) : [...list, next];
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition is present with status "True"; absent counts as not true. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Returns a copy of `conditions` without the condition of that type. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
