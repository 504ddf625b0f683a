// The shapes `kubedos validate` reports and the contract every rule module implements.

/** The error rules of seed 004 §15.3, one module each under rules/ (plus `schema`). */
export const RULE_IDS = [
  'schema',
  'ha-quorum',
  'ha-inventory',
  'plane-cidr-overlap',
  'plane-cidr-capacity',
  'inter-plane-default',
  'inter-plane-rule',
  'destructive-flag-explicit',
  'vlan-trunk',
  'ceph-replication',
  'unknown-reference',
  'duplicate-name',
  'vmid-range',
] as const;

export type ErrorRuleId = (typeof RULE_IDS)[number];
/** Warnings (discouraged but valid choices) carry a `warning:`-prefixed id. */
export type WarningId = `warning:${string}`;
export type RuleId = ErrorRuleId | WarningId;

export interface Finding {
  rule: RuleId;
  /** JSON Pointer into the spec document; '' is the root. */
  path: string;
  message: string;
  /** 1-based position of the YAML node the path names (of its parent mapping when the key is missing). */
  line?: number;
  column?: number;
}

export interface ValidationReport {
  valid: boolean;
  errors: Finding[];
  warnings: Finding[];
}

export interface RuleContext {
  /** Whether the spec passed the schema; when false, rules must expect any value anywhere. */
  schemaValid: boolean;
}

export interface Rule {
  id: RuleId;
  description: string;
  check(spec: unknown, ctx: RuleContext): Finding[];
}

export interface RuleInfo {
  id: RuleId;
  description: string;
}
