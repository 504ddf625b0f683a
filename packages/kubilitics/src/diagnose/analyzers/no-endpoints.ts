// NoEndpoints: a Service whose selector matches no ready pod, so every connection to it fails.
// Rooted at the Service. When it selects pods that fail for a diagnosed reason, it is only a
// symptom of that reason and correlation folds it there.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, refOf, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import { contradict, podIds, support } from '../evidence.ts';
import { describe, specOf } from '../k8s.ts';
import { readyAddresses, selectedPods } from '../symptoms.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Label values of pods in the namespace that share a selector key but not its value: likely typos or renames. */
function nearMisses(world: World, svc: KubeObject, selector: Record<string, string>): string[] {
  const seen = new Set<string>();
  for (const pod of world.objects('Pod', svc.metadata.namespace)) {
    const labels = pod.metadata.labels ?? {};
    for (const [k, v] of Object.entries(selector))
      if (k in labels && labels[k] !== v) seen.add(`${k}=${labels[k]}`);
  }
  return [...seen].slice(0, 5);
}

function hypothesis(world: World, ctx: DiagnoseContext, svc: KubeObject): Hypothesis | undefined {
  const ref = refOfObject(svc);
  const id = nodeId(ref);
  if (!ctx.symptoms.has(id)) return undefined;
  const selector = (specOf(svc).selector as Record<string, string> | undefined) ?? {};
  const { pods } = selectedPods(world, svc);
  const evidence: Weighed[] = [
    support(WEIGHT.strong, {
      kind: 'status',
      ref,
      detail: `${readyAddresses(world, svc)} ready endpoint addresses published for ${describe(ref)}`,
    }),
  ];
  let why: string;
  if (!pods.length) {
    const near = nearMisses(world, svc, selector);
    why = `selector ${labelText(selector)} matches no pod${near.length ? ` (pods have ${near.join(', ')})` : ''}`;
    evidence.push(
      support(WEIGHT.decisive, {
        kind: 'spec',
        ref,
        detail: `selector ${labelText(selector)} matches no pod in namespace ${ref.namespace}`,
      }),
    );
    if (near.length)
      evidence.push(
        support(WEIGHT.weak, {
          kind: 'spec',
          ref,
          detail: `pods in the namespace carry ${near.join(', ')} instead`,
        }),
      );
  } else {
    why = `selector ${labelText(selector)} matches ${pods.length} pod(s), none ready`;
    // The selector is right: the Service only shows its pods' failure, whatever causes that.
    evidence.push(contradict(WEIGHT.moderate, { kind: 'status', ref, detail: why }));
  }
  const ingresses = world.graph.incoming(id, ['routes-to']).map((e) => describe(refOf(e.from)));
  if (ingresses.length)
    evidence.push(
      support(WEIGHT.weak, { kind: 'spec', ref, detail: `routed to by ${ingresses.join(', ')}` }),
    );
  return {
    category: 'NoEndpoints',
    subject: ref,
    rootCause: ref,
    summary: `${describe(ref)} has no ready endpoints: ${why}${ingresses.length ? `; ${ingresses.join(', ')} routes to it` : ''}`,
    severity: 'high',
    observed: [`${describe(ref)}: no ready endpoints`],
    evidence,
    explains: [id],
    via: podIds(pods),
  };
}

export const noEndpointsAnalyzer: Analyzer = {
  category: 'NoEndpoints',
  analyze(world, ctx) {
    return world.objects('Service').flatMap((s) => hypothesis(world, ctx, s) ?? []);
  },
};
