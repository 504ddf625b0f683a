// `kubedos validate`: the schema rule, then every semantic rule and warning, all findings reported.
import { obj } from './access.ts';
import { comparePointers } from './pointer.ts';
import { SCHEMA_RULE, SEMANTIC_RULES } from './rules/index.ts';
import { readSpecSource, SpecReadError, type SpecSource } from './source.ts';
import type { Finding, Rule, RuleContext, ValidationReport } from './types.ts';
import { WARNING_RULES } from './warnings.ts';

/**
 * Validates a ClusterSpec given as YAML text (findings then carry line and column) or as parsed data.
 * Throws SpecReadError when the text is not one YAML mapping; any other input yields a report.
 */
export function validateSpec(input: string | object, file?: string): ValidationReport {
  if (typeof input === 'string') return validateSource(readSpecSource(input, file));
  if (!obj(input)) throw new SpecReadError('expected a ClusterSpec mapping at the top level', file);
  return check(input, undefined);
}

/** For callers that keep the parsed spec (validate, then plan) without parsing the YAML twice. */
export function validateSource(source: SpecSource): ValidationReport {
  return check(source.value, source);
}

function check(spec: unknown, source: SpecSource | undefined): ValidationReport {
  const schemaErrors = SCHEMA_RULE.check(spec, { schemaValid: false });
  const ctx: RuleContext = { schemaValid: schemaErrors.length === 0 };
  const errors = [...schemaErrors, ...SEMANTIC_RULES.flatMap((rule) => run(rule, spec, ctx))];
  const warnings = WARNING_RULES.flatMap((rule) => run(rule, spec, ctx));
  const finish = (findings: Finding[]) =>
    sortUnique(source ? findings.map((f) => locate(f, source)) : findings);
  return { valid: errors.length === 0, errors: finish(errors), warnings: finish(warnings) };
}

/**
 * Rules guard every read, so a throw is a bug; on a spec that already failed the schema the other
 * findings still explain the problem, so the rule is skipped rather than hiding them.
 */
function run(rule: Rule, spec: unknown, ctx: RuleContext): Finding[] {
  try {
    return rule.check(spec, ctx);
  } catch (err) {
    if (ctx.schemaValid) throw err;
    return [];
  }
}

function locate(finding: Finding, source: SpecSource): Finding {
  const { line, column } = source.locate(finding.path);
  return { ...finding, line, column };
}

/** Stable order (path segment by segment, indexes numerically, then rule, then message), each finding once. */
function sortUnique(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort(
    (a, b) =>
      comparePointers(a.path, b.path) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  return sorted.filter(
    (f, i) =>
      i === 0 ||
      !(
        f.path === sorted[i - 1]?.path &&
        f.rule === sorted[i - 1]?.rule &&
        f.message === sorted[i - 1]?.message
      ),
  );
}
