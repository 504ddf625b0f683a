// The correlation pass: hypotheses with one root cause become one, and a hypothesis that only shows
// through failures a deeper cause explains is folded into that cause (30 pods crash-looping on a
// NotReady node are one NodeFailure, not 30 CrashLoops).
import { nodeId, type NodeId } from '../model/types.ts';
import { confidence, WEIGHT } from './confidence.ts';
import { support } from './evidence.ts';
import { describe } from './k8s.ts';
import type { Category, Hypothesis, Severity } from './types.ts';

/** How deep in the causal chain a category sits; deeper causes absorb the shallower ones they explain. */
const DEPTH: Record<Category, number> = {
  NodeFailure: 6,
  MissingConfig: 5,
  QuotaExceeded: 5,
  VolumePending: 5,
  UpstreamDependency: 4,
  OOMKilled: 3,
  ProbeFailure: 2,
  CrashLoop: 1,
  ImagePull: 1,
  Unschedulable: 1,
  NoEndpoints: 0,
  CapacityExhaustion: 0,
};

/** A crash loop rooted at a changed ConfigMap/Secret is as deep as a missing one. */
function depth(h: Hypothesis): number {
  const changedConfig = h.rootCause.kind === 'ConfigMap' || h.rootCause.kind === 'Secret';
  return h.category === 'CrashLoop' && changedConfig ? DEPTH.MissingConfig : DEPTH[h.category];
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export interface Candidate {
  h: Hypothesis;
  confidence: number;
  /** How many analyzer hypotheses became this one. */
  merged: number;
  /** Shallower hypotheses folded into this one. */
  folded: { h: Hypothesis; confidence: number }[];
}

const rootKey = (h: Hypothesis) => `${h.category}\0${nodeId(h.rootCause)}`;
const union = <T>(a: T[], b: T[]) => [...new Set([...a, ...b])];

/** Hypotheses of one category and root cause become one (say two workloads miss one ConfigMap). */
export function mergeSameRoot(hypotheses: Hypothesis[]): Candidate[] {
  const byRoot = new Map<string, Candidate>();
  for (const h of hypotheses) {
    const c = byRoot.get(rootKey(h));
    if (!c) {
      byRoot.set(rootKey(h), { h, confidence: 0, merged: 1, folded: [] });
      continue;
    }
    const a = c.h;
    const seen = new Set(
      a.evidence.map((e) => `${e.supports}\0${e.item.detail}\0${e.item.ref ? nodeId(e.item.ref) : ''}`),
    );
    c.h = {
      ...a,
      summary: nodeId(a.subject) === nodeId(h.subject) ? a.summary : `${a.summary}; ${h.summary}`,
      severity: SEVERITY_RANK[h.severity] < SEVERITY_RANK[a.severity] ? h.severity : a.severity,
      observed: [...a.observed, ...h.observed],
      evidence: [
        ...a.evidence,
        ...h.evidence.filter(
          (e) => !seen.has(`${e.supports}\0${e.item.detail}\0${e.item.ref ? nodeId(e.item.ref) : ''}`),
        ),
      ],
      explains: union(a.explains, h.explains),
      via: union(a.via, h.via),
      ...(h.timeToExhaustionSeconds !== undefined && {
        timeToExhaustionSeconds: Math.min(h.timeToExhaustionSeconds, a.timeToExhaustionSeconds ?? Infinity),
      }),
    };
    c.merged++;
  }
  for (const c of byRoot.values()) c.confidence = confidence(c.h.evidence);
  return [...byRoot.values()];
}

/**
 * Folds each hypothesis into the accepted deeper ones when together they explain every failure it
 * shows through (its `via`), and a capacity forecast into a finding about the same root; the deeper
 * cause gains its symptoms and one piece of corroborating evidence. A hypothesis too weak to stand
 * on its own folds all the same (a Service without endpoints because its pods crash is explained by
 * the crash). What is not folded is kept when its confidence reaches `threshold`, else rejected.
 */
export function correlate(
  candidates: Candidate[],
  threshold: number,
): { kept: Candidate[]; rejected: Candidate[] } {
  const order = [...candidates].sort((a, b) => depth(b.h) - depth(a.h) || b.confidence - a.confidence);
  const kept: Candidate[] = [];
  const rejected: Candidate[] = [];
  for (const s of order) {
    const into = foldTarget(kept, s);
    if (!into.length) {
      (s.confidence >= threshold ? kept : rejected).push(s);
      continue;
    }
    const primary = into[0]!;
    for (const d of into) d.h = { ...d.h, explains: union(d.h.explains, s.h.explains) };
    primary.folded.push({ h: s.h, confidence: s.confidence });
    primary.h = {
      ...primary.h,
      evidence: [
        ...primary.h.evidence,
        support(WEIGHT.weak, {
          kind: 'status',
          ref: s.h.subject,
          detail: `explains ${s.h.category} of ${describe(s.h.subject)}: ${s.h.summary}`,
        }),
      ],
    };
    primary.confidence = confidence(primary.h.evidence);
  }
  return { kept, rejected };
}

function foldTarget(kept: Candidate[], s: Candidate): Candidate[] {
  if (s.h.category === 'CapacityExhaustion') {
    const root = nodeId(s.h.rootCause);
    return kept
      .filter((d) => d.h.category !== 'CapacityExhaustion' && nodeId(d.h.rootCause) === root)
      .slice(0, 1);
  }
  if (!s.h.via.length) return [];
  const via = new Set<NodeId>(s.h.via);
  const covering = kept
    .filter((d) => depth(d.h) > depth(s.h) && d.h.explains.some((id) => via.has(id)))
    .sort((a, b) => overlap(b, via) - overlap(a, via));
  const covered = new Set(covering.flatMap((d) => d.h.explains));
  return s.h.via.every((id) => covered.has(id)) ? covering : [];
}

const overlap = (c: Candidate, via: Set<NodeId>) => c.h.explains.filter((id) => via.has(id)).length;
