// How sure a hypothesis is, from its weighed evidence.
//
//   support = 1 − Π(1 − wᵢ)   over the evidence for it      (noisy-OR: independent signals add up,
//   doubt   = 1 − Π(1 − wⱼ)   over the evidence against it   and no pile of weak ones reaches 1)
//   confidence = support × (1 − doubt), rounded to two decimals
//
// Weights are fixed per kind of observation: a kubelet or scheduler reason that names the failure
// (OOMKilled, CrashLoopBackOff, "Insufficient cpu") weighs 0.6–0.8, a corroborating event, log line
// or metric 0.2–0.4, and a contradiction (the failure is older than the window, the dependency is
// healthy) 0.3–0.8. A hypothesis becomes a finding at THRESHOLD.
import type { Weighed } from './types.ts';

export const THRESHOLD = 0.5;

export const WEIGHT = {
  /** A status reason that names the failure outright. */
  decisive: 0.8,
  /** A status field or event that shows the failure. */
  strong: 0.6,
  /** Corroboration: a related event, log line, metric or timeline fact. */
  moderate: 0.4,
  weak: 0.2,
} as const;

const noisyOr = (weights: number[]): number => 1 - weights.reduce((p, w) => p * (1 - w), 1);

export function confidence(evidence: Weighed[]): number {
  const support = noisyOr(evidence.filter((e) => e.supports).map((e) => e.weight));
  const doubt = noisyOr(evidence.filter((e) => !e.supports).map((e) => e.weight));
  return Math.round(support * (1 - doubt) * 100) / 100;
}
