// The canonical convergence DAG of seed 004 §14.1 as data: every stage with its inputs, outputs,
// idempotency contract and destruction boundary. The re-run matrix of §14.2 is generated from it,
// so the table and the contracts the planner enforces cannot drift apart.
import { Dag } from '@industriverse/dag';
import type { FlagPath, StageId } from './types.ts';

export interface StageContract {
  id: StageId;
  /** §14.1 title. */
  name: string;
  /** Row label of the §14.2 matrix. */
  shortName: string;
  /** The §5.1 layers the stage realises. */
  layers: string[];
  inputs: string[];
  outputs: string[];
  idempotency: {
    /** SAFE: re-running converges; SAFE*: safe except for the `once` actions. */
    contract: 'SAFE' | 'SAFE*';
    detail: string;
    /** Actions that run once in a cluster's life; changing their inputs needs a reset. */
    once: string[];
    /** Footnote of the §14.2 matrix for a SAFE* stage. */
    footnote?: string;
  };
  destruction: {
    /** NO: never destroys; MAYBE: destroys only when one of `flags` is true. */
    boundary: 'NO' | 'MAYBE';
    flags: FlagPath[];
    detail: string;
  };
  safeToRerun: boolean;
  driftRemediated: 'yes' | 'bounded' | 'n/a';
  /** How the matrix names the opt-in when several flags apply. */
  optInLabel?: string;
  /** Matrix note on a stage without opt-in, e.g. that revocation is a separate operation. */
  optInNote?: string;
  /** Stages that must complete first. */
  dependsOn: StageId[];
}

export const STAGES: readonly StageContract[] = [
  {
    id: 0,
    name: 'Spec Validation',
    shortName: 'Spec Validation',
    layers: [],
    inputs: ['ClusterSpec', 'schema', 'policy constraints', 'version locks (or lock policy)'],
    outputs: ['validated + normalized spec', 'rendered inventories', 'target matrix', 'plan graph'],
    idempotency: { contract: 'SAFE', detail: 'pure', once: [] },
    destruction: { boundary: 'NO', flags: [], detail: 'pure' },
    safeToRerun: true,
    driftRemediated: 'n/a',
    dependsOn: [],
  },
  {
    id: 1,
    name: 'Substrate Provision',
    shortName: 'Substrate Provision',
    layers: ['Substrate (metal / Proxmox / cloud)'],
    inputs: ['validated spec', 'substrate credentials', 'placement + storage policy'],
    outputs: [
      'nodes instantiated (VMs/instances)',
      'NIC attachments',
      'VLAN tags',
      'storage volumes',
      'metadata/tags',
    ],
    idempotency: {
      contract: 'SAFE',
      detail: 'if using non-destructive reconcile; drift is reconciled where possible',
      once: [],
    },
    destruction: {
      boundary: 'MAYBE',
      flags: ['spec.substrate.allowDestroy'],
      detail: 'only when spec.substrate.allowDestroy=true',
    },
    safeToRerun: true,
    driftRemediated: 'bounded',
    dependsOn: [0],
  },
  {
    id: 2,
    name: 'Firstboot Identity + Baseline',
    shortName: 'Firstboot',
    layers: ['Node identity + first boot', 'Security baseline'],
    inputs: ['target artifact', 'node identity seed mechanism', 'baseline hardening policy'],
    outputs: [
      'host identity',
      'SSH policy enforced',
      'firewall baseline',
      'immutable markers',
      'bootstrap logs',
    ],
    idempotency: { contract: 'SAFE', detail: 're-run results in no-op or re-assert', once: [] },
    destruction: {
      boundary: 'NO',
      flags: [],
      detail: 'identity and baseline are re-asserted, never removed',
    },
    safeToRerun: true,
    driftRemediated: 'yes',
    dependsOn: [1],
  },
  {
    id: 3,
    name: 'Backplanes Up (Kernel WireGuard Planes)',
    shortName: 'Backplanes',
    layers: ['Kernel networking backplanes'],
    inputs: ['plane CIDRs + node assignments', 'key material policy', 'routing policy'],
    outputs: ['wg1/wg2/wg3 interfaces up', 'routes installed', 'plane firewall policy enforced'],
    idempotency: { contract: 'SAFE', detail: 're-assert interface config + peers', once: [] },
    destruction: { boundary: 'NO', flags: [], detail: 'rotation is explicit, see §18.3' },
    safeToRerun: true,
    driftRemediated: 'yes',
    dependsOn: [2],
  },
  {
    id: 4,
    name: 'Enrollment + Discovery (Salt)',
    shortName: 'Enrollment/Discovery',
    layers: ['Discovery & coordination (Salt)'],
    inputs: ['enrollment gating policy', 'CA policy', 'join tokens/pins', 'node attest/identity'],
    outputs: ['authenticated membership', 'peer inventory', 'role mapping', 'reachable matrix'],
    idempotency: { contract: 'SAFE', detail: 'repeatable enrollment checks', once: [] },
    destruction: { boundary: 'NO', flags: [], detail: 'revocation is explicit' },
    safeToRerun: true,
    driftRemediated: 'yes',
    optInNote: 'revocation separate',
    dependsOn: [3],
  },
  {
    id: 5,
    name: 'Platform Converge (Ansible)',
    shortName: 'Platform Converge',
    layers: ['Idempotent convergence (Ansible)'],
    inputs: ['rendered inventories', 'platform roles', 'offline repos', 'pinned payload manifests'],
    outputs: [
      'storage primitives prepared',
      'runtime deps installed',
      'services configured and bound to planes',
    ],
    idempotency: { contract: 'SAFE', detail: 'by default; drift remediation per role contract', once: [] },
    destruction: {
      boundary: 'MAYBE',
      flags: [
        'spec.orchestration.ansible.safety.allowRepartition',
        'spec.orchestration.ansible.safety.allowWipe',
      ],
      detail: 'only with explicit role flags such as allowRepartition, allowWipe',
    },
    safeToRerun: true,
    driftRemediated: 'yes',
    optInLabel: 'per-role allow flags',
    dependsOn: [4],
  },
  {
    id: 6,
    name: 'Reference Workload Bring-up (Kubernetes)',
    shortName: 'Kubernetes',
    layers: ['Workloads (Kubernetes reference)'],
    inputs: ['HA topology', 'PKI policy', 'kubeadm config', 'Cilium/Hubble config', 'registries (offline)'],
    outputs: [
      'HA control plane',
      'workers joined',
      'Cilium + Hubble healthy',
      'baseline observability online',
    ],
    idempotency: {
      contract: 'SAFE*',
      detail: 'for reconciliation steps; cluster init is ONCE',
      once: ['kubeadm-init', 'join-control-plane', 'join-worker'],
      footnote: 'Kubernetes init is a one-time action; reconciliation is repeatable.',
    },
    destruction: {
      boundary: 'MAYBE',
      flags: ['spec.kubernetes.allowReset'],
      detail: 'reset requires explicit kubernetes.allowReset=true',
    },
    safeToRerun: true,
    driftRemediated: 'yes',
    dependsOn: [5],
  },
  {
    id: 7,
    name: 'Seal + Emit',
    shortName: 'Seal/Emit',
    layers: ['Seal + provenance (rebuild anchor)'],
    inputs: ['final state inventory', 'test results', 'manifests', 'SBOM/provenance/signature policy'],
    outputs: [
      'recovery bundle',
      'signed manifests',
      'snapshot/template seals (where applicable)',
      'CI artifacts',
    ],
    idempotency: {
      contract: 'SAFE',
      detail: 're-emit consistent outputs; signatures may differ if timestamped',
      once: [],
    },
    destruction: { boundary: 'NO', flags: [], detail: 'emits artifacts only' },
    safeToRerun: true,
    driftRemediated: 'n/a',
    dependsOn: [6],
  },
];

export function stage(id: StageId): StageContract {
  return STAGES[id]!;
}

/** The stage graph (a chain 0 -> 7) as a DAG. */
export function stageDag(): Dag<StageContract> {
  const dag = new Dag<StageContract>();
  for (const s of STAGES) dag.addNode(String(s.id), s);
  for (const s of STAGES) for (const d of s.dependsOn) dag.addEdge(String(d), String(s.id));
  return dag;
}

export interface RerunRow {
  stage: StageId;
  safeToRerun: boolean;
  /** Safe except for one-time actions (the matrix's ✅*). */
  onceActions: boolean;
  driftRemediated: StageContract['driftRemediated'];
  canDestroy: boolean;
  optInFlags: FlagPath[];
  /** The row as the matrix prints it, one cell per column. */
  cells: string[];
}

export interface RerunMatrix {
  columns: string[];
  align: Array<'left' | 'center' | 'right'>;
  rows: RerunRow[];
  footnotes: string[];
}

const YES = '✅';
const NO = '❌';
const MAYBE = '⚠️';

/** The §14.2 re-run safety matrix, derived from STAGES. */
export function rerunMatrix(stages: readonly StageContract[] = STAGES): RerunMatrix {
  const rows = stages.map((s): RerunRow => {
    const onceActions = s.idempotency.contract === 'SAFE*';
    const canDestroy = s.destruction.boundary === 'MAYBE';
    const flags = canDestroy ? s.destruction.flags : [];
    const optIn = canDestroy
      ? `${YES} ${flags.length === 1 ? `\`${flags[0]!.split('.').pop()}\`` : (s.optInLabel ?? flags.join(', '))}`
      : `${NO}${s.optInNote ? ` (${s.optInNote})` : ''}`;
    const drift = { yes: YES, bounded: `${YES} (bounded)`, 'n/a': 'n/a' }[s.driftRemediated];
    return {
      stage: s.id,
      safeToRerun: s.safeToRerun,
      onceActions,
      driftRemediated: s.driftRemediated,
      canDestroy,
      optInFlags: flags,
      cells: [
        `${s.id} ${s.shortName}`,
        s.safeToRerun ? `${YES}${onceActions ? '*' : ''}` : NO,
        drift,
        canDestroy ? MAYBE : NO,
        optIn,
      ],
    };
  });
  return {
    columns: ['Stage', 'Safe to Re-run', 'Drift Remediated', 'Can Destroy', 'Requires Explicit Opt-in'],
    align: ['right', 'center', 'center', 'center', 'center'],
    rows,
    footnotes: stages.flatMap((s) => (s.idempotency.footnote ? [`\\* ${s.idempotency.footnote}`] : [])),
  };
}

/** The matrix as a Markdown table followed by its footnotes. */
export function rerunMatrixToMarkdown(matrix: RerunMatrix = rerunMatrix()): string {
  const rule = matrix.columns.map((c, i) => {
    const dashes = '-'.repeat(c.length);
    const align = matrix.align[i];
    return align === 'center' ? `:${dashes}:` : align === 'right' ? `-${dashes}:` : `${dashes}--`;
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [line(matrix.columns), `|${rule.join('|')}|`, ...matrix.rows.map((r) => line(r.cells))];
  if (matrix.footnotes.length > 0) lines.push('', ...matrix.footnotes);
  return `${lines.join('\n')}\n`;
}
