// The convergence plan (seed 004 §5.1, §14): stages as data, the re-run matrix, per-node steps,
// ordering checks, state diff and output formats.
export { STAGES, rerunMatrix, rerunMatrixToMarkdown, stage, stageDag } from './stages.ts';
export type { RerunMatrix, RerunRow, StageContract } from './stages.ts';
export { desiredSteps } from './steps.ts';
export type { DesiredSteps } from './steps.ts';
export { plan } from './plan.ts';
export type { PlanOptions } from './plan.ts';
export { checkPlan } from './check.ts';
export type { Violation, ViolationRule } from './check.ts';
export { STATE_FILE, StateError, parseState, readState, recordApply, stateToJson } from './state.ts';
export { planDocument, planToDot, planToJson, planToText } from './format.ts';
export type { PlanDocument } from './format.ts';
export { canonicalJson, hashOf } from './canonical.ts';
export { generateSpec } from './generate-spec.ts';
export type { BlockedStep, FlagPath, Plan, PlanState, StageId, Step } from './types.ts';
