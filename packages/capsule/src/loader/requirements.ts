// A capsule's requirements against the cluster's Nodes. The workload runs on one node, so one
// schedulable, Ready node must satisfy every requirement at once. A refusal names the requirement
// and what the cluster has instead.
import { parseRequirements } from '../manifest.ts';
import { formatQuantity, parseQuantity } from '@industriverse/kube/quantity';

/** Nodes whose hardware token passed attestation carry this label, set by the UTID manager. */
export const ATTESTED_LABEL = 'utid.industriverse.ai/attested';
export const GPU_RESOURCE = 'nvidia.com/gpu';

export type Requirement =
  | { kind: 'gpu'; value: boolean; text: string }
  | { kind: 'utid'; value: 'hardware-bound' | 'soft'; text: string }
  | { kind: 'cpu'; value: number; text: string }
  | { kind: 'memory'; value: number; text: string };

/** The manifest's requirement strings as requirements to check, each keeping its text for messages. */
export function manifestRequirements(requirements: readonly string[] = []): Requirement[] {
  const parsed = parseRequirements(requirements);
  const text = (key: string) => requirements.find((r) => r.startsWith(`${key}:`)) ?? key;
  const out: Requirement[] = [];
  if (requirements.some((r) => r.startsWith('gpu:')))
    out.push({ kind: 'gpu', value: parsed.gpu, text: text('gpu') });
  if (parsed.utid) out.push({ kind: 'utid', value: parsed.utid, text: text('utid') });
  if (parsed.cpuMillis !== undefined)
    out.push({ kind: 'cpu', value: parsed.cpuMillis / 1000, text: text('cpu') });
  if (parsed.memoryBytes !== undefined)
    out.push({ kind: 'memory', value: parsed.memoryBytes, text: text('memory') });
  return out;
}

/** The parts of a core/v1 Node the check reads. */
export interface NodeLike {
  metadata: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: {
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
  };
}

export interface RequirementFailure {
  requirement: string;
  message: string;
}

export interface RequirementsReport {
  ok: boolean;
  /** Nodes that satisfy every requirement. */
  nodes: string[];
  failures: RequirementFailure[];
}

// Taints a GPU or attested node commonly carries for exactly this kind of workload; the loader's pods
// tolerate them, so they do not make a node unusable.
const TOLERATED_TAINTS = new Set([GPU_RESOURCE, ATTESTED_LABEL]);

function nodeName(node: NodeLike): string {
  return node.metadata.name ?? '<unnamed>';
}

function isReady(node: NodeLike): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isSchedulable(node: NodeLike): boolean {
  if (node.spec?.unschedulable) return false;
  return !(node.spec?.taints ?? []).some(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !TOLERATED_TAINTS.has(t.key),
  );
}

function allocatable(node: NodeLike, resource: string): number {
  const value = node.status?.allocatable?.[resource];
  if (value === undefined) return 0;
  try {
    return parseQuantity(value);
  } catch {
    return 0;
  }
}

function satisfies(node: NodeLike, r: Requirement): boolean {
  switch (r.kind) {
    case 'gpu':
      return !r.value || allocatable(node, GPU_RESOURCE) > 0;
    case 'utid':
      return r.value !== 'hardware-bound' || node.metadata.labels?.[ATTESTED_LABEL] === 'true';
    case 'cpu':
      return allocatable(node, 'cpu') >= r.value;
    case 'memory':
      return allocatable(node, 'memory') >= r.value;
  }
}

/** Whether a requirement constrains the nodes at all (gpu:false and utid:soft do not). */
function constrains(r: Requirement): boolean {
  return (
    (r.kind === 'gpu' && r.value) ||
    (r.kind === 'utid' && r.value === 'hardware-bound') ||
    r.kind === 'cpu' ||
    r.kind === 'memory'
  );
}

function largest(nodes: NodeLike[], resource: string, unit: 'cpu' | 'memory' | 'count'): string {
  let best: NodeLike | undefined;
  for (const n of nodes) if (!best || allocatable(n, resource) > allocatable(best, resource)) best = n;
  return best
    ? `the largest is ${formatQuantity(allocatable(best, resource), unit)} on ${nodeName(best)}`
    : 'no nodes';
}

function refusal(r: Requirement, usable: NodeLike[]): string {
  const count = `${usable.length} schedulable Ready node${usable.length === 1 ? '' : 's'}`;
  switch (r.kind) {
    case 'gpu':
      return `no schedulable Ready node has allocatable ${GPU_RESOURCE} > 0 (the cluster has ${count}, none with GPUs)`;
    case 'utid': {
      return `no schedulable Ready node is attested (label ${ATTESTED_LABEL}=true) for a hardware-bound UTID (the cluster has ${count}, none attested)`;
    }
    case 'cpu':
      return `no schedulable Ready node has ${formatQuantity(r.value, 'cpu')} cpu allocatable (${largest(usable, 'cpu', 'cpu')})`;
    case 'memory':
      return `no schedulable Ready node has ${formatQuantity(r.value, 'memory')} memory allocatable (${largest(usable, 'memory', 'memory')})`;
  }
}

/** Checks `requirements` against the cluster's nodes. */
export function checkRequirements(
  requirements: readonly Requirement[],
  nodes: readonly NodeLike[],
): RequirementsReport {
  const constraining = requirements.filter(constrains);
  const usable = nodes.filter((n) => isReady(n) && isSchedulable(n));
  const fitting = usable.filter((n) => constraining.every((r) => satisfies(n, r)));
  if (constraining.length === 0 || fitting.length > 0) {
    return { ok: true, nodes: fitting.map(nodeName).sort(), failures: [] };
  }
  if (usable.length === 0) {
    const notReady = nodes.filter((n) => !isReady(n)).length;
    const message = `the cluster has no schedulable Ready node (${nodes.length} node${nodes.length === 1 ? '' : 's'}, ${notReady} not Ready, ${nodes.length - notReady} cordoned or tainted)`;
    return { ok: false, nodes: [], failures: constraining.map((r) => ({ requirement: r.text, message })) };
  }
  const failures = constraining
    .filter((r) => !usable.some((n) => satisfies(n, r)))
    .map((r) => ({ requirement: r.text, message: refusal(r, usable) }));
  if (failures.length === 0) {
    // Each requirement is met somewhere, but never all on the same node.
    const all = constraining.map((r) => r.text).join(', ');
    failures.push({
      requirement: all,
      message: `no single schedulable Ready node satisfies ${all} together (each is met on some node, never all on one)`,
    });
  }
  return { ok: false, nodes: [], failures };
}

/** One line per failure, for the CLI and the error it throws. */
export function formatRefusal(report: RequirementsReport): string {
  return report.failures.map((f) => `requirement ${f.requirement}: ${f.message}`).join('; ');
}
