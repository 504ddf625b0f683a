// VolumePending: a PersistentVolumeClaim stays Pending (no provisioner, a missing StorageClass,
// no matching PersistentVolume), holding back the pods that claim it. Rooted at the claim.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, refOf, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import { eventEvidence, observedObjects, plural, recentEvents, support } from '../evidence.ts';
import { describe, eventView, specOf } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

const BINDING_REASONS = new Set([
  'ProvisioningFailed',
  'FailedBinding',
  'ExternalProvisioning',
  'Provisioning',
]);

function hypothesis(world: World, ctx: DiagnoseContext, pvc: KubeObject): Hypothesis | undefined {
  const ref = refOfObject(pvc);
  const id = nodeId(ref);
  if (!ctx.symptoms.has(id)) return undefined;
  const evidence: Weighed[] = [
    support(WEIGHT.strong, {
      kind: 'status',
      ref,
      detail: `phase Pending since ${pvc.metadata.creationTimestamp ?? '?'}`,
    }),
  ];
  const events = recentEvents(world, ctx, ref, (e) => BINDING_REASONS.has(e.reason));
  for (const ev of events)
    evidence.push(support(ev.type === 'Warning' ? WEIGHT.decisive : WEIGHT.weak, eventEvidence(ref, ev)));
  const className = specOf(pvc).storageClassName as string | undefined;
  if (
    className &&
    !world.get({ kind: 'StorageClass', name: className }) &&
    world.objects('StorageClass').length
  )
    evidence.push(
      support(WEIGHT.strong, { kind: 'spec', ref, detail: `StorageClass ${className} does not exist` }),
    );
  const consumers = world.graph.incoming(id, ['claims']).flatMap((e) => world.get(refOf(e.from)) ?? []);
  const blocked = consumers.filter((p) => ctx.symptoms.has(nodeId(refOfObject(p))));
  for (const pod of blocked.slice(0, 3)) {
    const pref = refOfObject(pod);
    const ev = world
      .eventsFor(pref)
      .map(eventView)
      .findLast((e) => /unbound .*PersistentVolumeClaims/.test(e.message));
    evidence.push(
      support(
        WEIGHT.moderate,
        ev
          ? eventEvidence(pref, ev)
          : {
              kind: 'status',
              ref: pref,
              detail: `claims ${ref.name} and is ${ctx.symptoms.get(nodeId(pref))?.detail}`,
            },
      ),
    );
  }
  const why =
    events.findLast((e) => e.type === 'Warning')?.message ??
    (className ? `storage class ${className}` : 'no storage class and no matching volume');
  const subject = blocked[0] ? ctx.workloadOf(blocked[0]) : ref;
  return {
    category: 'VolumePending',
    subject,
    rootCause: ref,
    summary: `${describe(ref)} stays Pending (${why}); ${plural(blocked.length, 'pod')} waiting for it`,
    severity: blocked.length ? 'high' : 'medium',
    observed: observedObjects(ctx, [pvc, ...blocked.slice(0, 5)]),
    evidence,
    explains: [id, ...blocked.map((p) => nodeId(refOfObject(p)))],
    via: [],
  };
}

export const volumePendingAnalyzer: Analyzer = {
  category: 'VolumePending',
  analyze(world, ctx) {
    return world.objects('PersistentVolumeClaim').flatMap((p) => hypothesis(world, ctx, p) ?? []);
  },
};
