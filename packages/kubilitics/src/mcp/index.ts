export { createMcpServer, TOOL_NAMES, type McpServerOptions, type ToolName } from './server.ts';
export {
  AUTONOMY_LEVELS,
  atLeast,
  parseAutonomy,
  type ActionExecutor,
  type AutonomyLevel,
} from './execute.ts';
export { DEFAULT_MAX_OUTPUT_CHARS } from './budget.ts';
export { Redactor, REDACTED, redactorFor } from './mask.ts';
export { PolicyChecker, type CelRule, type PolicyReport, type Violation } from './policy.ts';
export { hintTerms, searchLog } from './logs.ts';
export { METRICS, promqlFor, type MetricName } from './metrics.ts';
export { METRIC_NAMES, IMPACT_ACTIONS } from './schemas.ts';
export type { Recommendation, ProposedAction } from './recommendations.ts';
