// ClusterSpec validation: `validateSpec` and the rule catalogue for `kubedos validate [--rules]`.
export { validateSource, validateSpec } from './validate.ts';
export { formatReport } from './format.ts';
export { RULES } from './rules/index.ts';
export { WARNINGS } from './warnings.ts';
export { readSpecSource, SpecReadError, type Position, type SpecSource } from './source.ts';
export {
  RULE_IDS,
  type ErrorRuleId,
  type Finding,
  type Rule,
  type RuleContext,
  type RuleId,
  type RuleInfo,
  type ValidationReport,
  type WarningId,
} from './types.ts';
