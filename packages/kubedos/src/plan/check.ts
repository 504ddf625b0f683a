// The §14.3 ordering guarantees, checked on a finished plan. The planner builds them in as edges;
// this check rejects any plan (however built) whose dependencies do not imply them:
//   backplanes-first   a node's stage-3 steps precede its stage-4/5/6 steps; cluster-wide
//                      stage-4/5/6 steps follow every stage-3 step;
//   enrollment-gated   a node's stage-4 steps precede its stage-5/6 steps; cluster-wide stage-5/6
//                      steps follow every stage-4 step;
//   primitives-first   a node's stage-5 steps precede its stage-6 steps; cluster-wide stage-6
//                      steps follow every stage-5 step;
//   acceptance-first   every seal follows every acceptance step;
// plus the plan's own shape: dependencies name steps of the plan, form no cycle (`dag`) and never
// point to a later stage (`stage-order`). In a full plan a required step that is missing altogether
// is a violation too; an incremental plan omits what was already applied.
import { Dag, DagValidationError } from '@industriverse/dag';
import type { Plan, Step } from './types.ts';

export type ViolationRule =
  'dag' | 'stage-order' | 'backplanes-first' | 'enrollment-gated' | 'primitives-first' | 'acceptance-first';

export interface Violation {
  rule: ViolationRule;
  /** The step whose ordering is wrong. */
  step: string;
  /** The step that must precede it (absent when it is missing from the plan). */
  requires?: string;
  message: string;
}

const GUARANTEES = [
  { rule: 'backplanes-first', before: 3, from: 4, what: 'backplane' },
  { rule: 'enrollment-gated', before: 4, from: 5, what: 'enrollment' },
  { rule: 'primitives-first', before: 5, from: 6, what: 'platform' },
] as const;

export function checkPlan(plan: Pick<Plan, 'steps' | 'incremental'>): Violation[] {
  const violations: Violation[] = [];
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const dag = new Dag<Step>();
  for (const step of plan.steps) dag.addNode(step.id, step);
  for (const step of plan.steps) {
    for (const d of step.dependsOn) {
      dag.addEdge(d, step.id);
      const dep = byId.get(d);
      if (dep && dep.stage > step.stage)
        violations.push({
          rule: 'stage-order',
          step: step.id,
          requires: d,
          message: `${step.id} (stage ${step.stage}) depends on ${d} of the later stage ${dep.stage}`,
        });
    }
  }
  let order: string[];
  try {
    order = dag.topoOrder();
  } catch (err) {
    if (!(err instanceof DagValidationError)) throw err;
    for (const e of err.errors) {
      if (e.kind === 'missing-node')
        violations.push({ rule: 'dag', step: e.to, requires: e.from, message: e.message });
      else violations.push({ rule: 'dag', step: e.kind === 'cycle' ? e.path[0]! : e.id, message: e.message });
    }
    return violations;
  }

  // Which required steps (stages 3-5 and acceptance) each step transitively depends on, as bitsets
  // (one flat array, a row per step) filled in topological order: edges x required/32 word ORs.
  const required = plan.steps.filter((s) => (s.stage >= 3 && s.stage <= 5) || s.action === 'acceptance');
  const bit = new Map(required.map((s, i) => [s.id, i]));
  const words = Math.ceil(required.length / 32) || 1;
  const row = new Map(order.map((id, i) => [id, i * words]));
  const sets = new Uint32Array(order.length * words);
  for (const id of order) {
    const to = row.get(id)!;
    for (const d of byId.get(id)!.dependsOn) {
      const from = row.get(d)!;
      for (let w = 0; w < words; w++) sets[to + w]! |= sets[from + w]!;
      const b = bit.get(d);
      if (b !== undefined) sets[to + (b >>> 5)]! |= 1 << (b & 31);
    }
  }
  const precedes = (req: string, id: string) => {
    const b = bit.get(req)!;
    return (sets[row.get(id)! + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  };

  const ofStage = (stage: number) => required.filter((s) => s.stage === stage);
  const ofNode = new Map<string, Step[]>();
  for (const s of required) {
    if (s.node === undefined) continue;
    const list = ofNode.get(s.node);
    if (list) list.push(s);
    else ofNode.set(s.node, [s]);
  }
  for (const g of GUARANTEES) {
    const all = ofStage(g.before);
    for (const step of plan.steps) {
      if (step.stage < g.from || step.stage > 6) continue;
      const needed =
        step.node === undefined ? all : (ofNode.get(step.node) ?? []).filter((s) => s.stage === g.before);
      if (needed.length === 0 && step.node !== undefined && !plan.incremental) {
        violations.push({
          rule: g.rule,
          step: step.id,
          message: `${step.id} runs on ${step.node}, which has no stage-${g.before} (${g.what}) step in the plan`,
        });
      }
      for (const req of needed) {
        if (!precedes(req.id, step.id))
          violations.push({
            rule: g.rule,
            step: step.id,
            requires: req.id,
            message: `${step.id} does not wait for the ${g.what} step ${req.id}`,
          });
      }
    }
  }

  const acceptance = required.filter((s) => s.action === 'acceptance');
  for (const seal of plan.steps.filter((s) => s.action === 'seal')) {
    if (acceptance.length === 0)
      violations.push({
        rule: 'acceptance-first',
        step: seal.id,
        message: `${seal.id} has no acceptance step recording results before it`,
      });
    for (const a of acceptance)
      if (!precedes(a.id, seal.id))
        violations.push({
          rule: 'acceptance-first',
          step: seal.id,
          requires: a.id,
          message: `${seal.id} does not wait for the acceptance results of ${a.id}`,
        });
  }
  return violations;
}
