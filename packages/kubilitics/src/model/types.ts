// The world model's contract, shared by the graph, analytics, diagnosis and the MCP server.
import type { KubeObject } from '@industriverse/kube';

/** How a resource is named everywhere in kubilitics (findings, tools, graph). */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** A graph node id: `Kind/namespace/name` (`Kind//name` when cluster-scoped). */
export type NodeId = string;

export function nodeId(ref: ObjectRef): NodeId {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function refOf(id: NodeId): ObjectRef {
  const [kind = '', namespace = '', ...rest] = id.split('/');
  return namespace ? { kind, namespace, name: rest.join('/') } : { kind, name: rest.join('/') };
}

/**
 * Edges point from a dependent to what it depends on, so "what is affected by X" (the blast
 * radius) is a reverse traversal from X, and the shared cause of failing resources is their
 * lowest common ancestor along the edges.
 *   owns            owner -> owned (a Deployment is affected when its ReplicaSet's pods fail)
 *   selects         Service/PDB/NetworkPolicy -> Pod
 *   runs-on         Pod -> Node
 *   uses-config     Pod -> ConfigMap      uses-secret  Pod -> Secret
 *   claims          Pod -> PersistentVolumeClaim;  binds  PVC -> PersistentVolume;  storage-class  PV/PVC -> StorageClass
 *   routes-to       Ingress -> Service
 *   scales          HorizontalPodAutoscaler -> its target
 *   service-account Pod -> ServiceAccount
 *   endpoints       Endpoints/EndpointSlice -> Service
 */
export type EdgeKind =
  | 'owns'
  | 'selects'
  | 'runs-on'
  | 'uses-config'
  | 'uses-secret'
  | 'claims'
  | 'binds'
  | 'storage-class'
  | 'routes-to'
  | 'scales'
  | 'service-account'
  | 'endpoints';

export interface Edge {
  from: NodeId;
  to: NodeId;
  kind: EdgeKind;
  /** Set on a ConfigMap/Secret reference marked `optional: true`: its absence is no fault. */
  optional?: boolean;
}

/** One line of a snapshot's history.jsonl (and of the live feed). */
export interface WatchRecord {
  time: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/** One Prometheus range-query matrix series (snapshot metrics.json). */
export interface MetricSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A change kept by the temporal store: the JSON patch from the previous state. */
export interface Change {
  time: string;
  type: WatchRecord['type'];
  ref: ObjectRef;
  /** RFC 6902 operations from the state before to the state after (empty for ADDED/DELETED). */
  diff: { op: string; path: string; value?: unknown }[];
}

/** A diagnosis finding (issue contract: `kubilitics diagnose --json`). */
export interface Finding {
  category:
    | 'OOMKilled'
    | 'CrashLoop'
    | 'ImagePull'
    | 'MissingConfig'
    | 'Unschedulable'
    | 'NodeFailure'
    | 'NoEndpoints'
    | 'ProbeFailure'
    | 'QuotaExceeded'
    | 'VolumePending'
    | 'UpstreamDependency'
    | 'CapacityExhaustion';
  subject: ObjectRef;
  rootCause: ObjectRef;
  summary: string;
  /** 0..1 */
  confidence: number;
  evidence: {
    kind: 'event' | 'status' | 'log' | 'metric' | 'change' | 'spec';
    ref?: ObjectRef;
    detail: string;
    time?: string;
  }[];
  explanation_trace: { step: string; detail: string }[];
  severity: 'critical' | 'high' | 'medium' | 'low';
  timeToExhaustionSeconds?: number;
}

/**
 * `OK`: the diagnosis reached its conclusions (no findings means a healthy cluster).
 * `INCONCLUSIVE`: evidence of trouble that contradicts every hypothesis; never a guess.
 */
export interface DiagnosisReport {
  status: 'OK' | 'INCONCLUSIVE';
  findings: Finding[];
}

/** Graph queries (implemented in src/graph/). */
export interface GraphView {
  outgoing(id: NodeId, kinds?: EdgeKind[]): Edge[];
  incoming(id: NodeId, kinds?: EdgeKind[]): Edge[];
  /** Nodes and edges within `hops` of `id`, both directions. */
  neighbourhood(id: NodeId, hops: number): { nodes: NodeId[]; edges: Edge[] };
  /** What is affected by `id`: every node that reaches it along the edges (reverse traversal), nearest first. */
  blastRadius(id: NodeId): NodeId[];
  /** The nearest node every one of `ids` reaches along the edges (their shared dependency), if any. */
  lowestCommonAncestor(ids: NodeId[]): NodeId | undefined;
  /** The top controlling owner of a resource (Pod -> ReplicaSet -> Deployment), itself when it has none. */
  topOwner(ref: ObjectRef): ObjectRef;
}

/** Everything diagnosis, analytics and the MCP tools read: one snapshot or one live cluster, at `now`. */
export interface World {
  now: Date;
  objects(kind?: string, namespace?: string): KubeObject[];
  get(ref: ObjectRef): KubeObject | undefined;
  /** Events (core/v1 and events.k8s.io/v1) about a resource, oldest first. */
  eventsFor(ref: ObjectRef): KubeObject[];
  graph: GraphView;
  /** Changes kept in the temporal window, oldest first, optionally of one resource and/or in [since, before). */
  changes(opts?: { ref?: ObjectRef; since?: Date; before?: Date }): Change[];
  /** The state of a resource at time `t` (undefined when it did not exist). */
  stateAt(ref: ObjectRef, t: Date): KubeObject | undefined;
  metrics: MetricSeries[];
  /** A container's log text (snapshot logs/ or the live API); undefined when unknown. */
  logs(namespace: string, pod: string, container?: string): Promise<string | undefined>;
}
