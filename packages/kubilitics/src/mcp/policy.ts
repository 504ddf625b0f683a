// "Does this config violate our security standards?": built-in checks of the pod specs in a manifest
// (the Pod Security Standards' usual suspects, plus limits and image tags), and user rules written in
// CEL over `object`, as Kubernetes ValidatingAdmissionPolicy expressions are: true means compliant.
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { parseAllDocuments } from 'yaml';

export interface CelRule {
  name: string;
  /** CEL over `object` (the resource); true when the resource complies. */
  expression: string;
  message: string;
  severity?: 'critical' | 'high' | 'medium' | 'low';
}

export interface Violation {
  rule: string;
  severity: string;
  path: string;
  message: string;
}

export interface PolicyReport {
  passed: boolean;
  total_violations: number;
  resources: { resource: string; violations: Violation[] }[];
  rule_errors?: { rule: string; resource: string; error: string }[];
}

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const list = (v: unknown): Json[] =>
  Array.isArray(v) ? v.map(rec).filter((x): x is Json => x !== undefined) : [];

const MAX_DOCUMENTS = 200;

/** Where each kind keeps its pod spec. */
function podSpecOf(obj: Json): { spec: Json; path: string } | undefined {
  const at = (path: string): { spec: Json; path: string } | undefined => {
    let v: unknown = obj;
    for (const k of path.split('.')) v = rec(v)?.[k];
    const spec = rec(v);
    return spec ? { spec, path } : undefined;
  };
  if (obj.kind === 'Pod') return at('spec');
  if (obj.kind === 'CronJob') return at('spec.jobTemplate.spec.template.spec');
  if (obj.kind === 'PodTemplate') return at('template.spec');
  return at('spec.template.spec');
}

/** An image without a tag or digest runs whatever `latest` is at pull time. */
function floatingTag(image: string): boolean {
  if (image.includes('@')) return false;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon < 0 || lastSegment.slice(colon + 1) === 'latest';
}

function builtinChecks(obj: Json): Violation[] {
  const found = podSpecOf(obj);
  if (!found) return [];
  const { spec, path } = found;
  const out: Violation[] = [];
  const add = (rule: string, severity: string, p: string, message: string) =>
    out.push({ rule, severity, path: p, message });

  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (spec[host] === true)
      add(
        `host-${host.slice(4).toLowerCase()}`,
        'high',
        `${path}.${host}`,
        `${host}: true shares the node's ${host.slice(4)} namespace`,
      );
  for (const [i, v] of list(spec.volumes).entries()) {
    const hostPath = rec(v.hostPath);
    if (hostPath)
      add(
        'host-path',
        'high',
        `${path}.volumes[${i}].hostPath`,
        `volume ${String(v.name ?? i)} mounts the node's ${String(hostPath.path ?? '')}`,
      );
  }
  const podSc = rec(spec.securityContext) ?? {};
  if (podSc.runAsUser === 0)
    add('run-as-root', 'high', `${path}.securityContext.runAsUser`, 'runAsUser: 0 runs as root');

  const groups = [
    ['initContainers', list(spec.initContainers)],
    ['containers', list(spec.containers)],
    ['ephemeralContainers', list(spec.ephemeralContainers)],
  ] as const;
  for (const [field, containers] of groups)
    for (const [i, c] of containers.entries()) {
      const cp = `${path}.${field}[${i}]`;
      const name = String(c.name ?? i);
      const sc = rec(c.securityContext) ?? {};
      if (sc.privileged === true)
        add('privileged', 'critical', `${cp}.securityContext.privileged`, `container ${name} is privileged`);
      if (sc.allowPrivilegeEscalation === true)
        add(
          'allow-privilege-escalation',
          'high',
          `${cp}.securityContext.allowPrivilegeEscalation`,
          `container ${name} allows privilege escalation`,
        );
      else if (sc.allowPrivilegeEscalation === undefined && sc.privileged !== true)
        add(
          'allow-privilege-escalation',
          'medium',
          `${cp}.securityContext.allowPrivilegeEscalation`,
          `container ${name} does not set allowPrivilegeEscalation: false`,
        );
      const added = rec(sc.capabilities)?.add;
      if (Array.isArray(added) && added.length)
        add(
          'capabilities-added',
          'high',
          `${cp}.securityContext.capabilities.add`,
          `container ${name} adds capabilities ${added.join(', ')}`,
        );
      if (sc.runAsUser === 0)
        add(
          'run-as-root',
          'high',
          `${cp}.securityContext.runAsUser`,
          `container ${name} runs as root (runAsUser: 0)`,
        );
      else if (
        sc.runAsNonRoot !== true &&
        podSc.runAsNonRoot !== true &&
        sc.runAsUser === undefined &&
        podSc.runAsUser === undefined
      )
        add(
          'run-as-non-root-missing',
          'medium',
          `${cp}.securityContext.runAsNonRoot`,
          `container ${name} may run as root (no runAsNonRoot: true, no runAsUser)`,
        );
      if (field !== 'ephemeralContainers') {
        const limits = rec(rec(c.resources)?.limits) ?? {};
        const missing = ['cpu', 'memory'].filter((r) => limits[r] === undefined);
        if (missing.length)
          add(
            'no-resource-limits',
            missing.includes('memory') ? 'medium' : 'low',
            `${cp}.resources.limits`,
            `container ${name} has no ${missing.join(' or ')} limit`,
          );
      }
      const image = typeof c.image === 'string' ? c.image : '';
      if (image && floatingTag(image))
        add(
          'image-latest',
          'medium',
          `${cp}.image`,
          `container ${name} uses ${image}: pin a version tag or digest`,
        );
    }
  return out;
}

/** CEL wants ints as bigint; YAML gives numbers. Integers become bigint so `replicas <= 5` type-checks. */
function celValue(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(celValue);
  const r = rec(v);
  return r ? Object.fromEntries(Object.entries(r).map(([k, x]) => [k, celValue(x)])) : v;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

export class PolicyChecker {
  readonly #rules: { rule: CelRule; program: ParseResult }[];

  /** Compiles the user rules; throws naming the rule whose expression does not parse. */
  constructor(rules: readonly CelRule[] = []) {
    const env = new Environment({
      homogeneousAggregateLiterals: false,
      limits: { maxAstNodes: 2000 },
    }).registerVariable('object', 'dyn');
    this.#rules = rules.map((rule) => {
      try {
        return { rule, program: env.parse(rule.expression) };
      } catch (err) {
        throw new Error(`CEL rule ${rule.name}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
      }
    });
  }

  check(manifest: string): PolicyReport {
    const docs = parseAllDocuments(manifest);
    const objects: Json[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length) throw new Error(`resource_yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
      const value = rec(doc.toJS({ maxAliasCount: 100 }));
      if (!value) continue;
      objects.push(
        ...(typeof value.kind === 'string' && value.kind.endsWith('List') ? list(value.items) : [value]),
      );
    }
    if (!objects.length) throw new Error('resource_yaml: no Kubernetes object found');
    if (objects.length > MAX_DOCUMENTS)
      throw new Error(`resource_yaml: ${objects.length} objects; check at most ${MAX_DOCUMENTS} at once`);

    const report: PolicyReport = { passed: true, total_violations: 0, resources: [] };
    const errors: NonNullable<PolicyReport['rule_errors']> = [];
    for (const obj of objects) {
      const meta = rec(obj.metadata) ?? {};
      const resource = [obj.kind ?? '?', meta.namespace, meta.name ?? '(unnamed)']
        .filter((x) => x !== undefined)
        .join('/');
      const violations = builtinChecks(obj);
      const context = { object: celValue(obj) };
      for (const { rule, program } of this.#rules) {
        try {
          const ok = program(context as never);
          if (typeof ok !== 'boolean')
            errors.push({ rule: rule.name, resource, error: 'the expression is not a boolean' });
          else if (!ok)
            violations.push({
              rule: rule.name,
              severity: rule.severity ?? 'medium',
              path: '',
              message: rule.message,
            });
        } catch (err) {
          errors.push({ rule: rule.name, resource, error: (err as Error).message.split('\n')[0]! });
        }
      }
      violations.sort(
        (a, b) =>
          SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
          a.path.localeCompare(b.path),
      );
      report.resources.push({ resource, violations });
      report.total_violations += violations.length;
    }
    report.passed = report.total_violations === 0;
    if (errors.length) report.rule_errors = errors;
    return report;
  }
}
