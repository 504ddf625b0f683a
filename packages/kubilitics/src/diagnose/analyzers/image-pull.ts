// ImagePull: the kubelet cannot pull a container image (ErrImagePull, ImagePullBackOff,
// InvalidImageName). Rooted at the workload whose pod template names the image.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { WEIGHT } from '../confidence.ts';
import {
  eventEvidence,
  groupByWorkload,
  impact,
  observedObjects,
  plural,
  podIds,
  recentEvents,
  support,
} from '../evidence.ts';
import { containerStatuses, describe, podContainers, type ContainerStatus } from '../k8s.ts';
import type { Analyzer, Hypothesis, Weighed } from '../types.ts';

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

const pulling = (pod: KubeObject): ContainerStatus[] =>
  containerStatuses(pod).filter((c) => PULL_REASONS.has(c.state?.waiting?.reason ?? ''));

/** Why the registry refused, in a few words, from the kubelet's message. */
function pullCause(message: string): string {
  if (/not found|manifest unknown|does not exist/i.test(message)) return 'the image or tag does not exist';
  if (/unauthorized|authentication required|denied|forbidden/i.test(message))
    return 'the registry refused the credentials (check imagePullSecrets)';
  if (/no such host|i\/o timeout|connection refused|dial tcp|TLS handshake/i.test(message))
    return 'the registry is unreachable';
  if (/toomanyrequests|rate limit/i.test(message)) return 'the registry rate-limits pulls';
  if (/InvalidImageName|invalid reference format|couldn't parse image/i.test(message))
    return 'the image reference is malformed';
  return 'the pull fails';
}

export const imagePullAnalyzer: Analyzer = {
  category: 'ImagePull',
  analyze(world, ctx) {
    return groupByWorkload(
      ctx,
      ctx.troubledPods.filter((p) => pulling(p).length),
    ).map(({ workload, pods }): Hypothesis => {
      const evidence: Weighed[] = [];
      const images = new Set<string>();
      let cause = '';
      for (const pod of pods) {
        const ref = refOfObject(pod);
        for (const c of pulling(pod)) {
          const image = String(podContainers(pod).find((x) => x.name === c.name)?.image ?? c.image ?? '');
          images.add(image);
          const waiting = c.state?.waiting;
          evidence.push(
            support(WEIGHT.decisive, {
              kind: 'status',
              ref,
              detail: `container ${c.name} (image ${image}) waiting: ${waiting?.reason}${waiting?.message ? ` (${waiting.message})` : ''}`,
            }),
          );
        }
        for (const ev of recentEvents(
          world,
          ctx,
          ref,
          (e) =>
            (e.reason === 'Failed' && /image/i.test(e.message)) ||
            (e.reason === 'BackOff' && /pulling image/i.test(e.message)),
        )) {
          evidence.push(support(WEIGHT.moderate, eventEvidence(ref, ev)));
          if (!cause && ev.reason === 'Failed' && /Failed to pull/i.test(ev.message))
            cause = pullCause(ev.message);
        }
        if (!cause)
          cause = pullCause(
            pulling(pod)
              .map((c) => `${c.state?.waiting?.reason} ${c.state?.waiting?.message ?? ''}`)
              .join(' '),
          );
      }
      const { severity, ready, total } = impact(world, workload);
      return {
        category: 'ImagePull',
        subject: workload,
        rootCause: workload,
        summary: `${describe(workload)} cannot pull ${[...images].join(', ')}: ${cause}; ${plural(pods.length, 'pod')} waiting, ${ready}/${total} ready`,
        severity,
        observed: observedObjects(ctx, pods),
        evidence,
        explains: podIds(pods),
        via: podIds(pods),
      };
    });
  },
};
