// `kubedos plan`: the steps that take a cluster from what an earlier apply recorded (or from
// nothing) to the spec.
//
// Without a state every step is listed. With one, a step is listed when it is new or its inputs
// hash differs from the recorded one; changes propagate through the hashes (a step hashes what its
// configuration is made of, so a node's WireGuard change re-runs that node's stage-3 step only, and
// a new node re-runs every wg-up because each lists its peers). On top of that:
//   - stage 0 (validate, render) and stage 7 (acceptance, seal) are listed whenever anything is;
//   - a destructive step forces what it invalidates: `6/reset` every Kubernetes step,
//     `6/reset/<node>` that node's join, `5/wipe` the node's zfs and ceph steps, `5/repartition`
//     the disk's format step, replacing a node's substrate (`1/destroy-*` while the node stays) every
//     step of the node.
// Destructive steps exist only when their flag is true; otherwise a `blocked` entry names the flag
// and the change stays pending (the recorded hash is kept, so the next plan blocks it again).
import { Dag } from '@industriverse/dag';
import type { ClusterSpec } from '../api/clusterspec.ts';
import { withDefaults } from '../api/defaults.ts';
import { hashOf } from './canonical.ts';
import { NODE_ACTIONS, PROVISION_ACTION, desiredSteps, frontier, type DesiredSteps } from './steps.ts';
import type { BlockedStep, FlagPath, Plan, PlanState, StageId, Step } from './types.ts';

export interface PlanOptions {
  /** What an earlier apply recorded; only the changes since are planned. */
  state?: PlanState;
}

export function plan(spec: ClusterSpec, opts: PlanOptions = {}): Plan {
  const normalised = withDefaults(spec);
  const specHash = hashOf(normalised);
  const desired = desiredSteps(normalised, specHash);
  const cluster = normalised.metadata.name;
  if (!opts.state) {
    const after = Object.fromEntries(desired.steps.map((s) => [s.id, s.inputsHash]));
    return {
      cluster,
      specHash,
      incremental: false,
      steps: desired.steps,
      blocked: [],
      after: { specHash, steps: after },
    };
  }
  return incrementalPlan(normalised, specHash, desired, opts.state);
}

const DESTROY_ACTION: Record<string, string> = {
  [PROVISION_ACTION.proxmox]: 'destroy-vm',
  [PROVISION_ACTION.cloud]: 'destroy-instance',
  [PROVISION_ACTION.baremetal]: 'release-machine',
};

interface Recorded {
  id: string;
  stage: StageId;
  action: string;
  node?: string;
  /** Segments after the node (node steps) or after the action (cluster steps), e.g. `disk1`. */
  detail: string;
}

/** Reads a recorded step id; readState has checked its shape. */
function parseStepId(id: string): Recorded {
  const [stage, action = '', ...rest] = id.split('/');
  const nodeScoped = NODE_ACTIONS.has(action);
  return {
    id,
    stage: Number(stage) as StageId,
    action,
    node: nodeScoped ? rest[0] : undefined,
    detail: (nodeScoped ? rest.slice(1) : rest).join('/'),
  };
}

type Extra = Omit<Step, 'dependsOn' | 'inputsHash'> & { dependsOn?: string[]; inputsHash?: string };

function incrementalPlan(spec: ClusterSpec, specHash: string, desired: DesiredSteps, state: PlanState): Plan {
  const s = spec.spec;
  const flags: Record<FlagPath, boolean> = {
    'spec.substrate.allowDestroy': s.substrate.allowDestroy === true,
    'spec.orchestration.ansible.safety.allowRepartition':
      s.orchestration.ansible.safety.allowRepartition === true,
    'spec.orchestration.ansible.safety.allowWipe': s.orchestration.ansible.safety.allowWipe === true,
    'spec.kubernetes.allowReset': s.kubernetes.allowReset === true,
  };
  const recorded = state.steps;
  const inventory = new Set(s.nodes.inventory.map((n) => n.name));
  const nodeSteps = new Map<string, Step[]>();
  for (const step of desired.steps) if (step.node) push(nodeSteps, step.node, step);

  const include = new Set<string>();
  const exclude = new Set<string>();
  const replaced = new Map<string, Extra>();
  const extras: Extra[] = [];
  /** Extra dependencies of listed steps on extras (a re-join after its reset, zfs after a wipe). */
  const extraDeps = new Map<string, string[]>();
  const blocked: BlockedStep[] = [];
  /** Recorded ids whose hash an apply keeps because their change was blocked. */
  const keep = new Set<string>();

  /** The destructive step when its flag allows it, else a blocked entry and undefined. */
  const allow = (extra: Omit<Extra, 'destructive' | 'allowedBy'>, flag: FlagPath, reason: string) => {
    if (flags[flag]) return { ...extra, destructive: true, allowedBy: flag };
    blocked.push({
      id: extra.id,
      stage: extra.stage,
      ...(extra.node ? { node: extra.node } : {}),
      action: extra.action,
      flag,
      reason: `${reason}; set ${flag}: true to allow it`,
    });
    return undefined;
  };
  const gate = (extra: Omit<Extra, 'destructive' | 'allowedBy'>, flag: FlagPath, reason: string): boolean => {
    const step = allow(extra, flag, reason);
    if (step) extras.push(step);
    return step !== undefined;
  };
  const force = (id: string | undefined) => {
    if (id && desired.byId.has(id)) include.add(id);
  };
  const dependOn = (id: string, extraId: string) => push(extraDeps, id, extraId);
  /** Nodes whose machine is replaced: all their steps run from scratch. */
  const rebuilt = new Set<string>();

  // ---- Recorded steps the spec no longer has.
  const orphans = Object.keys(recorded)
    .filter((id) => !desired.byId.has(id))
    .sort(compare)
    .map(parseStepId);
  const handled = new Set<string>();
  const gone = new Map<string, Recorded[]>();
  for (const o of orphans) if (o.node !== undefined && !inventory.has(o.node)) push(gone, o.node, o);
  for (const [node, records] of [...gone].sort(([a], [b]) => compare(a, b))) {
    records.forEach((r) => handled.add(r.id));
    const provision = records.find((r) => DESTROY_ACTION[r.action]);
    if (!provision) {
      records.forEach(retire);
      continue;
    }
    const destroyed = destroyNode(
      provision,
      `node ${node} is recorded in the state but no longer in the spec`,
    );
    if (!destroyed) records.forEach((r) => keep.add(r.id));
    else if (records.some((r) => r.action.startsWith('join-') || r.action === 'runtime')) {
      // The dead node's Node object (and etcd member) goes once the machine is gone. The runtime
      // record also marks the node that ran kubeadm init, whose init step is cluster-wide.
      extras.push({
        id: `6/remove-node/${node}`,
        stage: 6,
        node,
        action: 'remove-node',
        description: `remove ${node} from Kubernetes (delete the Node and its etcd member)`,
        destructive: false,
        dependsOn: [destroyed],
      });
    }
  }

  // Kubernetes itself: a changed init or a removed cluster needs a cluster-wide reset.
  const init = desired.byId.get('6/kubeadm-init');
  const initRecord = recorded['6/kubeadm-init'];
  let clusterReset: 'none' | 'allowed' | 'blocked' = 'none';
  if (initRecord !== undefined && (!init || init.inputsHash !== initRecord)) {
    const reason = init
      ? 'the kubeadm init inputs changed (version, etcd, endpoint or networks) and init runs once'
      : 'Kubernetes is no longer in the spec';
    const ok = gate(
      {
        id: '6/reset',
        stage: 6,
        action: 'reset',
        description: init
          ? 'kubeadm reset on every node, then initialise the cluster again'
          : 'kubeadm reset on every node and removal of the Kubernetes runtime: Kubernetes is disabled',
      },
      'spec.kubernetes.allowReset',
      reason,
    );
    clusterReset = ok ? 'allowed' : 'blocked';
    if (ok) {
      for (const step of desired.steps) if (step.stage === 6) include.add(step.id);
      if (init) dependOn('6/kubeadm-init', '6/reset');
    } else {
      // No init and no join against a cluster whose init configuration is out of date.
      for (const step of desired.steps) {
        if (!step.once) continue;
        exclude.add(step.id);
        if (recorded[step.id] !== undefined) keep.add(step.id);
      }
    }
  }

  /** Outcome of a node's kubeadm reset, which also removes its Kubernetes runtime. */
  const nodeReset = new Map<string, boolean>();
  const runtimes: Recorded[] = [];
  for (const o of orphans) {
    if (handled.has(o.id)) continue;
    handled.add(o.id);
    const node = o.node;
    if (node !== undefined && o.action === 'runtime') {
      runtimes.push(o); // after the resets it may belong to
    } else if (node !== undefined && DESTROY_ACTION[o.action]) {
      // The node stays but its substrate changed: the new machine starts from scratch.
      const destroyed = destroyNode(o, `node ${node} moves to another substrate`);
      const fresh = nodeSteps.get(node) ?? [];
      if (destroyed) {
        rebuilt.add(node);
        fresh.forEach((step) => include.add(step.id));
        const join = fresh.find((step) => step.action.startsWith('join-'));
        const joined = Object.keys(recorded).some(
          (id) => id.startsWith('6/join-') && parseStepId(id).node === node,
        );
        if (join && joined) {
          const removeId = `6/remove-node/${node}`;
          extras.push({
            id: removeId,
            stage: 6,
            node,
            action: 'remove-node',
            description: `remove the old ${node} from Kubernetes before it joins again`,
            destructive: false,
            dependsOn: [destroyed],
          });
          dependOn(join.id, removeId);
        }
      } else {
        keep.add(o.id);
        fresh.filter((step) => recorded[step.id] === undefined).forEach((step) => exclude.add(step.id));
      }
    } else if (node !== undefined && o.action === 'attach-disk') {
      const disk = o.detail;
      const related = [o.id, `5/partition/${node}/${disk}`, `5/format/${node}/${disk}`].filter(
        (id) => recorded[id] !== undefined && !desired.byId.has(id),
      );
      related.forEach((id) => handled.add(id));
      const ok = gate(
        {
          id: `1/detach-disk/${node}/${disk}`,
          stage: 1,
          node,
          action: 'detach-disk',
          description: `detach and destroy ${disk} of ${node}`,
        },
        'spec.substrate.allowDestroy',
        `${disk} of ${node} is recorded in the state but no longer in the spec`,
      );
      if (!ok) related.forEach((id) => keep.add(id));
    } else if (node !== undefined && o.action === 'partition') {
      const ok = gate(
        {
          id: `5/repartition/${node}/${o.detail}`,
          stage: 5,
          node,
          action: 'repartition',
          description: `remove the partition layout of ${o.detail} on ${node} (the spec no longer partitions it)`,
        },
        'spec.orchestration.ansible.safety.allowRepartition',
        `${o.detail} of ${node} was partitioned and the spec now leaves it unpartitioned`,
      );
      if (!ok) keep.add(o.id);
    } else if (node !== undefined && o.action === 'format') {
      const id = `5/wipe/${node}/${o.detail}`;
      const ok = gate(
        {
          id,
          stage: 5,
          node,
          action: 'wipe',
          description: `wipe ${o.detail} of ${node} (the spec no longer formats it)`,
        },
        'spec.orchestration.ansible.safety.allowWipe',
        `${o.detail} of ${node} holds a filesystem or OSD the spec no longer has`,
      );
      if (ok) forceStorage(node, id);
      else keep.add(o.id);
    } else if (node !== undefined && o.action.startsWith('join-')) {
      if (clusterReset === 'allowed') continue;
      if (clusterReset === 'blocked') {
        keep.add(o.id);
        continue;
      }
      // The first control plane left and the next one, already a member, becomes the init node.
      if (o.action === 'join-control-plane' && init?.node === node) continue;
      const fresh = (nodeSteps.get(node) ?? []).find((step) => step.action.startsWith('join-'));
      const ok = gate(
        {
          id: `6/reset/${node}`,
          stage: 6,
          node,
          action: 'reset',
          description: `kubeadm reset on ${node}${fresh ? ', then join it again' : ' and remove its Kubernetes runtime'}`,
        },
        'spec.kubernetes.allowReset',
        `${node} joined Kubernetes as ${o.action === 'join-worker' ? 'a worker' : 'a control plane'} and no longer does`,
      );
      nodeReset.set(node, ok);
      if (ok && fresh) dependOn(fresh.id, `6/reset/${node}`);
      if (!ok) {
        keep.add(o.id);
        if (fresh) exclude.add(fresh.id);
      }
    } else if (o.stage === 6 && clusterReset !== 'none') {
      if (clusterReset === 'blocked') keep.add(o.id);
    } else {
      retire(o);
    }
  }
  // A node's container runtime goes with its reset (kubeadm reset needs it first), or stays while
  // the reset is blocked.
  for (const o of runtimes) {
    const reset = clusterReset === 'none' ? nodeReset.get(o.node!) : clusterReset === 'allowed';
    if (reset === undefined) retire(o);
    else if (!reset) keep.add(o.id);
  }

  // ---- Steps that are new or whose inputs changed.
  for (const step of desired.steps) {
    const was = recorded[step.id];
    if (was === step.inputsHash || exclude.has(step.id)) continue;
    if ((step.stage === 6 && clusterReset === 'allowed') || (step.node && rebuilt.has(step.node))) continue;
    if (was === undefined || step.stage === 0 || step.stage === 7) {
      include.add(step.id);
      continue;
    }
    const node = step.node!;
    if (step.once && step.action !== 'kubeadm-init') {
      const resetId = `6/reset/${node}`;
      const ok = gate(
        {
          id: resetId,
          stage: 6,
          node,
          action: 'reset',
          description: `kubeadm reset on ${node}, then join it again`,
        },
        'spec.kubernetes.allowReset',
        `the join inputs of ${node} changed (endpoint, version or address) and a join runs once`,
      );
      if (ok) {
        include.add(step.id);
        dependOn(step.id, resetId);
      } else keep.add(step.id);
    } else if (step.action === 'kubeadm-init') {
      // Handled with the cluster reset above.
    } else if (step.action === 'partition') {
      const disk = step.id.split('/')[3]!;
      const replacement = allow(
        {
          id: `5/repartition/${node}/${disk}`,
          stage: 5,
          node,
          action: 'repartition',
          description: `repartition ${disk} of ${node}: ${step.description.replace(/^[^:]*: /, '')}`,
        },
        'spec.orchestration.ansible.safety.allowRepartition',
        `${disk} of ${node} changed size or layout after it was partitioned`,
      );
      if (replacement) {
        replaced.set(step.id, replacement);
        include.add(step.id);
        force(`5/format/${node}/${disk}`);
      } else keep.add(step.id);
    } else if (step.action === 'format') {
      const disk = step.id.split('/')[3]!;
      const replacement = allow(
        {
          id: `5/wipe/${node}/${disk}`,
          stage: 5,
          node,
          action: 'wipe',
          description: `wipe ${disk} of ${node} and format it again: ${step.description.replace(/^[^:]*: /, '')}`,
        },
        'spec.orchestration.ansible.safety.allowWipe',
        `${disk} of ${node} changes use (purpose or filesystem) after it was formatted`,
      );
      if (replacement) {
        replaced.set(step.id, replacement);
        include.add(step.id);
        forceStorage(node);
      } else keep.add(step.id);
    } else {
      include.add(step.id);
    }
  }
  for (const id of exclude) include.delete(id);
  for (const id of keep) include.delete(id);
  if (include.size > 0 || extras.length > 0) {
    for (const step of desired.steps) if (step.stage === 0 || step.stage === 7) include.add(step.id);
  }

  const steps = assemble(desired, include, replaced, extras, extraDeps);
  const afterSteps: Record<string, string> = {};
  for (const step of desired.steps) {
    if (keep.has(step.id) || exclude.has(step.id)) {
      if (recorded[step.id] !== undefined) afterSteps[step.id] = recorded[step.id]!;
    } else afterSteps[step.id] = step.inputsHash;
  }
  for (const id of keep) if (recorded[id] !== undefined) afterSteps[id] = recorded[id]!;
  blocked.sort((a, b) => a.stage - b.stage || compare(a.id, b.id));
  return {
    cluster: spec.metadata.name,
    specHash,
    incremental: true,
    steps,
    blocked,
    after: { specHash, steps: sortKeys(afterSteps) },
  };

  function destroyNode(provision: Recorded, why: string): string | undefined {
    const node = provision.node!;
    const action = DESTROY_ACTION[provision.action]!;
    const id = `1/${action}/${node}`;
    const what = {
      'destroy-vm': 'the VM',
      'destroy-instance': 'the instance',
      'release-machine': 'the machine',
    }[action];
    const ok = gate(
      { id, stage: 1, node, action, description: `destroy ${what} of ${node}` },
      'spec.substrate.allowDestroy',
      why,
    );
    return ok ? id : undefined;
  }

  function forceStorage(node: string, cause?: string) {
    for (const id of [`5/zfs/${node}`, `5/ceph/${node}`]) {
      if (!desired.byId.has(id)) continue;
      force(id);
      if (cause) dependOn(id, cause);
    }
  }

  function retire(o: Recorded) {
    const rest = o.id.split('/').slice(1).join('/');
    extras.push({
      id: `${o.stage}/retire/${rest}`,
      stage: o.stage,
      ...(o.node !== undefined && inventory.has(o.node) ? { node: o.node } : {}),
      action: 'retire',
      description: `retire ${o.id}: no longer in the spec`,
      destructive: false,
    });
  }
}

/**
 * The listed steps in topological order. A listed step depends on its nearest listed ancestors in
 * the full graph (steps already applied are skipped over, so the §14.3 order still holds) and on
 * the extra steps of earlier stages of its node (all of them for a cluster-wide step); a
 * replacement takes the place of the step it replaces; an extra step without explicit dependencies
 * follows every earlier-stage step of its node, or, cluster-wide, every earlier stage.
 */
function assemble(
  desired: DesiredSteps,
  include: ReadonlySet<string>,
  replaced: ReadonlyMap<string, Extra>,
  extras: readonly Extra[],
  extraDeps: ReadonlyMap<string, string[]>,
): Step[] {
  const memo = new Map<string, string[]>();
  const nearest = (id: string): string[] => {
    if (include.has(id)) return [replaced.get(id)?.id ?? id];
    let out = memo.get(id);
    if (!out) {
      out = unique(desired.byId.get(id)!.dependsOn.flatMap(nearest));
      memo.set(id, out);
    }
    return out;
  };
  const listed: Step[] = [];
  const added: Step[] = [];
  for (let stage = 0; stage <= 7; stage++) {
    for (const step of desired.steps) {
      if (step.stage !== stage || !include.has(step.id)) continue;
      const replacement = replaced.get(step.id);
      const dependsOn = unique([
        ...step.dependsOn.flatMap(nearest),
        ...(extraDeps.get(step.id) ?? []),
        ...added
          .filter((e) => e.stage < stage && (step.node === undefined || e.node === step.node))
          .map((e) => e.id),
      ]);
      listed.push(
        replacement
          ? { ...replacement, dependsOn, inputsHash: step.inputsHash }
          : { ...step, dependsOn: step.id === '7/acceptance' ? frontier(listed, 7) : dependsOn },
      );
    }
    for (const extra of extras) {
      if (extra.stage !== stage) continue;
      const earlier = listed.filter((l) => l.stage < stage);
      const dependsOn =
        extra.dependsOn ??
        (extra.node !== undefined
          ? unique([
              ...earlier.filter((l) => l.stage === 0 && l.action === 'render').map((l) => l.id),
              ...earlier.filter((l) => l.node === extra.node).map((l) => l.id),
            ])
          : frontier(listed, stage as StageId));
      const step = { ...extra, dependsOn, inputsHash: extra.inputsHash ?? hashOf({ id: extra.id }) };
      listed.push(step);
      added.push(step);
    }
  }
  const dag = new Dag<Step>();
  for (const step of listed) dag.addNode(step.id, step);
  for (const step of listed) for (const d of step.dependsOn) dag.addEdge(d, step.id);
  return dag.topoOrder().map((id) => dag.get(id));
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** Byte order, independent of locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort(compare)
      .map((k) => [k, record[k]!]),
  );
}
