// Plan output: JSON (`--json`), text (default) and Graphviz (`--dot`). All deterministic.
import { Dag } from '@industriverse/dag';
import { stage as stageOf } from './stages.ts';
import type { BlockedStep, Plan, StageId, Step } from './types.ts';

/**
 * `kubedos plan --json`:
 * {
 *   cluster,
 *   stages: [{ id, name, steps: [{ id, stage, node?, action, description, destructive, allowedBy?,
 *                                   once?, dependsOn, inputsHash }] }],   // only stages with steps
 *   blocked: [{ id, stage, node?, action, flag, reason }],
 *   summary: { steps, destructive, blocked }
 * }
 * An incremental plan with nothing to do has no stages and zero counts.
 */
export interface PlanDocument {
  cluster: string;
  stages: Array<{ id: StageId; name: string; steps: Step[] }>;
  blocked: BlockedStep[];
  summary: { steps: number; destructive: number; blocked: number };
}

export function planDocument(plan: Plan): PlanDocument {
  const stages: PlanDocument['stages'] = [];
  for (const step of plan.steps) {
    let group = stages.at(-1);
    if (group?.id !== step.stage) {
      group = { id: step.stage, name: stageOf(step.stage).name, steps: [] };
      stages.push(group);
    }
    group.steps.push(stepFields(step));
  }
  return {
    cluster: plan.cluster,
    stages,
    blocked: plan.blocked,
    summary: {
      steps: plan.steps.length,
      destructive: plan.steps.filter((s) => s.destructive).length,
      blocked: plan.blocked.length,
    },
  };
}

export function planToJson(plan: Plan): string {
  return `${JSON.stringify(planDocument(plan), null, 2)}\n`;
}

/** A step with its fields in a fixed order (so JSON output never depends on how it was built). */
function stepFields(s: Step): Step {
  return {
    id: s.id,
    stage: s.stage,
    ...(s.node !== undefined ? { node: s.node } : {}),
    action: s.action,
    description: s.description,
    destructive: s.destructive,
    ...(s.allowedBy ? { allowedBy: s.allowedBy } : {}),
    ...(s.once ? { once: true } : {}),
    dependsOn: s.dependsOn,
    inputsHash: s.inputsHash,
  };
}

/** Human output: stages in order; within a stage, steps grouped by node in order of first appearance. */
export function planToText(plan: Plan): string {
  const doc = planDocument(plan);
  const { steps, destructive, blocked } = doc.summary;
  const lines = [
    `Plan for cluster ${plan.cluster}${plan.incremental ? ' (changes since the recorded state)' : ''}: ` +
      `${steps} step${steps === 1 ? '' : 's'}, ${destructive} destructive, ${blocked} blocked`,
  ];
  if (steps === 0 && blocked === 0) lines.push('', 'No changes: the cluster matches the recorded state.');
  for (const group of doc.stages) {
    const contract = stageOf(group.id);
    lines.push(
      '',
      `Stage ${group.id}: ${group.name} [${contract.idempotency.contract}, destructive: ${contract.destruction.boundary}]`,
    );
    const byNode = new Map<string, Step[]>();
    for (const step of group.steps) {
      const key = step.node ?? '';
      byNode.set(key, [...(byNode.get(key) ?? []), step]);
    }
    for (const [node, list] of byNode) {
      lines.push(`  ${node === '' ? '(cluster-wide)' : node}:`);
      for (const step of list) lines.push(`    ${stepLine(step)}`);
    }
  }
  if (doc.blocked.length > 0) {
    lines.push('', 'Blocked (destructive changes the spec does not allow):');
    for (const b of doc.blocked) lines.push(`  ${b.id}: ${b.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function stepLine(step: Step): string {
  const marks = [
    ...(step.destructive ? [`DESTRUCTIVE, allowed by ${step.allowedBy}`] : []),
    ...(step.once ? ['once'] : []),
  ];
  return `${step.id}  ${step.description}${marks.length ? `  [${marks.join('; ')}]` : ''}`;
}

/** `kubedos plan --dot`: one box per stage, destructive steps red, blocked changes dashed grey. */
export function planToDot(plan: Plan): string {
  const dag = new Dag<Step | BlockedStep>();
  for (const step of plan.steps) dag.addNode(step.id, step);
  for (const b of plan.blocked) dag.addNode(b.id, b);
  for (const step of plan.steps) for (const d of step.dependsOn) dag.addEdge(d, step.id);
  return dag.toDot({
    name: `plan-${plan.cluster}`,
    rankdir: 'LR',
    graphAttrs: { fontname: 'Helvetica', label: `kubedos plan ${plan.cluster}` },
    cluster: (_id, s) => ({ id: `stage${s.stage}`, label: `${s.stage} ${stageOf(s.stage).name}` }),
    nodeAttrs: (id, s) =>
      'flag' in s
        ? { label: `${id}\nblocked: set ${s.flag}`, shape: 'box', style: 'dashed', color: 'grey40' }
        : {
            label: id,
            shape: 'box',
            tooltip: s.description,
            ...(s.destructive ? { color: 'red', fontcolor: 'red' } : {}),
          },
  });
}
