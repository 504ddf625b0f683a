// The convergence plan's data types. A plan is an ordered list of steps (a DAG through dependsOn),
// the destructive changes it refused (blocked) and the state an apply of it records.

export type StageId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The policy boundaries of §15.1: destructive actions happen only when one of these is true. */
export type FlagPath =
  | 'spec.substrate.allowDestroy'
  | 'spec.orchestration.ansible.safety.allowRepartition'
  | 'spec.orchestration.ansible.safety.allowWipe'
  | 'spec.kubernetes.allowReset';

export interface Step {
  /** Stable id: `<stage>/<action>[/<node>[/<detail>]]`, e.g. `3/wg-up/cp-1/wg1`. */
  id: string;
  stage: StageId;
  /** The node the step runs on; absent for cluster-wide steps. */
  node?: string;
  action: string;
  description: string;
  destructive: boolean;
  /** For a destructive step: the flag that allows it (true in the spec). */
  allowedBy?: FlagPath;
  /** Runs once in the cluster's life (kubeadm init, joins): a change needs a reset. */
  once?: boolean;
  /** Ids of steps of this plan that must finish first. */
  dependsOn: string[];
  /** sha256 (hex) of the canonical JSON of exactly the inputs the step depends on. */
  inputsHash: string;
}

/** A destructive change the spec needs but its flag forbids. */
export interface BlockedStep {
  /** The step that would run if the flag were true. */
  id: string;
  stage: StageId;
  node?: string;
  action: string;
  /** The flag to set to true. */
  flag: FlagPath;
  reason: string;
}

/** What an apply recorded (`<state dir>/state.json`). */
export interface PlanState {
  specHash: string;
  /** step id -> inputs hash of the step as applied. */
  steps: Record<string, string>;
}

export interface Plan {
  cluster: string;
  /** sha256 of the canonical JSON of the normalised spec. */
  specHash: string;
  /** True when planned against a recorded state (only changes are listed). */
  incremental: boolean;
  /** Topological order: stage by stage, inventory order within a stage. */
  steps: Step[];
  blocked: BlockedStep[];
  /** The state once this plan is applied; blocked changes keep their recorded hashes. */
  after: PlanState;
}
