// Synthetic clusters shaped as the API returns them: Nodes, workloads with their ReplicaSets and
// pods (ownerReferences, container statuses with the kubelet's reasons and messages), Services
// with Endpoints, Events, claims, quotas; plus history, metrics and logs. The scenario suite's
// fixtures and the 5,000-pod benchmark snapshot are built with it. Deterministic: names, uids and
// addresses derive from the objects' names, never from a random source.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { rfc3339, type KubeObject } from '@industriverse/kube';
import type { Finding, MetricSeries, ObjectRef, WatchRecord } from '../model/types.ts';

type Json = Record<string, unknown>;

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** A uid as the apiserver prints it, stable for one object name. */
export function uidOf(key: string): string {
  const h = digest(key);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The suffix alphabet of generated names (no vowels, as in k8s.io/apiserver's names.SimpleNameGenerator). */
const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';
function suffix(key: string, n: number): string {
  const h = digest(key);
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHANUM[parseInt(h.slice(i * 2, i * 2 + 2), 16) % ALPHANUM.length];
  return out;
}

function ipOf(key: string, prefix: string): string {
  const h = digest(key);
  return `${prefix}.${parseInt(h.slice(0, 2), 16)}.${(parseInt(h.slice(2, 4), 16) % 253) + 2}`;
}

export interface ContainerSpec {
  name: string;
  image: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  env?: Json[];
  envFrom?: Json[];
  volumeMounts?: Json[];
  readinessProbe?: Json;
  livenessProbe?: Json;
  ports?: number[];
}

export interface WorkloadSpec {
  kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  namespace: string;
  name: string;
  replicas?: number;
  containers?: ContainerSpec[];
  volumes?: Json[];
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  /** Minutes ago it was created (default 3 days). */
  createdMinutesAgo?: number;
}

export interface Workload {
  object: KubeObject;
  /** The ReplicaSet of a Deployment; the object itself for a StatefulSet or DaemonSet. */
  owner: KubeObject;
  spec: WorkloadSpec & { containers: ContainerSpec[]; labels: Record<string, string> };
}

/** The kubelet's view of one container, from which its status is written. */
export type ContainerRun =
  | { state: 'running'; ready?: boolean; restarts?: number; last?: Termination; startedMinutesAgo?: number }
  | { state: 'crashloop'; restarts: number; last: Termination }
  | { state: 'waiting'; reason: string; message: string; restarts?: number; last?: Termination }
  | { state: 'creating' }
  | { state: 'terminated'; reason: string; exitCode: number; finishedMinutesAgo: number };

export interface Termination {
  reason: string;
  exitCode: number;
  /** Minutes ago the container exited. */
  finishedMinutesAgo: number;
  /** Seconds it ran before exiting (default 20). */
  ranSeconds?: number;
}

export interface PodSpec {
  node?: string;
  /** Per container, in the order of the workload's containers (default: running and ready). */
  runs?: ContainerRun[];
  /** Pending pods: the scheduler's message (PodScheduled=False, Unschedulable). */
  unschedulable?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** Failed pods: status.reason and message (Evicted). */
  reason?: string;
  message?: string;
  createdMinutesAgo?: number;
  /** Ready=False set by the node lifecycle controller (its node stopped reporting). */
  nodeLost?: boolean;
  name?: string;
  labels?: Record<string, string>;
}

export interface EventSpec {
  type?: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count?: number;
  firstMinutesAgo?: number;
  lastMinutesAgo?: number;
  component?: string;
}

/** A cluster being assembled at a fixed `now`; `write` turns it into a snapshot folder. */
export class SyntheticCluster {
  readonly now: Date;
  readonly objects: KubeObject[] = [];
  readonly history: WatchRecord[] = [];
  readonly metrics: MetricSeries[] = [];
  readonly logs = new Map<string, string>();
  private rv = 1000;

  constructor(now: Date) {
    this.now = now;
  }

  /** RFC 3339 time `minutes` before now. */
  ago(minutes: number): string {
    return rfc3339(new Date(this.now.getTime() - minutes * 60_000));
  }

  add<T extends KubeObject>(obj: T): T {
    this.objects.push(obj);
    return obj;
  }

  meta(
    kind: string,
    namespace: string | undefined,
    name: string,
    createdMinutesAgo = 3 * 24 * 60,
    extra: Json = {},
  ): KubeObject['metadata'] {
    return {
      name,
      ...(namespace && { namespace }),
      uid: uidOf(`${kind}/${namespace ?? ''}/${name}`),
      resourceVersion: String(this.rv++),
      creationTimestamp: this.ago(createdMinutesAgo),
      ...extra,
    };
  }

  /** A Namespace, with the kube-root-ca.crt ConfigMap every namespace gets. */
  namespace(name: string): KubeObject {
    this.configMap(
      name,
      'kube-root-ca.crt',
      { 'ca.crt': '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n' },
      30 * 24 * 60,
    );
    return this.add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: this.meta('Namespace', undefined, name, 30 * 24 * 60, {
        labels: { 'kubernetes.io/metadata.name': name },
      }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  node(
    name: string,
    opts: {
      ready?: 'True' | 'False' | 'Unknown';
      reason?: string;
      message?: string;
      sinceMinutesAgo?: number;
      pressure?: { type: string; reason: string; message: string };
      cpu?: string;
      memory?: string;
      taints?: Json[];
      role?: string;
    } = {},
  ): KubeObject {
    const ready = opts.ready ?? 'True';
    const since = this.ago(opts.sinceMinutesAgo ?? 5 * 24 * 60);
    const heartbeat = ready === 'Unknown' ? since : this.ago(0.5);
    const cond = (type: string, status: string, reason: string, message: string, at = since) => ({
      type,
      status,
      lastHeartbeatTime: heartbeat,
      lastTransitionTime: at,
      reason,
      message,
    });
    const unknown = ready === 'Unknown';
    const pressure = (type: string, okReason: string, okMessage: string) =>
      opts.pressure?.type === type
        ? cond(
            type,
            'True',
            opts.pressure.reason,
            opts.pressure.message,
            this.ago(opts.sinceMinutesAgo ?? 20),
          )
        : unknown
          ? cond(type, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.')
          : cond(type, 'False', okReason, okMessage, this.ago(5 * 24 * 60));
    const taints = [...(opts.taints ?? [])];
    if (ready === 'Unknown')
      taints.push(
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: since },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: since },
      );
    if (ready === 'False')
      taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: since });
    const cpu = opts.cpu ?? '4';
    const memory = opts.memory ?? '16Gi';
    return this.add({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: this.meta('Node', undefined, name, 5 * 24 * 60, {
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          [`node-role.kubernetes.io/${opts.role ?? 'worker'}`]: '',
          'topology.kubernetes.io/zone': `zone-${suffix(name, 1)}`,
        },
        annotations: {
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      }),
      spec: {
        podCIDR: `10.244.${parseInt(digest(name).slice(0, 2), 16)}.0/24`,
        ...(taints.length && { taints }),
      },
      status: {
        capacity: { cpu, memory, pods: '110', 'ephemeral-storage': '100Gi' },
        allocatable: { cpu, memory, pods: '110', 'ephemeral-storage': '95Gi' },
        conditions: [
          pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          ready === 'True'
            ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
            : cond(
                'Ready',
                ready,
                opts.reason ?? (unknown ? 'NodeStatusUnknown' : 'KubeletNotReady'),
                opts.message ??
                  (unknown ? 'Kubelet stopped posting node status.' : 'container runtime is down'),
              ),
        ],
        addresses: [
          { type: 'InternalIP', address: ipOf(name, '10.0') },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          architecture: 'amd64',
          containerRuntimeVersion: 'containerd://1.7.22',
          kernelVersion: '6.1.0-25-amd64',
          kubeProxyVersion: 'v1.31.8',
          kubeletVersion: 'v1.31.8',
          operatingSystem: 'linux',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
        },
      },
    });
  }

  /** A Deployment (with its current ReplicaSet), StatefulSet or DaemonSet; pods are added with `pod`. */
  workload(spec: WorkloadSpec, status: { ready?: number; conditions?: Json[] } = {}): Workload {
    const kind = spec.kind ?? 'Deployment';
    const labels = spec.labels ?? { app: spec.name };
    const containers = spec.containers ?? [
      { name: spec.name, image: `registry.example.com/${spec.name}:1.4.2` },
    ];
    const replicas = spec.replicas ?? 2;
    const created = spec.createdMinutesAgo ?? 3 * 24 * 60;
    const template = {
      metadata: { labels: { ...labels } },
      spec: {
        containers: containers.map(containerJson),
        ...(spec.volumes && { volumes: spec.volumes }),
        ...(spec.nodeSelector && { nodeSelector: spec.nodeSelector }),
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        securityContext: {},
      },
    };
    const ready = status.ready ?? replicas;
    const apiVersion = 'apps/v1';
    const base = {
      apiVersion,
      kind,
      metadata: this.meta(kind, spec.namespace, spec.name, created, {
        generation: 1,
        labels: { ...labels },
        ...(kind === 'Deployment' && { annotations: { 'deployment.kubernetes.io/revision': '1' } }),
      }),
    };
    const full = { ...spec, kind, labels, containers, replicas };
    if (kind === 'DaemonSet') {
      const ds = this.add({
        ...base,
        spec: { selector: { matchLabels: labels }, template, updateStrategy: { type: 'RollingUpdate' } },
        status: {
          currentNumberScheduled: replicas,
          desiredNumberScheduled: replicas,
          numberAvailable: ready,
          numberReady: ready,
          numberMisscheduled: 0,
          observedGeneration: 1,
          updatedNumberScheduled: replicas,
        },
      });
      return { object: ds, owner: ds, spec: full };
    }
    if (kind === 'StatefulSet') {
      const sts = this.add({
        ...base,
        spec: {
          replicas,
          selector: { matchLabels: labels },
          serviceName: spec.name,
          template,
          podManagementPolicy: 'OrderedReady',
        },
        status: {
          replicas,
          readyReplicas: ready,
          availableReplicas: ready,
          currentReplicas: replicas,
          updatedReplicas: replicas,
          observedGeneration: 1,
          currentRevision: `${spec.name}-${suffix(spec.name, 10)}`,
        },
      });
      return { object: sts, owner: sts, spec: full };
    }
    const hash = suffix(`${spec.namespace}/${spec.name}/template`, 10);
    const available = ready >= replicas;
    const deploy = this.add({
      ...base,
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        ...(ready && { readyReplicas: ready, availableReplicas: ready }),
        ...(ready < replicas && { unavailableReplicas: replicas - ready }),
        conditions: status.conditions ?? [
          {
            type: 'Available',
            status: available ? 'True' : 'False',
            reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            message: available
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
            lastUpdateTime: this.ago(created),
            lastTransitionTime: this.ago(created),
          },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${spec.name}-${hash}" has successfully progressed.`,
            lastUpdateTime: this.ago(created),
            lastTransitionTime: this.ago(created),
          },
        ],
      },
    });
    const rsName = `${spec.name}-${hash}`;
    const rs = this.add({
      apiVersion,
      kind: 'ReplicaSet',
      metadata: this.meta('ReplicaSet', spec.namespace, rsName, created, {
        generation: 1,
        labels: { ...labels, 'pod-template-hash': hash },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
          'deployment.kubernetes.io/revision': '1',
        },
        ownerReferences: [ownerRef(deploy)],
      }),
      spec: {
        replicas,
        selector: { matchLabels: { ...labels, 'pod-template-hash': hash } },
        template: { ...template, metadata: { labels: { ...labels, 'pod-template-hash': hash } } },
      },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        observedGeneration: 1,
        ...(ready && { readyReplicas: ready, availableReplicas: ready }),
      },
    });
    return { object: deploy, owner: rs, spec: full };
  }

  /** A pod of a workload (index picks its name), with the kubelet's status for each container. */
  pod(w: Workload, index: number, p: PodSpec = {}): KubeObject {
    const { namespace, containers, labels } = w.spec;
    const owner = w.owner;
    const name =
      p.name ??
      (owner.kind === 'StatefulSet'
        ? `${owner.metadata.name}-${index}`
        : `${owner.metadata.name}-${suffix(`${owner.metadata.name}/${index}`, 5)}`);
    const created = p.createdMinutesAgo ?? w.spec.createdMinutesAgo ?? 3 * 24 * 60;
    const podLabels = { ...labels, ...p.labels };
    if (owner.kind === 'ReplicaSet')
      podLabels['pod-template-hash'] = owner.metadata.labels!['pod-template-hash']!;
    if (owner.kind === 'StatefulSet') {
      podLabels['statefulset.kubernetes.io/pod-name'] = name;
      podLabels['apps.kubernetes.io/pod-index'] = String(index);
    }
    const meta = this.meta('Pod', namespace, name, created, {
      generateName: owner.kind === 'StatefulSet' ? undefined : `${owner.metadata.name}-`,
      labels: podLabels,
      ownerReferences: [ownerRef(owner)],
    });
    if (!meta.generateName) delete meta.generateName;
    const volumes = [
      ...(((owner.spec as Json).template as { spec: { volumes?: Json[] } }).spec.volumes ?? []),
      {
        name: `kube-api-access-${suffix(name, 5)}`,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [
                  { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                ],
              },
            },
          ],
        },
      },
    ];
    const spec: Json = {
      containers: containers.map(containerJson),
      volumes,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      ...(p.node && { nodeName: p.node }),
      ...(w.spec.nodeSelector && { nodeSelector: w.spec.nodeSelector }),
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    };
    return this.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta,
      spec,
      status: this.podStatus(name, namespace, meta.uid!, containers, created, p),
    });
  }

  private podStatus(
    name: string,
    namespace: string,
    uid: string,
    containers: ContainerSpec[],
    created: number,
    p: PodSpec,
  ): Json {
    const createdAt = this.ago(created);
    const scheduledAt = this.ago(created - 0.05);
    if (p.unschedulable !== undefined)
      return {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            lastProbeTime: null,
            lastTransitionTime: createdAt,
            reason: 'Unschedulable',
            message: p.unschedulable,
          },
        ],
        qosClass: 'Burstable',
      };
    const runs = containers.map((_, i) => p.runs?.[i] ?? ({ state: 'running' } as ContainerRun));
    const statuses = containers.map((c, i) =>
      this.containerStatus(c, runs[i]!, name, namespace, uid, created),
    );
    const allReady = !p.nodeLost && statuses.every((s) => s.ready);
    const phase =
      p.phase ??
      (runs.every((r) => r.state === 'creating' || (r.state === 'waiting' && !r.last && !r.restarts))
        ? 'Pending'
        : 'Running');
    const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
    const readyTransition = p.nodeLost
      ? this.ago(Math.min(created, 10))
      : this.ago(Math.min(created - 0.2, lastChange(runs)));
    const readyMessage = p.nodeLost ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
    const cond = (type: string, ok: boolean, at: string, reason?: string, message?: string) => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: at,
      ...(reason && { reason }),
      ...(message && { message }),
    });
    const started =
      runs.some((r) => r.state !== 'creating' && r.state !== 'waiting') ||
      runs.some((r) => 'last' in r && r.last);
    return {
      phase,
      ...(p.reason && { reason: p.reason }),
      ...(p.message && { message: p.message }),
      conditions: [
        cond('PodReadyToStartContainers', started || phase === 'Running', scheduledAt),
        cond('Initialized', true, scheduledAt),
        p.nodeLost
          ? {
              type: 'Ready',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: readyTransition,
              reason: 'NodeNotReady',
            }
          : cond(
              'Ready',
              allReady,
              readyTransition,
              allReady ? undefined : 'ContainersNotReady',
              allReady ? undefined : readyMessage,
            ),
        cond(
          'ContainersReady',
          allReady,
          readyTransition,
          allReady ? undefined : 'ContainersNotReady',
          allReady ? undefined : readyMessage,
        ),
        cond('PodScheduled', true, scheduledAt),
      ],
      hostIP: ipOf(p.node ?? '', '10.0'),
      hostIPs: [{ ip: ipOf(p.node ?? '', '10.0') }],
      podIP: ipOf(`${namespace}/${name}`, '10.244'),
      podIPs: [{ ip: ipOf(`${namespace}/${name}`, '10.244') }],
      startTime: scheduledAt,
      containerStatuses: statuses,
      qosClass: containers.every((c) => c.limits && c.requests) ? 'Guaranteed' : 'Burstable',
    };
  }

  private containerStatus(
    c: ContainerSpec,
    run: ContainerRun,
    pod: string,
    ns: string,
    uid: string,
    created: number,
  ): Json & { name: string; ready: boolean } {
    const image = c.image.includes('/') ? c.image : `docker.io/library/${c.image}`;
    const base = {
      name: c.name,
      image,
      imageID:
        run.state === 'running' || run.state === 'crashloop'
          ? `${image.split(':')[0]}@sha256:${digest(c.image)}`
          : '',
      containerID:
        run.state === 'running' || run.state === 'crashloop'
          ? `containerd://${digest(pod + c.name)}`
          : undefined,
      started: run.state === 'running',
    };
    const terminated = (t: Termination) => ({
      terminated: {
        exitCode: t.exitCode,
        reason: t.reason,
        startedAt: this.ago(t.finishedMinutesAgo + (t.ranSeconds ?? 20) / 60),
        finishedAt: this.ago(t.finishedMinutesAgo),
        containerID: `containerd://${digest(`${pod}${c.name}${t.finishedMinutesAgo}`)}`,
      },
    });
    switch (run.state) {
      case 'running':
        return {
          ...base,
          ready: run.ready ?? true,
          restartCount: run.restarts ?? 0,
          state: { running: { startedAt: this.ago(run.startedMinutesAgo ?? created - 0.1) } },
          lastState: run.last ? terminated(run.last) : {},
        };
      case 'crashloop':
        return {
          ...base,
          ready: false,
          restartCount: run.restarts,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 5m0s restarting failed container=${c.name} pod=${pod}_${ns}(${uid})`,
            },
          },
          lastState: terminated(run.last),
        };
      case 'waiting':
        return {
          ...base,
          ready: false,
          restartCount: run.restarts ?? 0,
          state: { waiting: { reason: run.reason, message: run.message } },
          lastState: run.last ? terminated(run.last) : {},
        };
      case 'creating':
        return {
          ...base,
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
          lastState: {},
        };
      case 'terminated':
        return {
          ...base,
          ready: false,
          restartCount: 0,
          state: terminated({
            reason: run.reason,
            exitCode: run.exitCode,
            finishedMinutesAgo: run.finishedMinutesAgo,
          }),
          lastState: {},
        };
    }
  }

  /** A core/v1 Event about `about`, as the kubelet, scheduler or a controller records it. */
  event(about: KubeObject, e: EventSpec): KubeObject {
    const last = e.lastMinutesAgo ?? 1;
    const first = e.firstMinutesAgo ?? last;
    const name = `${about.metadata.name}.${digest(`${about.metadata.name}${e.reason}${e.message}`).slice(0, 16)}`;
    const component = e.component ?? componentOf(e.reason);
    return this.add({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: this.meta('Event', about.metadata.namespace ?? 'default', name, first),
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        ...(about.metadata.namespace && { namespace: about.metadata.namespace }),
        name: about.metadata.name,
        uid: about.metadata.uid,
        resourceVersion: about.metadata.resourceVersion,
        ...(about.kind === 'Pod' && {
          fieldPath: `spec.containers{${((about.spec as Json).containers as Json[])[0]!.name}}`,
        }),
      },
      reason: e.reason,
      message: e.message,
      source: { component, ...(component === 'kubelet' && { host: (about.spec as Json).nodeName }) },
      firstTimestamp: this.ago(first),
      lastTimestamp: this.ago(last),
      count: e.count ?? 1,
      type: e.type ?? 'Warning',
      eventTime: null,
      reportingComponent: component,
      reportingInstance: component === 'kubelet' ? ((about.spec as Json).nodeName as string) : '',
    });
  }

  service(
    namespace: string,
    name: string,
    selector: Record<string, string> | undefined,
    opts: { port?: number; targetPort?: number; clusterIP?: string } = {},
  ): KubeObject {
    const clusterIP = opts.clusterIP ?? ipOf(`${namespace}/${name}`, '10.96');
    const port = opts.port ?? 80;
    const targetPort = opts.targetPort ?? 8080;
    return this.add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta('Service', namespace, name, 3 * 24 * 60, { labels: { app: name } }),
      spec: {
        type: 'ClusterIP',
        clusterIP,
        clusterIPs: [clusterIP],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
        sessionAffinity: 'None',
        ports: [{ name: 'http', port, protocol: 'TCP', targetPort }],
        ...(selector && { selector }),
      },
      status: { loadBalancer: {} },
    });
  }

  /** The Endpoints the endpoints controller writes for a Service from the pods it selects. */
  endpoints(svc: KubeObject, pods: KubeObject[]): KubeObject {
    const ports = ((svc.spec as Json).ports as { name: string; targetPort: number }[]).map((p) => ({
      name: p.name,
      port: p.targetPort,
      protocol: 'TCP',
    }));
    const address = (p: KubeObject) => ({
      ip: (p.status as Json).podIP,
      nodeName: (p.spec as Json).nodeName,
      targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    });
    const isReady = (p: KubeObject) =>
      ((p.status as Json).conditions as { type: string; status: string }[] | undefined)?.some(
        (c) => c.type === 'Ready' && c.status === 'True',
      );
    const ready = pods.filter(isReady).map(address);
    const notReady = pods
      .filter((p) => !isReady(p) && (p.status as Json).podIP && (p.spec as Json).nodeName)
      .map(address);
    return this.add({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: this.meta('Endpoints', svc.metadata.namespace, svc.metadata.name!, 3 * 24 * 60, {
        labels: { app: svc.metadata.name! },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': this.ago(5) },
      }),
      ...(ready.length || notReady.length
        ? {
            subsets: [
              {
                ...(ready.length && { addresses: ready }),
                ...(notReady.length && { notReadyAddresses: notReady }),
                ports,
              },
            ],
          }
        : {}),
    });
  }

  configMap(
    namespace: string,
    name: string,
    data: Record<string, string>,
    createdMinutesAgo?: number,
  ): KubeObject {
    return this.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: this.meta('ConfigMap', namespace, name, createdMinutesAgo),
      data,
    });
  }

  secret(namespace: string, name: string, keys: string[]): KubeObject {
    return this.add({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: this.meta('Secret', namespace, name),
      type: 'Opaque',
      data: Object.fromEntries(keys.map((k) => [k, Buffer.from(`${k}-value`).toString('base64')])),
    });
  }

  pvc(
    namespace: string,
    name: string,
    opts: { storageClass?: string; size?: string; bound?: boolean; createdMinutesAgo?: number } = {},
  ): KubeObject {
    const size = opts.size ?? '10Gi';
    const volume = `pvc-${uidOf(`pv/${namespace}/${name}`)}`;
    return this.add({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: this.meta('PersistentVolumeClaim', namespace, name, opts.createdMinutesAgo, {
        finalizers: ['kubernetes.io/pvc-protection'],
        ...(opts.bound && {
          annotations: {
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
          },
        }),
      }),
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: size } },
        ...(opts.storageClass !== undefined && { storageClassName: opts.storageClass }),
        volumeMode: 'Filesystem',
        ...(opts.bound && { volumeName: volume }),
      },
      status: opts.bound
        ? { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } }
        : { phase: 'Pending' },
    });
  }

  storageClass(name: string, provisioner = 'ebs.csi.aws.com', binding = 'WaitForFirstConsumer'): KubeObject {
    return this.add({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: this.meta('StorageClass', undefined, name, 30 * 24 * 60, {
        annotations: {
          'storageclass.kubernetes.io/is-default-class': name === 'standard' ? 'true' : 'false',
        },
      }),
      provisioner,
      reclaimPolicy: 'Delete',
      volumeBindingMode: binding,
      allowVolumeExpansion: true,
    });
  }

  resourceQuota(
    namespace: string,
    name: string,
    hard: Record<string, string>,
    used: Record<string, string>,
  ): KubeObject {
    return this.add({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: this.meta('ResourceQuota', namespace, name),
      spec: { hard },
      status: { hard, used },
    });
  }

  /** A Job and its pods (the first `failed` of them Failed with exit code 1), complete or failed. */
  job(
    namespace: string,
    name: string,
    opts: {
      failed: number;
      succeeded: number;
      outcome: 'Complete' | 'Failed';
      finishedMinutesAgo: number;
      image?: string;
      node?: string;
    },
  ): { job: KubeObject; pods: KubeObject[] } {
    const finished = this.ago(opts.finishedMinutesAgo);
    const labels = { 'batch.kubernetes.io/job-name': name, 'job-name': name };
    const spec = {
      backoffLimit: 6,
      completions: 1,
      parallelism: 1,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uidOf(`Job/${namespace}/${name}`) } },
      template: {
        metadata: { labels },
        spec: {
          containers: [containerJson({ name, image: opts.image ?? `registry.example.com/${name}:2.0.0` })],
          restartPolicy: 'Never',
        },
      },
    };
    const job = this.add({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: this.meta('Job', namespace, name, opts.finishedMinutesAgo + 10, { labels }),
      spec,
      status: {
        startTime: this.ago(opts.finishedMinutesAgo + 10),
        ...(opts.outcome === 'Complete' && { completionTime: finished }),
        ...(opts.failed && { failed: opts.failed }),
        ...(opts.succeeded && { succeeded: opts.succeeded }),
        terminating: 0,
        ready: 0,
        uncountedTerminatedPods: {},
        conditions:
          opts.outcome === 'Complete'
            ? [
                {
                  type: 'SuccessCriteriaMet',
                  status: 'True',
                  lastProbeTime: finished,
                  lastTransitionTime: finished,
                  reason: 'CompletionsReached',
                  message: 'Reached expected number of succeeded pods',
                },
                {
                  type: 'Complete',
                  status: 'True',
                  lastProbeTime: finished,
                  lastTransitionTime: finished,
                  reason: 'CompletionsReached',
                  message: 'Reached expected number of succeeded pods',
                },
              ]
            : [
                {
                  type: 'FailureTarget',
                  status: 'True',
                  lastProbeTime: finished,
                  lastTransitionTime: finished,
                  reason: 'BackoffLimitExceeded',
                  message: 'Job has reached the specified backoff limit',
                },
                {
                  type: 'Failed',
                  status: 'True',
                  lastProbeTime: finished,
                  lastTransitionTime: finished,
                  reason: 'BackoffLimitExceeded',
                  message: 'Job has reached the specified backoff limit',
                },
              ],
      },
    });
    const w: Workload = {
      object: job,
      owner: job,
      spec: {
        namespace,
        name,
        labels,
        containers: [{ name, image: opts.image ?? `registry.example.com/${name}:2.0.0` }],
        createdMinutesAgo: opts.finishedMinutesAgo + 10,
      },
    };
    const total = opts.failed + opts.succeeded;
    const pods: KubeObject[] = [];
    for (let i = 0; i < total; i++) {
      const failed = i < opts.failed;
      const at = opts.finishedMinutesAgo + (total - i - 1) * 1.5;
      const pod = this.pod(w, i, {
        name: `${name}-${suffix(`${name}/${i}`, 5)}`,
        node: opts.node ?? 'worker-1',
        phase: failed ? 'Failed' : 'Succeeded',
        runs: [
          {
            state: 'terminated',
            reason: failed ? 'Error' : 'Completed',
            exitCode: failed ? 1 : 0,
            finishedMinutesAgo: at,
          },
        ],
        createdMinutesAgo: at + 1,
      });
      (pod.spec as Json).restartPolicy = 'Never';
      pods.push(pod);
    }
    return { job, pods };
  }

  /** A watch record in history.jsonl: the object as it was `minutesAgo`. */
  record(type: WatchRecord['type'], object: KubeObject, minutesAgo: number): void {
    this.history.push({ time: this.ago(minutesAgo), type, object: structuredClone(object) });
  }

  /** A gauge sampled every `stepSeconds` over `minutes` up to now; `value(t)` gets minutes before now. */
  series(
    labels: Record<string, string>,
    minutes: number,
    stepSeconds: number,
    value: (minutesAgo: number) => number,
  ): void {
    const end = Math.floor(this.now.getTime() / 1000);
    const values: [number, string][] = [];
    for (let t = end - minutes * 60; t <= end; t += stepSeconds)
      values.push([t, String(Math.round(value((end - t) / 60)))]);
    this.metrics.push({ metric: labels, values });
  }

  log(namespace: string, pod: string, container: string, lines: string[]): void {
    this.logs.set(`${namespace}/${pod}/${container}`, lines.join('\n') + '\n');
  }

  /** Writes the snapshot folder: resources.yaml (multi-document YAML, or a JSON `v1 List` when `json`), history.jsonl, metrics.json, logs/, now. */
  async write(dir: string, opts: { json?: boolean } = {}): Promise<void> {
    await mkdir(dir, { recursive: true });
    const resources = opts.json
      ? JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: '' },
          items: this.objects,
        })
      : this.objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
    await writeFile(join(dir, 'resources.yaml'), resources);
    if (this.history.length)
      await writeFile(
        join(dir, 'history.jsonl'),
        this.history.map((r) => JSON.stringify(r)).join('\n') + '\n',
      );
    if (this.metrics.length)
      await writeFile(
        join(dir, 'metrics.json'),
        JSON.stringify(this.metrics, null, opts.json ? 0 : 1) + '\n',
      );
    for (const [key, text] of this.logs) {
      const file = join(dir, 'logs', `${key}.log`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    }
    await writeFile(join(dir, 'now'), rfc3339(this.now) + '\n');
  }
}

function ownerRef(o: KubeObject) {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name!,
    uid: o.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function containerJson(c: ContainerSpec): Json {
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent',
    ...(c.ports && { ports: c.ports.map((p) => ({ containerPort: p, protocol: 'TCP' })) }),
    ...(c.env && { env: c.env }),
    ...(c.envFrom && { envFrom: c.envFrom }),
    resources: { ...(c.requests && { requests: c.requests }), ...(c.limits && { limits: c.limits }) },
    ...(c.volumeMounts && { volumeMounts: c.volumeMounts }),
    ...(c.readinessProbe && { readinessProbe: c.readinessProbe }),
    ...(c.livenessProbe && { livenessProbe: c.livenessProbe }),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** The minutes ago of the most recent change among container runs (for the Ready transition). */
function lastChange(runs: ContainerRun[]): number {
  let m = Infinity;
  for (const r of runs) {
    if (r.state === 'crashloop') m = Math.min(m, r.last.finishedMinutesAgo);
    else if (r.state === 'running' && r.startedMinutesAgo !== undefined) m = Math.min(m, r.startedMinutesAgo);
    else if (r.state === 'waiting' && r.last) m = Math.min(m, r.last.finishedMinutesAgo);
  }
  return m;
}

function componentOf(reason: string): string {
  if (reason === 'FailedScheduling' || reason === 'Scheduled') return 'default-scheduler';
  if (reason === 'FailedCreate' || reason === 'SuccessfulCreate') return 'replicaset-controller';
  if (reason === 'ProvisioningFailed' || reason === 'FailedBinding' || reason === 'ExternalProvisioning')
    return 'persistentvolume-controller';
  if (reason === 'NodeNotReady') return 'node-controller';
  return 'kubelet';
}

// ---------------------------------------------------------------------------------------------
// The benchmark snapshot: thousands of healthy pods and a few injected faults.

export type SyntheticFault = Finding['category'];

export interface LargeSnapshotOptions {
  pods: number;
  faults: SyntheticFault[];
  /** Pods per Deployment (default 10). */
  replicas?: number;
  /** Pods per Node (default 100). */
  podsPerNode?: number;
  now?: Date;
}

/** Writes a snapshot of `pods` pods with one injected instance of each fault; returns what diagnosis must find. */
export async function generateLargeSnapshot(
  dir: string,
  opts: LargeSnapshotOptions,
): Promise<{ objects: number; expected: { category: SyntheticFault; rootCause: ObjectRef }[] }> {
  const c = new SyntheticCluster(opts.now ?? new Date('2026-07-01T12:00:00Z'));
  const replicas = opts.replicas ?? 10;
  const podsPerNode = opts.podsPerNode ?? 100;
  const nodes = Math.max(2, Math.ceil(opts.pods / podsPerNode));
  for (let i = 0; i < nodes; i++) c.node(`worker-${i}`, { cpu: '64', memory: '256Gi' });
  const namespaces = Math.max(1, Math.ceil(opts.pods / 500));
  for (let i = 0; i < namespaces; i++) c.namespace(`team-${i}`);
  const healthy = Math.ceil(opts.pods / replicas);
  let podIndex = 0;
  const nodeOf = () => `worker-${podIndex++ % nodes}`;
  for (let d = 0; d < healthy; d++) {
    const ns = `team-${d % namespaces}`;
    const name = `svc-${d}`;
    c.configMap(ns, `${name}-config`, { LOG_LEVEL: 'info' });
    const w = c.workload({
      namespace: ns,
      name,
      replicas,
      containers: [
        {
          name: 'app',
          image: `registry.example.com/${name}:1.${d % 7}.0`,
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { memory: '256Mi' },
          envFrom: [{ configMapRef: { name: `${name}-config` } }],
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 },
          ports: [8080],
        },
      ],
    });
    const pods = Array.from({ length: replicas }, (_, i) => {
      const pod = c.pod(w, i, { node: nodeOf() });
      c.event(pod, {
        type: 'Normal',
        reason: 'Started',
        message: 'Started container app',
        lastMinutesAgo: 3 * 24 * 60,
      });
      return pod;
    });
    c.endpoints(c.service(ns, name, { app: name }), pods);
  }
  const expected = opts.faults.map((f) => injectFault(c, f, nodes));
  await c.write(dir, { json: true });
  return { objects: c.objects.length, expected };
}

/** One instance of a fault in its own namespace, shaped like the scenario suite's. */
function injectFault(
  c: SyntheticCluster,
  fault: SyntheticFault,
  nodes: number,
): { category: SyntheticFault; rootCause: ObjectRef } {
  const ns = `fault-${fault.toLowerCase()}`;
  c.namespace(ns);
  const node = `worker-${nodes - 1}`;
  const app = (name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name,
    image: `registry.example.com/${name}:3.1.0`,
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { memory: '256Mi' },
    ...extra,
  });
  const deployment = (name: string, containers: ContainerSpec[], replicas = 3, ready = 0) =>
    c.workload({ namespace: ns, name, replicas, containers }, { ready });
  const root = (kind: string, name: string, namespace: string | null = ns): ObjectRef =>
    namespace ? { kind, namespace, name } : { kind, name };
  const crash = (restarts: number, reason = 'Error', exitCode = 1): ContainerRun => ({
    state: 'crashloop',
    restarts,
    last: { reason, exitCode, finishedMinutesAgo: 2 },
  });
  switch (fault) {
    case 'OOMKilled': {
      const w = deployment('cache-warmer', [app('cache-warmer')]);
      for (let i = 0; i < 3; i++) c.pod(w, i, { node, runs: [crash(9, 'OOMKilled', 137)] });
      return { category: fault, rootCause: root('Deployment', 'cache-warmer') };
    }
    case 'CrashLoop': {
      const w = deployment('billing', [app('billing')]);
      for (let i = 0; i < 3; i++) {
        const pod = c.pod(w, i, { node, runs: [crash(14)] });
        c.event(pod, {
          reason: 'BackOff',
          message: 'Back-off restarting failed container billing in pod ' + pod.metadata.name,
          count: 60,
          firstMinutesAgo: 50,
        });
      }
      return { category: fault, rootCause: root('Deployment', 'billing') };
    }
    case 'ImagePull': {
      const image = 'registry.example.com/frontend:3.1.0-rc9';
      const w = deployment('frontend', [app('frontend', { image })]);
      for (let i = 0; i < 3; i++)
        c.pod(w, i, {
          node,
          runs: [
            { state: 'waiting', reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
          ],
        });
      return { category: fault, rootCause: root('Deployment', 'frontend') };
    }
    case 'MissingConfig': {
      const w = deployment('reports', [
        app('reports', { envFrom: [{ configMapRef: { name: 'reports-settings' } }] }),
      ]);
      for (let i = 0; i < 3; i++)
        c.pod(w, i, {
          node,
          runs: [
            {
              state: 'waiting',
              reason: 'CreateContainerConfigError',
              message: 'configmap "reports-settings" not found',
            },
          ],
        });
      return { category: fault, rootCause: root('ConfigMap', 'reports-settings') };
    }
    case 'Unschedulable': {
      const w = deployment('trainer', [app('trainer', { requests: { cpu: '96', memory: '64Gi' } })], 2);
      const msg = `0/${nodes} nodes are available: ${nodes} Insufficient cpu. preemption: 0/${nodes} nodes are available: ${nodes} No preemption victims found for incoming pod.`;
      for (let i = 0; i < 2; i++) c.pod(w, i, { unschedulable: msg, createdMinutesAgo: 20 });
      return { category: fault, rootCause: root('Deployment', 'trainer') };
    }
    case 'NodeFailure': {
      const failed = 'worker-lost';
      c.node(failed, { ready: 'Unknown', sinceMinutesAgo: 12, cpu: '64', memory: '256Gi' });
      const w = deployment('edge-proxy', [app('edge-proxy')], 10);
      for (let i = 0; i < 10; i++) c.pod(w, i, { node: failed, nodeLost: true });
      return { category: fault, rootCause: root('Node', failed, null) };
    }
    case 'NoEndpoints': {
      // The Service still selects the old label; the pods were relabelled app=checkout-v2.
      c.endpoints(c.service(ns, 'checkout', { app: 'checkout' }), []);
      const w = deployment('checkout-v2', [app('checkout')], 2, 2);
      for (let i = 0; i < 2; i++) c.pod(w, i, { node });
      return { category: fault, rootCause: root('Service', 'checkout') };
    }
    case 'ProbeFailure': {
      const w = deployment('search', [
        app('search', { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } }),
      ]);
      for (let i = 0; i < 3; i++) {
        const pod = c.pod(w, i, { node, runs: [{ state: 'running', ready: false, startedMinutesAgo: 40 }] });
        c.event(pod, {
          reason: 'Unhealthy',
          message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
          count: 240,
          firstMinutesAgo: 40,
        });
      }
      return { category: fault, rootCause: root('Deployment', 'search') };
    }
    case 'QuotaExceeded': {
      c.resourceQuota(
        ns,
        'compute',
        { 'requests.cpu': '2', 'requests.memory': '4Gi', pods: '10' },
        { 'requests.cpu': '1900m', 'requests.memory': '3Gi', pods: '8' },
      );
      const w = c.workload(
        {
          namespace: ns,
          name: 'ingest',
          replicas: 4,
          containers: [app('ingest', { requests: { cpu: '500m', memory: '512Mi' } })],
        },
        {
          ready: 0,
        },
      );
      const msg = `pods "${w.owner.metadata.name}-x7k2p" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1900m, limited: requests.cpu=2`;
      (w.owner.status as Json).replicas = 0;
      (w.owner.status as Json).conditions = [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: msg,
          lastTransitionTime: c.ago(15),
        },
      ];
      c.event(w.owner, {
        reason: 'FailedCreate',
        message: `Error creating: ${msg}`,
        count: 12,
        firstMinutesAgo: 15,
      });
      return { category: fault, rootCause: root('ResourceQuota', 'compute') };
    }
    case 'VolumePending': {
      const claim = c.pvc(ns, 'data-ledger-0', {
        storageClass: 'fast-ssd',
        size: '50Gi',
        createdMinutesAgo: 30,
      });
      c.event(claim, {
        reason: 'ProvisioningFailed',
        message: 'storageclass.storage.k8s.io "fast-ssd" not found',
        count: 120,
        firstMinutesAgo: 30,
      });
      const w = c.workload(
        {
          kind: 'StatefulSet',
          namespace: ns,
          name: 'ledger',
          replicas: 1,
          containers: [app('ledger', { volumeMounts: [{ name: 'data', mountPath: '/var/lib/ledger' }] })],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-ledger-0' } }],
          createdMinutesAgo: 30,
        },
        { ready: 0 },
      );
      c.pod(w, 0, {
        unschedulable: `0/${nodes} nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/${nodes} nodes are available: ${nodes} Preemption is not helpful for scheduling.`,
        createdMinutesAgo: 30,
      });
      return { category: fault, rootCause: root('PersistentVolumeClaim', 'data-ledger-0') };
    }
    case 'UpstreamDependency': {
      const w = deployment('orders', [app('orders')]);
      for (let i = 0; i < 3; i++) {
        const pod = c.pod(w, i, { node, runs: [crash(7)] });
        c.log(ns, pod.metadata.name!, 'orders', [
          '2026-07-01T11:58:01Z INFO starting orders service',
          '2026-07-01T11:58:06Z ERROR dial tcp: lookup inventory.fault-upstreamdependency on 10.96.0.10:53: no such host',
          '2026-07-01T11:58:06Z FATAL cannot reach inventory, exiting',
        ]);
      }
      return { category: fault, rootCause: root('Service', 'inventory') };
    }
    case 'CapacityExhaustion': {
      const claim = c.pvc(ns, 'wal-archive', { storageClass: 'standard', size: '100Gi', bound: true });
      const gib = 2 ** 30;
      const labels = { namespace: ns, persistentvolumeclaim: claim.metadata.name!, node };
      // 8 GiB free, shrinking by 1 GiB an hour: empty in 8 h.
      c.series(
        { __name__: 'kubelet_volume_stats_available_bytes', ...labels },
        360,
        60,
        (m) => 8 * gib + (m / 60) * gib,
      );
      c.series({ __name__: 'kubelet_volume_stats_capacity_bytes', ...labels }, 360, 60, () => 100 * gib);
      return { category: fault, rootCause: root('PersistentVolumeClaim', 'wal-archive') };
    }
  }
}
