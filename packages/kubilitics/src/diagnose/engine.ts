// Deterministic diagnosis: every analyzer proposes hypotheses, each is scored from its evidence
// (confidence.ts), hypotheses with one root cause merge, symptoms fold into deeper causes
// (correlate.ts), and what holds becomes a finding with its evidence and explanation trace.
// Symptoms that no finding explains make the status INCONCLUSIVE: a report never guesses.
import { nodeId, type Finding, type World } from '../model/types.ts';
import { ANALYZERS } from './analyzers/index.ts';
import { THRESHOLD } from './confidence.ts';
import { buildContext } from './context.ts';
import { correlate, mergeSameRoot, SEVERITY_RANK, type Candidate } from './correlate.ts';
import { describe } from './k8s.ts';
import type { DiagnoseOptions, Diagnosis, Weighed } from './types.ts';

/** Evidence items a finding carries (the strongest); the trace says how many there were. */
const MAX_EVIDENCE = 15;
const MAX_OBSERVED = 5;
const MAX_TESTS = 8;

export async function diagnose(world: World, opts: DiagnoseOptions = {}): Promise<Diagnosis> {
  const ctx = await buildContext(world, opts);
  const threshold = opts.threshold ?? THRESHOLD;
  const candidates = mergeSameRoot((opts.analyzers ?? ANALYZERS).flatMap((a) => a.analyze(world, ctx)));
  const { kept, rejected } = correlate(candidates, threshold);
  const explained = new Set(kept.flatMap((c) => c.h.explains));
  const findings = kept
    .map((c) => toFinding(c, threshold, causesOf(c, kept)))
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        b.confidence - a.confidence ||
        byText(nodeId(a.subject), nodeId(b.subject)) ||
        byText(a.category, b.category) ||
        byText(nodeId(a.rootCause), nodeId(b.rootCause)),
    );
  const unexplained = [...ctx.symptoms.values()].filter((s) => !explained.has(s.id));
  return {
    status: unexplained.length ? 'INCONCLUSIVE' : 'OK',
    findings,
    unexplained,
    rejected: rejected.map((c) => ({
      category: c.h.category,
      rootCause: c.h.rootCause,
      confidence: c.confidence,
      against: [...new Set(c.h.evidence.filter((e) => !e.supports).map((e) => e.item.detail))],
    })),
  };
}

/** Code-unit order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Findings that explain this one's root cause in turn (a Service without endpoints because its pods are OOMKilled). */
function causesOf(c: Candidate, kept: Candidate[]): Candidate[] {
  const root = nodeId(c.h.rootCause);
  return kept.filter((d) => d !== c && d.h.explains.includes(root));
}

const weightText = (e: Weighed) =>
  `${e.supports ? 'for' : 'against'} (${e.weight.toFixed(2)}): ${e.item.detail}`;

function toFinding(
  { h, confidence, merged, folded }: Candidate,
  threshold: number,
  causes: Candidate[],
): Finding {
  const byWeight = [...h.evidence].sort((a, b) => b.weight - a.weight);
  const forIt = byWeight.filter((e) => e.supports);
  const against = byWeight.filter((e) => !e.supports);
  const trace: Finding['explanation_trace'] = [
    ...h.observed.slice(0, MAX_OBSERVED).map((detail) => ({ step: 'observe', detail })),
    ...(h.observed.length > MAX_OBSERVED
      ? [{ step: 'observe', detail: `… and ${h.observed.length - MAX_OBSERVED} more like these` }]
      : []),
    { step: 'hypothesise', detail: `${h.category}, rooted at ${describe(h.rootCause)}` },
    ...[...forIt.slice(0, MAX_TESTS), ...against].map((e) => ({ step: 'test', detail: weightText(e) })),
    ...(merged > 1
      ? [{ step: 'correlate', detail: `${merged} hypotheses share this root cause: merged` }]
      : []),
    ...folded.map((f) => ({
      step: 'correlate',
      detail: `folded ${f.h.category} of ${describe(f.h.subject)} (confidence ${f.confidence}): a symptom of this cause`,
    })),
    ...causes.map((d) => ({
      step: 'correlate',
      detail: `${describe(h.rootCause)} is in turn explained by ${d.h.category} of ${describe(d.h.subject)}: ${d.h.summary}`,
    })),
    {
      step: 'conclude',
      detail: `confidence ${confidence} (evidence for ${forIt.length}, against ${against.length}) ≥ ${threshold}: ${h.summary}`,
    },
  ];
  return {
    category: h.category,
    subject: h.subject,
    rootCause: h.rootCause,
    summary: h.summary,
    confidence,
    severity: h.severity,
    evidence: forIt.slice(0, MAX_EVIDENCE).map((e) => e.item),
    explanation_trace: trace,
    ...(h.timeToExhaustionSeconds !== undefined && { timeToExhaustionSeconds: h.timeToExhaustionSeconds }),
  };
}
