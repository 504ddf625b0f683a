// The vocabulary shared by the diagnosis engine and its analyzers.
import type { KubeObject } from '@industriverse/kube';
import type { DiagnosisReport, Finding, NodeId, ObjectRef, World } from '../model/types.ts';

export type Category = Finding['category'];
export type Severity = Finding['severity'];
export type Evidence = Finding['evidence'][number];

/** One piece of evidence with how much it weighs for (or against) a hypothesis, 0..1. */
export interface Weighed {
  item: Evidence;
  weight: number;
  supports: boolean;
}

/** Something observably wrong right now: a resource that is not in the state it should be. */
export interface Symptom {
  id: NodeId;
  detail: string;
}

/**
 * A candidate explanation proposed by an analyzer. The engine scores it from its evidence,
 * folds the symptoms it shares with deeper causes, and keeps it as a finding when it holds.
 */
export interface Hypothesis {
  category: Category;
  subject: ObjectRef;
  rootCause: ObjectRef;
  summary: string;
  severity: Severity;
  /** What the analyzer looked at before proposing it (the trace's `observe` steps). */
  observed: string[];
  evidence: Weighed[];
  /** The symptoms (see `Symptom.id`) this hypothesis accounts for when it holds. */
  explains: NodeId[];
  /**
   * The failing resources it shows through (a workload's failing pods, a Service's selected pods).
   * When deeper causes explain every one of them, this hypothesis is only a symptom of those causes.
   */
  via: NodeId[];
  timeToExhaustionSeconds?: number;
}

export interface DiagnoseOptions {
  /** How far back a change or a failure still counts as current (default 1 h). */
  windowSeconds?: number;
  /** Confidence a hypothesis needs to become a finding (default 0.5). */
  threshold?: number;
  /** The analyzers to run (default every one, ANALYZERS). */
  analyzers?: readonly Analyzer[];
}

/** What every analyzer reads besides the world: the window, the symptoms and pre-read logs. */
export interface DiagnoseContext {
  now: Date;
  windowMs: number;
  /** Symptoms by id, for analyzers that start from "what is wrong". */
  symptoms: Map<NodeId, Symptom>;
  /** The pods with a symptom. */
  troubledPods: KubeObject[];
  /** Nodes whose Ready condition is not True, by name. */
  failedNodes: Set<string>;
  /** Log lines of the troubled pods' containers, keyed `namespace/pod/container`. */
  logs: Map<string, string[]>;
  /** Whether `time` (RFC 3339) falls within the window before `now`. */
  recent(time: string | undefined): boolean;
  /** The workload a pod or ReplicaSet belongs to (its top owner). */
  workloadOf(obj: KubeObject): ObjectRef;
}

export interface Analyzer {
  category: Category;
  analyze(world: World, ctx: DiagnoseContext): Hypothesis[];
}

/** A hypothesis its evidence did not bear out. */
export interface Rejected {
  category: Category;
  rootCause: ObjectRef;
  confidence: number;
  /** The evidence against it. */
  against: string[];
}

/** The report, with the symptoms no finding explains (why the status is INCONCLUSIVE) and what was ruled out. */
export interface Diagnosis extends DiagnosisReport {
  unexplained: Symptom[];
  rejected: Rejected[];
}
