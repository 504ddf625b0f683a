export { ConflictError, applyObject, applyStatus, toConflictError } from './apply.ts';
export type { ApplyObjectOptions, FieldConflict } from './apply.ts';
export { findCondition, isTrue, removeCondition, setCondition } from './conditions.ts';
export type { ConditionUpdate } from './conditions.ts';
export { addFinalizer, finalize, hasFinalizer, removeFinalizer } from './finalizers.ts';
export type { FinalizeResult } from './finalizers.ts';
export {
  AlreadyOwnedError,
  controllerRef,
  getControllerOf,
  isOwnedBy,
  setControllerReference,
} from './owners.ts';
