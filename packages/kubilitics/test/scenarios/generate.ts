// Writes the diagnosis scenario suite: one snapshot folder per fault, with expected.json.
// The committed folders are plain files; rerun after changing a scenario:
//   node packages/kubilitics/test/scenarios/generate.ts
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { KubeObject } from '@industriverse/kube';
import { SyntheticCluster, type ContainerSpec, type Workload } from '../../src/diagnose/synthetic.ts';
import type { Finding, ObjectRef } from '../../src/model/types.ts';

type Category = Finding['category'];

export interface Expected {
  status: 'OK' | 'INCONCLUSIVE';
  findings: { category: Category; rootCause: ObjectRef }[];
  absent?: Category[];
}

const NOW = new Date('2026-06-15T10:00:00Z');
const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

const ref = (kind: string, namespace: string | null, name: string): ObjectRef =>
  namespace ? { kind, namespace, name } : { kind, name };

/** A control-plane node, three workers, CoreDNS and the kubernetes Service. */
function base(
  c: SyntheticCluster,
  workers: { name: string; ready?: 'True' | 'False' | 'Unknown' }[] = [],
): void {
  c.node('control-plane-1', { role: 'control-plane', taints: [CP_TAINT] });
  for (const w of WORKERS) if (!workers.some((x) => x.name === w)) c.node(w);
  c.namespace('default');
  c.namespace('kube-system');
  c.service('default', 'kubernetes', undefined, { port: 443, targetPort: 6443, clusterIP: '10.96.0.1' });
  const dns = c.workload({
    namespace: 'kube-system',
    name: 'coredns',
    replicas: 2,
    labels: { 'k8s-app': 'kube-dns' },
    containers: [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns:v1.11.3',
        requests: { cpu: '100m', memory: '70Mi' },
        limits: { memory: '170Mi' },
        ports: [53],
        readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 10 },
      },
    ],
    createdMinutesAgo: 30 * 24 * 60,
  });
  const pods = [c.pod(dns, 0, { node: 'worker-1' }), c.pod(dns, 1, { node: 'worker-2' })];
  c.endpoints(
    c.service(
      'kube-system',
      'kube-dns',
      { 'k8s-app': 'kube-dns' },
      { port: 53, targetPort: 53, clusterIP: '10.96.0.10' },
    ),
    pods,
  );
}

interface AppOptions {
  replicas?: number;
  nodes?: string[];
  containers?: ContainerSpec[];
  labels?: Record<string, string>;
  service?: boolean;
  createdMinutesAgo?: number;
  kind?: 'Deployment' | 'StatefulSet';
  volumes?: Record<string, unknown>[];
}

const container = (name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name,
  image: `registry.example.com/${name}:1.8.3`,
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '256Mi' },
  ports: [8080],
  readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
  ...extra,
});

/** A healthy workload: pods spread over the workers, its Service and Endpoints, the kubelet's Normal events. */
function app(c: SyntheticCluster, namespace: string, name: string, o: AppOptions = {}) {
  const nodes = o.nodes ?? WORKERS;
  const w = c.workload({
    kind: o.kind,
    namespace,
    name,
    replicas: o.replicas ?? 2,
    labels: o.labels,
    containers: o.containers ?? [container(name)],
    volumes: o.volumes,
    createdMinutesAgo: o.createdMinutesAgo,
  });
  const pods = Array.from({ length: o.replicas ?? 2 }, (_, i) => {
    const pod = c.pod(w, i, { node: nodes[i % nodes.length] });
    started(c, pod);
    return pod;
  });
  const svc = o.service === false ? undefined : c.service(namespace, name, o.labels ?? { app: name });
  if (svc) c.endpoints(svc, pods);
  return { w, pods, svc };
}

/** The Normal events of a pod that started fine (as old as the pod). */
function started(c: SyntheticCluster, pod: KubeObject): void {
  const age = (NOW.getTime() - Date.parse(pod.metadata.creationTimestamp!)) / 60_000;
  const name = (pod.spec as { containers: { name: string; image: string }[] }).containers[0]!;
  c.event(pod, {
    type: 'Normal',
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${(pod.spec as { nodeName: string }).nodeName}`,
    lastMinutesAgo: age,
  });
  c.event(pod, {
    type: 'Normal',
    reason: 'Pulled',
    message: `Container image "${name.image}" already present on machine`,
    lastMinutesAgo: age - 0.1,
  });
  c.event(pod, {
    type: 'Normal',
    reason: 'Started',
    message: `Started container ${name.name}`,
    lastMinutesAgo: age - 0.2,
  });
}

const backOff = (pod: KubeObject, container: string) =>
  `Back-off restarting failed container ${container} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;

/** Deployments, pods and events that look alarming but are settled history or by design. */
function redHerrings(c: SyntheticCluster, namespace: string): void {
  c.namespace(namespace);
  // A nightly Job that failed twice two days ago and then succeeded.
  c.job(namespace, 'db-backup-29150400', {
    failed: 2,
    succeeded: 1,
    outcome: 'Complete',
    finishedMinutesAgo: 2 * 24 * 60,
  });
  // A pod that restarted once, a day ago, and has run since.
  const api = c.workload({
    namespace,
    name: 'profile-api',
    replicas: 2,
    containers: [container('profile-api')],
  });
  const restarted = c.pod(api, 0, {
    node: 'worker-1',
    runs: [
      {
        state: 'running',
        restarts: 1,
        startedMinutesAgo: 24 * 60,
        last: { reason: 'Error', exitCode: 2, finishedMinutesAgo: 24 * 60 + 0.1, ranSeconds: 2 * 24 * 3600 },
      },
    ],
  });
  const other = c.pod(api, 1, { node: 'worker-2' });
  c.endpoints(c.service(namespace, 'profile-api', { app: 'profile-api' }), [restarted, other]);
  // Warnings about problems long resolved.
  c.event(other, {
    reason: 'FailedScheduling',
    message:
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient memory. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    count: 3,
    firstMinutesAgo: 3 * 24 * 60 + 5,
    lastMinutesAgo: 3 * 24 * 60 + 1,
    component: 'default-scheduler',
  });
  c.event(restarted, {
    reason: 'Unhealthy',
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
    count: 4,
    firstMinutesAgo: 3 * 60 + 10,
    lastMinutesAgo: 3 * 60,
  });
  c.event(restarted, {
    reason: 'BackOff',
    message: backOff(restarted, 'profile-api'),
    count: 1,
    firstMinutesAgo: 24 * 60,
    lastMinutesAgo: 24 * 60,
  });
  // A pod evicted two days ago, left behind as Failed.
  c.pod(api, 7, {
    node: 'worker-3',
    phase: 'Failed',
    reason: 'Evicted',
    message:
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91244Ki. Container profile-api was using 412340Ki, request is 128Mi, has larger consumption of memory. ',
    runs: [
      {
        state: 'terminated',
        reason: 'ContainerStatusUnknown',
        exitCode: 137,
        finishedMinutesAgo: 2 * 24 * 60,
      },
    ],
    createdMinutesAgo: 3 * 24 * 60,
  });
  // A claim that waits for its first consumer, by design.
  c.storageClass('standard', 'ebs.csi.aws.com', 'WaitForFirstConsumer');
  const scratch = c.pvc(namespace, 'scratch', { storageClass: 'standard', createdMinutesAgo: 6 * 60 });
  c.event(scratch, {
    type: 'Normal',
    reason: 'WaitForFirstConsumer',
    message: 'waiting for first consumer to be created before binding',
    count: 25,
    firstMinutesAgo: 6 * 60,
    lastMinutesAgo: 2,
    component: 'persistentvolume-controller',
  });
  // A Deployment scaled to zero on purpose, its Service left in place.
  c.workload(
    { namespace, name: 'legacy-export', replicas: 0, containers: [container('legacy-export')] },
    { ready: 0 },
  );
  c.endpoints(c.service(namespace, 'legacy-export', { app: 'legacy-export' }), []);
  // Memory high but flat: 88 % of the limit for six hours, no trend.
  const gib = 2 ** 30;
  c.series(
    {
      __name__: 'container_memory_working_set_bytes',
      namespace,
      pod: other.metadata.name!,
      container: 'profile-api',
      node: 'worker-2',
    },
    360,
    60,
    (m) => 0.22 * gib + Math.sin(m / 7) * 3 * 2 ** 20,
  );
}

function crashLoopPods(
  c: SyntheticCluster,
  w: Workload,
  n: number,
  o: {
    nodes?: string[];
    reason?: string;
    exitCode?: number;
    restarts?: number;
    since?: number;
    log?: (pod: KubeObject) => string[];
  } = {},
): KubeObject[] {
  const nodes = o.nodes ?? WORKERS;
  const cname = w.spec.containers[0]!.name;
  return Array.from({ length: n }, (_, i) => {
    const pod = c.pod(w, i, {
      node: nodes[i % nodes.length],
      runs: [
        {
          state: 'crashloop',
          restarts: (o.restarts ?? 7) + i,
          last: {
            reason: o.reason ?? 'Error',
            exitCode: o.exitCode ?? 1,
            finishedMinutesAgo: 1 + i * 0.7,
            ranSeconds: 6,
          },
        },
      ],
    });
    c.event(pod, {
      reason: 'BackOff',
      message: backOff(pod, cname),
      count: 30 + 3 * i,
      firstMinutesAgo: o.since ?? 45,
      lastMinutesAgo: 0.5,
    });
    if (o.log) c.log(w.spec.namespace, pod.metadata.name!, cname, o.log(pod));
    return pod;
  });
}

const scenarios: Record<string, (c: SyntheticCluster) => Expected> = {
  'healthy-cluster'(c) {
    base(c);
    c.namespace('shop');
    app(c, 'shop', 'frontend', { replicas: 3 });
    app(c, 'shop', 'cart');
    app(c, 'shop', 'checkout');
    c.namespace('data');
    c.storageClass('standard', 'ebs.csi.aws.com', 'WaitForFirstConsumer');
    c.pvc('data', 'data-postgres-0', { storageClass: 'standard', size: '20Gi', bound: true });
    app(c, 'data', 'postgres', {
      kind: 'StatefulSet',
      replicas: 1,
      containers: [
        container('postgres', {
          image: 'docker.io/library/postgres:16.4',
          ports: [5432],
          readinessProbe: { exec: { command: ['pg_isready'] } },
        }),
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-postgres-0' } }],
    });
    c.job('data', 'migrate-schema-v42', {
      failed: 0,
      succeeded: 1,
      outcome: 'Complete',
      finishedMinutesAgo: 120,
    });
    return { status: 'OK', findings: [] };
  },

  'oom-killed'(c) {
    base(c);
    c.namespace('shop');
    app(c, 'shop', 'frontend', { replicas: 3 });
    const w = c.workload(
      {
        namespace: 'shop',
        name: 'recommendations',
        replicas: 3,
        containers: [
          container('recommendations', {
            limits: { memory: '512Mi' },
            requests: { cpu: '250m', memory: '512Mi' },
          }),
        ],
      },
      { ready: 0 },
    );
    const pods = crashLoopPods(c, w, 3, { reason: 'OOMKilled', exitCode: 137, restarts: 6, since: 35 });
    c.endpoints(c.service('shop', 'recommendations', { app: 'recommendations' }), pods);
    // The working set climbs to the limit before every kill.
    for (const pod of pods)
      c.series(
        {
          __name__: 'container_memory_working_set_bytes',
          namespace: 'shop',
          pod: pod.metadata.name!,
          container: 'recommendations',
          node: (pod.spec as { nodeName: string }).nodeName,
        },
        30,
        30,
        (m) => 2 ** 20 * (200 + ((30 - m) % 5) * 78),
      );
    return {
      status: 'OK',
      findings: [{ category: 'OOMKilled', rootCause: ref('Deployment', 'shop', 'recommendations') }],
      absent: ['CrashLoop', 'NoEndpoints'],
    };
  },

  'crash-loop'(c) {
    base(c);
    c.namespace('payments');
    app(c, 'payments', 'payments-api', { replicas: 2 });
    const w = c.workload(
      {
        namespace: 'payments',
        name: 'fraud-detector',
        replicas: 2,
        containers: [container('fraud-detector')],
      },
      { ready: 0 },
    );
    const pods = crashLoopPods(c, w, 2, {
      exitCode: 2,
      log: () => [
        '2026-06-15T09:59:02.114Z INFO  fraud-detector 4.2.0 starting',
        '2026-06-15T09:59:02.207Z INFO  loaded 1843 rules from /etc/rules',
        'panic: runtime error: invalid memory address or nil pointer dereference',
        '[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x8c1f2a]',
        '',
        'goroutine 1 [running]:',
        'main.(*Scorer).Load(0x0, {0xc0001a2000, 0x2a})',
        '\t/src/internal/scorer/scorer.go:88 +0x4a',
      ],
    });
    c.endpoints(c.service('payments', 'fraud-detector', { app: 'fraud-detector' }), pods);
    return {
      status: 'OK',
      findings: [{ category: 'CrashLoop', rootCause: ref('Deployment', 'payments', 'fraud-detector') }],
      absent: ['NoEndpoints', 'UpstreamDependency'],
    };
  },

  'crash-loop-after-configmap-change'(c) {
    base(c);
    c.namespace('shop');
    const before = {
      'config.yaml':
        'listen: :8080\ncache:\n  ttl_seconds: 300\ndatabase:\n  url: postgres://orders-db.shop:5432/orders\n',
    };
    const after = {
      'config.yaml':
        'listen: :8080\ncache:\n  ttl_seconds: 30s\ndatabase:\n  url: postgres://orders-db.shop:5432/orders\n',
    };
    const cm = c.configMap('shop', 'web-config', after);
    const old = structuredClone(cm);
    old.data = before;
    old.metadata.resourceVersion = '412';
    c.record('ADDED', old, 3 * 24 * 60);
    c.record('MODIFIED', cm, 25);
    const w = c.workload(
      {
        namespace: 'shop',
        name: 'web',
        replicas: 3,
        containers: [
          container('web', { volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }] }),
        ],
        volumes: [{ name: 'config', configMap: { name: 'web-config', defaultMode: 420 } }],
      },
      { ready: 0 },
    );
    const pods = crashLoopPods(c, w, 3, {
      since: 23,
      log: () => [
        '{"level":"info","ts":"2026-06-15T09:59:10Z","msg":"configuration reloaded","file":"/etc/web/config.yaml"}',
        '{"level":"fatal","ts":"2026-06-15T09:59:10Z","msg":"invalid configuration","error":"cache.ttl_seconds: strconv.Atoi: parsing \\"30s\\": invalid syntax"}',
      ],
    });
    c.endpoints(c.service('shop', 'web', { app: 'web' }), pods);
    app(c, 'shop', 'cart');
    return {
      status: 'OK',
      findings: [{ category: 'CrashLoop', rootCause: ref('ConfigMap', 'shop', 'web-config') }],
      absent: ['NoEndpoints', 'MissingConfig'],
    };
  },

  'crash-loop-after-secret-change'(c) {
    base(c);
    c.namespace('billing');
    const secret = c.secret('billing', 'stripe-credentials', ['api-key']);
    const old = structuredClone(secret);
    old.data = { 'api-key': Buffer.from('sk_live_old').toString('base64') };
    old.metadata.resourceVersion = '901';
    c.record('ADDED', old, 40 * 24 * 60);
    c.record('MODIFIED', secret, 14);
    const w = c.workload(
      {
        namespace: 'billing',
        name: 'invoicer',
        replicas: 2,
        containers: [
          container('invoicer', {
            volumeMounts: [{ name: 'stripe', mountPath: '/var/run/secrets/stripe', readOnly: true }],
          }),
        ],
        volumes: [{ name: 'stripe', secret: { secretName: 'stripe-credentials', defaultMode: 420 } }],
      },
      { ready: 0 },
    );
    crashLoopPods(c, w, 2, {
      since: 12,
      restarts: 5,
      log: () => [
        'time="2026-06-15T09:58:30Z" level=info msg="credentials rotated, re-authenticating"',
        'time="2026-06-15T09:58:31Z" level=fatal msg="stripe: authentication failed: Invalid API Key provided: sk_live_****Qx1f"',
      ],
    });
    return {
      status: 'OK',
      findings: [{ category: 'CrashLoop', rootCause: ref('Secret', 'billing', 'stripe-credentials') }],
    };
  },

  'image-pull'(c) {
    base(c);
    c.namespace('web');
    const image = 'registry.example.com/web/storefront:2.8.l';
    const w = c.workload(
      {
        namespace: 'web',
        name: 'storefront',
        replicas: 2,
        containers: [container('storefront', { image })],
        createdMinutesAgo: 15,
      },
      { ready: 0 },
    );
    const reasons = ['ErrImagePull', 'ImagePullBackOff'];
    reasons.forEach((reason, i) => {
      const pod = c.pod(w, i, {
        node: WORKERS[i],
        runs: [
          {
            state: 'waiting',
            reason,
            message:
              reason === 'ErrImagePull'
                ? `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`
                : `Back-off pulling image "${image}"`,
          },
        ],
      });
      c.event(pod, {
        type: 'Normal',
        reason: 'Pulling',
        message: `Pulling image "${image}"`,
        count: 7,
        firstMinutesAgo: 15,
        lastMinutesAgo: 2,
      });
      c.event(pod, {
        reason: 'Failed',
        message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
        count: 7,
        firstMinutesAgo: 15,
        lastMinutesAgo: 2,
      });
      c.event(pod, {
        reason: 'Failed',
        message: 'Error: ErrImagePull',
        count: 7,
        firstMinutesAgo: 15,
        lastMinutesAgo: 2,
      });
      c.event(pod, {
        type: 'Normal',
        reason: 'BackOff',
        message: `Back-off pulling image "${image}"`,
        count: 58,
        firstMinutesAgo: 15,
        lastMinutesAgo: 0.3,
      });
      c.event(pod, {
        reason: 'Failed',
        message: 'Error: ImagePullBackOff',
        count: 58,
        firstMinutesAgo: 15,
        lastMinutesAgo: 0.3,
      });
    });
    return {
      status: 'OK',
      findings: [{ category: 'ImagePull', rootCause: ref('Deployment', 'web', 'storefront') }],
    };
  },

  'missing-configmap'(c) {
    base(c);
    c.namespace('shop');
    app(c, 'shop', 'frontend', { replicas: 2 });
    const w = c.workload(
      {
        namespace: 'shop',
        name: 'notifications',
        replicas: 2,
        containers: [
          container('notifications', { envFrom: [{ configMapRef: { name: 'notifications-settings' } }] }),
        ],
        createdMinutesAgo: 20,
      },
      { ready: 0 },
    );
    for (let i = 0; i < 2; i++) {
      const pod = c.pod(w, i, {
        node: WORKERS[i],
        runs: [
          {
            state: 'waiting',
            reason: 'CreateContainerConfigError',
            message: 'configmap "notifications-settings" not found',
          },
        ],
      });
      c.event(pod, {
        reason: 'Failed',
        message: 'Error: configmap "notifications-settings" not found',
        count: 94,
        firstMinutesAgo: 20,
        lastMinutesAgo: 0.2,
      });
    }
    return {
      status: 'OK',
      findings: [
        { category: 'MissingConfig', rootCause: ref('ConfigMap', 'shop', 'notifications-settings') },
      ],
      absent: ['CrashLoop'],
    };
  },

  'missing-secret-key'(c) {
    base(c);
    c.namespace('auth');
    c.secret('auth', 'oauth-client', ['client-id']);
    const w = c.workload(
      {
        namespace: 'auth',
        name: 'login',
        replicas: 2,
        containers: [
          container('login', {
            env: [
              {
                name: 'OAUTH_CLIENT_ID',
                valueFrom: { secretKeyRef: { name: 'oauth-client', key: 'client-id' } },
              },
              {
                name: 'OAUTH_CLIENT_SECRET',
                valueFrom: { secretKeyRef: { name: 'oauth-client', key: 'client-secret' } },
              },
            ],
          }),
        ],
        createdMinutesAgo: 12,
      },
      { ready: 0 },
    );
    for (let i = 0; i < 2; i++) {
      const pod = c.pod(w, i, {
        node: WORKERS[i + 1],
        runs: [
          {
            state: 'waiting',
            reason: 'CreateContainerConfigError',
            message: "couldn't find key client-secret in Secret auth/oauth-client",
          },
        ],
      });
      c.event(pod, {
        reason: 'Failed',
        message: "Error: couldn't find key client-secret in Secret auth/oauth-client",
        count: 55,
        firstMinutesAgo: 12,
        lastMinutesAgo: 0.4,
      });
    }
    return {
      status: 'OK',
      findings: [{ category: 'MissingConfig', rootCause: ref('Secret', 'auth', 'oauth-client') }],
    };
  },

  'missing-configmap-volume'(c) {
    base(c);
    c.namespace('monitoring');
    const w = c.workload(
      {
        namespace: 'monitoring',
        name: 'grafana',
        replicas: 1,
        containers: [
          container('grafana', {
            image: 'docker.io/grafana/grafana:11.2.0',
            ports: [3000],
            volumeMounts: [{ name: 'dashboards', mountPath: '/var/lib/grafana/dashboards' }],
          }),
        ],
        volumes: [{ name: 'dashboards', configMap: { name: 'grafana-dashboards' } }],
        createdMinutesAgo: 22,
      },
      { ready: 0 },
    );
    const pod = c.pod(w, 0, { node: 'worker-2', runs: [{ state: 'creating' }] });
    c.event(pod, {
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "dashboards" : configmap "grafana-dashboards" not found',
      count: 19,
      firstMinutesAgo: 22,
      lastMinutesAgo: 1,
    });
    c.endpoints(c.service('monitoring', 'grafana', { app: 'grafana' }), [pod]);
    return {
      status: 'OK',
      findings: [
        { category: 'MissingConfig', rootCause: ref('ConfigMap', 'monitoring', 'grafana-dashboards') },
      ],
      absent: ['NoEndpoints'],
    };
  },

  'unschedulable-insufficient-cpu'(c) {
    base(c);
    c.namespace('ml');
    const w = c.workload(
      {
        namespace: 'ml',
        name: 'model-trainer',
        replicas: 2,
        containers: [
          container('model-trainer', { requests: { cpu: '16', memory: '32Gi' }, limits: { memory: '32Gi' } }),
        ],
        createdMinutesAgo: 18,
      },
      { ready: 0 },
    );
    const msg =
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.';
    for (let i = 0; i < 2; i++) {
      const pod = c.pod(w, i, { unschedulable: msg, createdMinutesAgo: 18 });
      c.event(pod, {
        reason: 'FailedScheduling',
        message: msg,
        count: 6,
        firstMinutesAgo: 18,
        lastMinutesAgo: 3,
      });
    }
    return {
      status: 'OK',
      findings: [{ category: 'Unschedulable', rootCause: ref('Deployment', 'ml', 'model-trainer') }],
    };
  },

  'unschedulable-node-selector'(c) {
    base(c);
    c.namespace('search');
    const w = c.workload(
      {
        kind: 'StatefulSet',
        namespace: 'search',
        name: 'elasticsearch',
        replicas: 3,
        nodeSelector: { disktype: 'nvme' },
        containers: [
          container('elasticsearch', {
            image: 'docker.elastic.co/elasticsearch/elasticsearch:8.15.1',
            ports: [9200],
            requests: { cpu: '1', memory: '4Gi' },
            limits: { memory: '4Gi' },
          }),
        ],
        createdMinutesAgo: 30,
      },
      { ready: 0 },
    );
    const msg =
      "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";
    // OrderedReady: only the first pod exists until it is Ready.
    const pod = c.pod(w, 0, { unschedulable: msg, createdMinutesAgo: 30 });
    c.event(pod, {
      reason: 'FailedScheduling',
      message: msg,
      count: 9,
      firstMinutesAgo: 30,
      lastMinutesAgo: 4,
    });
    c.endpoints(
      c.service('search', 'elasticsearch', { app: 'elasticsearch' }, { port: 9200, targetPort: 9200 }),
      [pod],
    );
    return {
      status: 'OK',
      findings: [{ category: 'Unschedulable', rootCause: ref('StatefulSet', 'search', 'elasticsearch') }],
      absent: ['NoEndpoints'],
    };
  },

  'node-failure-many-pods'(c) {
    base(c, [{ name: 'worker-3' }]);
    c.node('worker-3', {
      ready: 'False',
      reason: 'KubeletNotReady',
      message:
        'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
      sinceMinutesAgo: 15,
    });
    const worker3 = c.objects.find((o) => o.kind === 'Node' && o.metadata.name === 'worker-3')!;
    c.event(worker3, {
      type: 'Normal',
      reason: 'NodeNotReady',
      message: 'Node worker-3 status is now: NodeNotReady',
      lastMinutesAgo: 15,
    });
    c.namespace('data');
    app(c, 'data', 'postgres', {
      kind: 'StatefulSet',
      replicas: 1,
      nodes: ['worker-1'],
      containers: [container('postgres', { image: 'docker.io/library/postgres:16.4', ports: [5432] })],
    });
    c.namespace('shop');
    for (const name of ['frontend', 'cart', 'checkout', 'catalog', 'reviews', 'search']) {
      const w = c.workload(
        { namespace: 'shop', name, replicas: 7, containers: [container(name)] },
        { ready: 2 },
      );
      const pods: KubeObject[] = [c.pod(w, 0, { node: 'worker-1' }), c.pod(w, 1, { node: 'worker-2' })];
      for (let i = 2; i < 7; i++) {
        const crashing = i < 5;
        const pod = c.pod(
          w,
          i,
          crashing
            ? {
                node: 'worker-3',
                runs: [
                  {
                    state: 'crashloop',
                    restarts: 4 + i,
                    last: { reason: 'Error', exitCode: 1, finishedMinutesAgo: 1.5, ranSeconds: 30 },
                  },
                ],
              }
            : {
                node: 'worker-3',
                runs: [{ state: 'running', ready: false, startedMinutesAgo: 2 * 24 * 60 }],
              },
        );
        pods.push(pod);
        c.event(pod, {
          reason: 'NodeNotReady',
          message: 'Node is not ready',
          lastMinutesAgo: 14,
          component: 'node-controller',
        });
        if (crashing) {
          c.event(pod, {
            reason: 'BackOff',
            message: backOff(pod, name),
            count: 20,
            firstMinutesAgo: 13,
            lastMinutesAgo: 1,
          });
          c.log('shop', pod.metadata.name!, name, [
            `2026-06-15T09:58:20Z INFO ${name} starting`,
            `2026-06-15T09:58:50Z ERROR dial tcp: lookup postgres.data on 10.96.0.10:53: read udp 10.244.3.17:40211->10.96.0.10:53: i/o timeout`,
            `2026-06-15T09:58:50Z FATAL cannot open database connection`,
          ]);
        }
      }
      c.endpoints(c.service('shop', name, { app: name }), pods);
    }
    return {
      status: 'OK',
      findings: [{ category: 'NodeFailure', rootCause: ref('Node', null, 'worker-3') }],
      absent: ['CrashLoop', 'UpstreamDependency', 'ProbeFailure', 'NoEndpoints'],
    };
  },

  'node-failure-memory-pressure'(c) {
    base(c, [{ name: 'worker-2' }]);
    c.node('worker-2', {
      pressure: {
        type: 'MemoryPressure',
        reason: 'KubeletHasInsufficientMemory',
        message: 'kubelet has insufficient memory available',
      },
      sinceMinutesAgo: 20,
      taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: c.ago(20) }],
    });
    c.namespace('analytics');
    for (const name of ['clickstream', 'sessionizer']) {
      const w = c.workload({
        namespace: 'analytics',
        name,
        replicas: 2,
        containers: [
          container(name, { limits: { memory: '2Gi' }, requests: { cpu: '200m', memory: '256Mi' } }),
        ],
      });
      const pods = [
        c.pod(w, 0, { node: 'worker-1' }),
        c.pod(w, 1, { node: 'worker-3', createdMinutesAgo: 9 }),
      ];
      c.pod(w, 9, {
        node: 'worker-2',
        phase: 'Failed',
        reason: 'Evicted',
        message: `The node was low on resource: memory. Threshold quantity: 100Mi, available: 62324Ki. Container ${name} was using 1843200Ki, request is 256Mi, has larger consumption of memory. `,
        runs: [
          { state: 'terminated', reason: 'ContainerStatusUnknown', exitCode: 137, finishedMinutesAgo: 10 },
        ],
      });
      c.endpoints(c.service('analytics', name, { app: name }), pods);
    }
    const node = c.objects.find((o) => o.kind === 'Node' && o.metadata.name === 'worker-2')!;
    c.event(node, {
      reason: 'EvictionThresholdMet',
      message: 'Attempting to reclaim memory',
      count: 3,
      firstMinutesAgo: 20,
      lastMinutesAgo: 10,
    });
    return {
      status: 'OK',
      findings: [{ category: 'NodeFailure', rootCause: ref('Node', null, 'worker-2') }],
    };
  },

  'node-failure-shared-ready-node'(c) {
    base(c);
    c.namespace('media');
    for (const name of ['transcoder', 'thumbnailer', 'uploader']) {
      const w = c.workload(
        { namespace: 'media', name, replicas: 4, containers: [container(name)] },
        { ready: 2 },
      );
      const pods = [c.pod(w, 0, { node: 'worker-1' }), c.pod(w, 1, { node: 'worker-3' })];
      for (let i = 2; i < 4; i++) {
        const pod = c.pod(w, i, {
          node: 'worker-2',
          runs: [
            {
              state: 'crashloop',
              restarts: 6,
              last: { reason: 'Error', exitCode: 1, finishedMinutesAgo: 2 },
            },
          ],
        });
        c.event(pod, {
          reason: 'BackOff',
          message: backOff(pod, name),
          count: 25,
          firstMinutesAgo: 30,
          lastMinutesAgo: 1,
        });
        c.log('media', pod.metadata.name!, name, [`open /var/cache/${name}/index: read-only file system`]);
        pods.push(pod);
      }
      c.endpoints(c.service('media', name, { app: name }), pods);
    }
    return {
      status: 'OK',
      findings: [{ category: 'NodeFailure', rootCause: ref('Node', null, 'worker-2') }],
      absent: ['CrashLoop'],
    };
  },

  'no-endpoints-selector-mismatch'(c) {
    base(c);
    c.namespace('shop');
    // The pods were relabelled tier=api; the Service still selects tier=backend.
    app(c, 'shop', 'catalog', { replicas: 2, labels: { app: 'catalog', tier: 'api' }, service: false });
    const svc = c.service('shop', 'catalog', { app: 'catalog', tier: 'backend' });
    c.endpoints(svc, []);
    c.add({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: c.meta('Ingress', 'shop', 'storefront'),
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/catalog',
                  pathType: 'Prefix',
                  backend: { service: { name: 'catalog', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    });
    app(c, 'shop', 'frontend');
    return {
      status: 'OK',
      findings: [{ category: 'NoEndpoints', rootCause: ref('Service', 'shop', 'catalog') }],
    };
  },

  'probe-failure-readiness'(c) {
    base(c);
    c.namespace('api');
    const w = c.workload(
      { namespace: 'api', name: 'gateway', replicas: 3, containers: [container('gateway')] },
      { ready: 0 },
    );
    const pods = [0, 1, 2].map((i) => {
      const pod = c.pod(w, i, {
        node: WORKERS[i],
        runs: [{ state: 'running', ready: false, startedMinutesAgo: 32 }],
        createdMinutesAgo: 32,
      });
      c.event(pod, {
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 500',
        count: 190,
        firstMinutesAgo: 31,
        lastMinutesAgo: 0.1,
      });
      c.log('api', pod.metadata.name!, 'gateway', [
        '10.244.1.1 - - [15/Jun/2026:09:59:51 +0000] "GET /healthz HTTP/1.1" 500 41 "-" "kube-probe/1.31"',
        '2026/06/15 09:59:51 [error] health: route table empty: 0 routes loaded',
      ]);
      return pod;
    });
    c.endpoints(c.service('api', 'gateway', { app: 'gateway' }), pods);
    return {
      status: 'OK',
      findings: [{ category: 'ProbeFailure', rootCause: ref('Deployment', 'api', 'gateway') }],
      absent: ['NoEndpoints'],
    };
  },

  'probe-failure-liveness'(c) {
    base(c);
    c.namespace('api');
    const w = c.workload(
      {
        namespace: 'api',
        name: 'session-store',
        replicas: 2,
        containers: [
          container('session-store', {
            livenessProbe: {
              httpGet: { path: '/healthz', port: 8080 },
              timeoutSeconds: 1,
              periodSeconds: 10,
              failureThreshold: 3,
            },
          }),
        ],
      },
      { ready: 0 },
    );
    const pods = crashLoopPods(c, w, 2, { reason: 'Error', exitCode: 137, restarts: 12, since: 50 });
    for (const pod of pods) {
      const ip = (pod.status as { podIP: string }).podIP;
      c.event(pod, {
        reason: 'Unhealthy',
        message: `Liveness probe failed: Get "http://${ip}:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        count: 36,
        firstMinutesAgo: 52,
        lastMinutesAgo: 2,
      });
      c.event(pod, {
        type: 'Normal',
        reason: 'Killing',
        message: 'Container session-store failed liveness probe, will be restarted',
        count: 12,
        firstMinutesAgo: 51,
        lastMinutesAgo: 2,
      });
    }
    c.endpoints(c.service('api', 'session-store', { app: 'session-store' }), pods);
    return {
      status: 'OK',
      findings: [{ category: 'ProbeFailure', rootCause: ref('Deployment', 'api', 'session-store') }],
      absent: ['CrashLoop', 'NoEndpoints'],
    };
  },

  'quota-exceeded'(c) {
    base(c);
    c.namespace('batch');
    c.resourceQuota(
      'batch',
      'compute-quota',
      { 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.memory': '16Gi' },
      { 'requests.cpu': '3800m', 'requests.memory': '3Gi', 'limits.memory': '6Gi' },
    );
    const msg = (n: string) =>
      `pods "etl-worker-6d9f7b8c4d-${n}" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=3800m, limited: requests.cpu=4`;
    const failure = {
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: msg('x2x4k'),
      lastTransitionTime: c.ago(10),
      lastUpdateTime: c.ago(10),
    };
    const w = c.workload(
      {
        namespace: 'batch',
        name: 'etl-worker',
        replicas: 5,
        containers: [
          container('etl-worker', { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } }),
        ],
      },
      {
        ready: 2,
        conditions: [
          {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
            lastUpdateTime: c.ago(10),
            lastTransitionTime: c.ago(10),
          },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: 'ReplicaSet "etl-worker-6d9f7b8c4d" is progressing.',
            lastUpdateTime: c.ago(10),
            lastTransitionTime: c.ago(10),
          },
          failure,
        ],
      },
    );
    const rsStatus = w.owner.status as Record<string, unknown>;
    rsStatus.replicas = 2;
    rsStatus.fullyLabeledReplicas = 2;
    rsStatus.conditions = [failure];
    const pods = [c.pod(w, 0, { node: 'worker-1' }), c.pod(w, 1, { node: 'worker-2' })];
    c.event(w.owner, {
      reason: 'FailedCreate',
      message: `Error creating: ${msg('x2x4k')}`,
      count: 1,
      lastMinutesAgo: 10,
      component: 'replicaset-controller',
    });
    c.event(w.owner, {
      reason: 'FailedCreate',
      message: `Error creating: ${msg('p8wqz')}`,
      count: 14,
      firstMinutesAgo: 10,
      lastMinutesAgo: 0.5,
      component: 'replicaset-controller',
    });
    c.endpoints(c.service('batch', 'etl-worker', { app: 'etl-worker' }), pods);
    return {
      status: 'OK',
      findings: [{ category: 'QuotaExceeded', rootCause: ref('ResourceQuota', 'batch', 'compute-quota') }],
    };
  },

  'volume-pending'(c) {
    base(c);
    c.storageClass('standard', 'ebs.csi.aws.com', 'WaitForFirstConsumer');
    c.namespace('streaming');
    const claim = c.pvc('streaming', 'data-kafka-0', {
      storageClass: 'fast-ssd',
      size: '100Gi',
      createdMinutesAgo: 26,
    });
    c.event(claim, {
      reason: 'ProvisioningFailed',
      message: 'storageclass.storage.k8s.io "fast-ssd" not found',
      count: 105,
      firstMinutesAgo: 26,
      lastMinutesAgo: 0.2,
      component: 'persistentvolume-controller',
    });
    const w = c.workload(
      {
        kind: 'StatefulSet',
        namespace: 'streaming',
        name: 'kafka',
        replicas: 3,
        containers: [
          container('kafka', {
            image: 'docker.io/bitnami/kafka:3.8.0',
            ports: [9092],
            volumeMounts: [{ name: 'data', mountPath: '/bitnami/kafka' }],
          }),
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-kafka-0' } }],
        createdMinutesAgo: 26,
      },
      { ready: 0 },
    );
    const msg =
      '0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.';
    const pod = c.pod(w, 0, { unschedulable: msg, createdMinutesAgo: 26 });
    c.event(pod, {
      reason: 'FailedScheduling',
      message: msg,
      count: 8,
      firstMinutesAgo: 26,
      lastMinutesAgo: 1,
      component: 'default-scheduler',
    });
    return {
      status: 'OK',
      findings: [
        { category: 'VolumePending', rootCause: ref('PersistentVolumeClaim', 'streaming', 'data-kafka-0') },
      ],
      absent: ['Unschedulable'],
    };
  },

  'upstream-dependency-database-down'(c) {
    base(c);
    c.namespace('data');
    c.storageClass('standard', 'ebs.csi.aws.com', 'WaitForFirstConsumer');
    c.pvc('data', 'data-postgres-0', { storageClass: 'standard', size: '50Gi', bound: true });
    const pg = c.workload(
      {
        kind: 'StatefulSet',
        namespace: 'data',
        name: 'postgres',
        replicas: 1,
        containers: [
          container('postgres', {
            image: 'docker.io/library/postgres:16.4',
            ports: [5432],
            limits: { memory: '1Gi' },
            requests: { cpu: '500m', memory: '1Gi' },
          }),
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-postgres-0' } }],
      },
      { ready: 0 },
    );
    const pgPods = crashLoopPods(c, pg, 1, {
      reason: 'OOMKilled',
      exitCode: 137,
      restarts: 5,
      since: 28,
      nodes: ['worker-1'],
    });
    const pgSvc = c.service('data', 'postgres', { app: 'postgres' }, { port: 5432, targetPort: 5432 });
    c.endpoints(pgSvc, pgPods);
    const ip = (pgSvc.spec as { clusterIP: string }).clusterIP;
    c.namespace('shop');
    const orders = c.workload(
      { namespace: 'shop', name: 'orders', replicas: 3, containers: [container('orders')] },
      { ready: 0 },
    );
    const pods = crashLoopPods(c, orders, 3, {
      since: 26,
      log: () => [
        '2026-06-15T09:58:41Z INFO  orders 3.2.0 starting',
        '2026-06-15T09:58:41Z INFO  connecting to postgres at postgres.data:5432',
        `2026-06-15T09:58:46Z ERROR failed to connect to \`host=postgres.data user=orders database=orders\`: dial error (dial tcp ${ip}:5432: connect: connection refused)`,
        '2026-06-15T09:58:46Z FATAL database unavailable, exiting',
      ],
    });
    c.endpoints(c.service('shop', 'orders', { app: 'orders' }), pods);
    app(c, 'shop', 'frontend');
    return {
      status: 'OK',
      findings: [
        { category: 'UpstreamDependency', rootCause: ref('Service', 'data', 'postgres') },
        { category: 'OOMKilled', rootCause: ref('StatefulSet', 'data', 'postgres') },
      ],
      absent: ['CrashLoop', 'NoEndpoints'],
    };
  },

  'upstream-dependency-scaled-to-zero'(c) {
    base(c);
    c.namespace('finance');
    const ledger = c.workload(
      {
        namespace: 'finance',
        name: 'ledger',
        replicas: 0,
        containers: [container('ledger', { ports: [8443] })],
      },
      { ready: 0 },
    );
    const scaled = structuredClone(ledger.object);
    (scaled.spec as { replicas: number }).replicas = 2;
    c.record('ADDED', scaled, 10 * 24 * 60);
    c.record('MODIFIED', ledger.object, 40);
    const svc = c.service('finance', 'ledger', { app: 'ledger' }, { port: 8443, targetPort: 8443 });
    c.endpoints(svc, []);
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    c.namespace('payments');
    const w = c.workload(
      { namespace: 'payments', name: 'checkout-api', replicas: 2, containers: [container('checkout-api')] },
      { ready: 0 },
    );
    const pods = [0, 1].map((i) => {
      const pod = c.pod(w, i, {
        node: WORKERS[i],
        runs: [{ state: 'running', ready: false, startedMinutesAgo: 5 * 24 * 60 }],
      });
      c.event(pod, {
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        count: 230,
        firstMinutesAgo: 39,
        lastMinutesAgo: 0.2,
      });
      c.log('payments', pod.metadata.name!, 'checkout-api', [
        `2026-06-15T09:59:40Z WARN ledger client: Post "http://ledger.finance:8443/v1/entries": dial tcp ${ip}:8443: connect: connection refused`,
        '2026-06-15T09:59:40Z WARN readiness: dependency ledger unavailable',
      ]);
      return pod;
    });
    c.endpoints(c.service('payments', 'checkout-api', { app: 'checkout-api' }), pods);
    return {
      status: 'OK',
      findings: [{ category: 'UpstreamDependency', rootCause: ref('Service', 'finance', 'ledger') }],
      absent: ['ProbeFailure', 'NoEndpoints'],
    };
  },

  'capacity-exhaustion-disk'(c) {
    base(c);
    c.namespace('data');
    c.storageClass('standard', 'ebs.csi.aws.com', 'WaitForFirstConsumer');
    c.pvc('data', 'data-postgres-0', { storageClass: 'standard', size: '100Gi', bound: true });
    const { pods } = app(c, 'data', 'postgres', {
      kind: 'StatefulSet',
      replicas: 1,
      nodes: ['worker-1'],
      containers: [container('postgres', { image: 'docker.io/library/postgres:16.4', ports: [5432] })],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-postgres-0' } }],
    });
    const gib = 2 ** 30;
    const labels = { namespace: 'data', persistentvolumeclaim: 'data-postgres-0', node: 'worker-1' };
    // 12 GiB free, losing 3 GiB an hour: full in about 4 h.
    c.series(
      { __name__: 'kubelet_volume_stats_available_bytes', ...labels },
      360,
      60,
      (m) => 12 * gib + (m / 60) * 3 * gib,
    );
    c.series({ __name__: 'kubelet_volume_stats_capacity_bytes', ...labels }, 360, 60, () => 100 * gib);
    // High but flat: no finding.
    c.series(
      {
        __name__: 'container_memory_working_set_bytes',
        namespace: 'data',
        pod: pods[0]!.metadata.name!,
        container: 'postgres',
        node: 'worker-1',
      },
      360,
      60,
      (m) => 0.23 * gib + Math.cos(m / 11) * 2 ** 21,
    );
    return {
      status: 'OK',
      findings: [
        {
          category: 'CapacityExhaustion',
          rootCause: ref('PersistentVolumeClaim', 'data', 'data-postgres-0'),
        },
      ],
    };
  },

  'capacity-exhaustion-memory-leak'(c) {
    base(c);
    c.namespace('shop');
    const { pods } = app(c, 'shop', 'session-cache', {
      replicas: 2,
      containers: [
        container('session-cache', { limits: { memory: '1Gi' }, requests: { cpu: '100m', memory: '512Mi' } }),
      ],
      createdMinutesAgo: 6 * 60,
    });
    const mib = 2 ** 20;
    pods.forEach((pod, i) =>
      // Working set grows ~100 MiB an hour from 300 MiB: the 1 GiB limit is reached in under 3 h.
      c.series(
        {
          __name__: 'container_memory_working_set_bytes',
          namespace: 'shop',
          pod: pod.metadata.name!,
          container: 'session-cache',
          node: (pod.spec as { nodeName: string }).nodeName,
        },
        300,
        60,
        (m) => (300 + i * 20) * mib + ((300 - m) / 60) * 100 * mib,
      ),
    );
    return {
      status: 'OK',
      findings: [{ category: 'CapacityExhaustion', rootCause: ref('Deployment', 'shop', 'session-cache') }],
      absent: ['OOMKilled'],
    };
  },

  'job-backoff-limit'(c) {
    base(c);
    c.namespace('reports');
    const { pods } = c.job('reports', 'nightly-sales', {
      failed: 7,
      succeeded: 0,
      outcome: 'Failed',
      finishedMinutesAgo: 8,
    });
    for (const pod of pods)
      c.log('reports', pod.metadata.name!, 'nightly-sales', [
        'INFO  building report for 2026-06-14',
        'ERROR query failed: pq: relation "daily_sales" does not exist',
      ]);
    return {
      status: 'OK',
      findings: [{ category: 'CrashLoop', rootCause: ref('Job', 'reports', 'nightly-sales') }],
    };
  },

  'noisy-cluster-four-faults'(c) {
    base(c);
    redHerrings(c, 'platform');
    c.namespace('shop');
    app(c, 'shop', 'frontend', { replicas: 3 });
    app(c, 'shop', 'cart');
    c.endpoints(c.service('shop', 'legacy-api', { app: 'legacy-api' }), []);
    // An image in a private repository, without pull credentials.
    c.namespace('web');
    const image = 'registry.example.com/marketing/landing:5.0.0';
    const landing = c.workload(
      {
        namespace: 'web',
        name: 'landing',
        replicas: 1,
        containers: [container('landing', { image })],
        createdMinutesAgo: 40,
      },
      { ready: 0 },
    );
    const lp = c.pod(landing, 0, {
      node: 'worker-3',
      runs: [{ state: 'waiting', reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }],
      createdMinutesAgo: 40,
    });
    c.event(lp, {
      reason: 'Failed',
      message: `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials`,
      count: 11,
      firstMinutesAgo: 40,
      lastMinutesAgo: 3,
    });
    // A pod-count quota.
    c.namespace('batch');
    c.resourceQuota('batch', 'batch-quota', { pods: '10' }, { pods: '10' });
    const thumbs = c.workload(
      { namespace: 'batch', name: 'thumbnailer', replicas: 3, containers: [container('thumbnailer')] },
      { ready: 0 },
    );
    (thumbs.owner.status as Record<string, unknown>).replicas = 0;
    c.event(thumbs.owner, {
      reason: 'FailedCreate',
      message: `Error creating: pods "${thumbs.owner.metadata.name}-5kq8r" is forbidden: exceeded quota: batch-quota, requested: pods=1, used: pods=10, limited: pods=10`,
      count: 22,
      firstMinutesAgo: 30,
      lastMinutesAgo: 1,
      component: 'replicaset-controller',
    });
    // A claim with no storage class and no volume to bind.
    c.namespace('data');
    const uploads = c.pvc('data', 'uploads', { storageClass: '', size: '5Gi', createdMinutesAgo: 50 });
    c.event(uploads, {
      type: 'Normal',
      reason: 'FailedBinding',
      message: 'no persistent volumes available for this claim and no storage class is set',
      count: 200,
      firstMinutesAgo: 50,
      lastMinutesAgo: 0.2,
      component: 'persistentvolume-controller',
    });
    const uploader = c.workload(
      {
        namespace: 'data',
        name: 'uploader',
        replicas: 1,
        containers: [
          container('uploader', { volumeMounts: [{ name: 'uploads', mountPath: '/srv/uploads' }] }),
        ],
        volumes: [{ name: 'uploads', persistentVolumeClaim: { claimName: 'uploads' } }],
        createdMinutesAgo: 50,
      },
      { ready: 0 },
    );
    const upMsg =
      '0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.';
    const up = c.pod(uploader, 0, { unschedulable: upMsg, createdMinutesAgo: 50 });
    c.event(up, {
      reason: 'FailedScheduling',
      message: upMsg,
      count: 12,
      firstMinutesAgo: 50,
      lastMinutesAgo: 2,
    });
    return {
      status: 'OK',
      findings: [
        { category: 'ImagePull', rootCause: ref('Deployment', 'web', 'landing') },
        { category: 'QuotaExceeded', rootCause: ref('ResourceQuota', 'batch', 'batch-quota') },
        { category: 'NoEndpoints', rootCause: ref('Service', 'shop', 'legacy-api') },
        { category: 'VolumePending', rootCause: ref('PersistentVolumeClaim', 'data', 'uploads') },
      ],
      absent: [
        'CrashLoop',
        'OOMKilled',
        'ProbeFailure',
        'Unschedulable',
        'NodeFailure',
        'CapacityExhaustion',
      ],
    };
  },

  'noisy-cluster-node-down-and-more'(c) {
    base(c, [{ name: 'worker-3' }]);
    c.node('worker-3', { ready: 'Unknown', sinceMinutesAgo: 8 });
    redHerrings(c, 'platform');
    c.namespace('shop');
    for (const name of ['frontend', 'cart', 'search', 'reviews']) {
      const w = c.workload(
        { namespace: 'shop', name, replicas: 3, containers: [container(name)] },
        { ready: 1 },
      );
      const pods = [
        c.pod(w, 0, { node: 'worker-1' }),
        c.pod(w, 1, { node: 'worker-3', nodeLost: true }),
        c.pod(w, 2, { node: 'worker-3', nodeLost: true }),
      ];
      c.endpoints(c.service('shop', name, { app: name }), pods);
    }
    // A ConfigMap edit that broke pricing.
    const rules = c.configMap('shop', 'pricing-rules', {
      'rules.json': '{"discounts": [{"sku": "*", "percent": "ten"}]}',
    });
    const old = structuredClone(rules);
    old.data = { 'rules.json': '{"discounts": [{"sku": "*", "percent": 10}]}' };
    c.record('ADDED', old, 20 * 24 * 60);
    c.record('MODIFIED', rules, 18);
    const pricing = c.workload(
      {
        namespace: 'shop',
        name: 'pricing',
        replicas: 2,
        containers: [container('pricing', { volumeMounts: [{ name: 'rules', mountPath: '/etc/pricing' }] })],
        volumes: [{ name: 'rules', configMap: { name: 'pricing-rules' } }],
      },
      { ready: 0 },
    );
    crashLoopPods(c, pricing, 2, {
      nodes: ['worker-1', 'worker-2'],
      since: 16,
      log: () => [
        'Exception in thread "main" com.fasterxml.jackson.databind.exc.InvalidFormatException: Cannot deserialize value of type `int` from String "ten"',
      ],
    });
    // A missing Secret.
    const mailer = c.workload(
      {
        namespace: 'shop',
        name: 'mailer',
        replicas: 1,
        containers: [container('mailer', { envFrom: [{ secretRef: { name: 'smtp-credentials' } }] })],
        createdMinutesAgo: 30,
      },
      { ready: 0 },
    );
    const mp = c.pod(mailer, 0, {
      node: 'worker-2',
      runs: [
        {
          state: 'waiting',
          reason: 'CreateContainerConfigError',
          message: 'secret "smtp-credentials" not found',
        },
      ],
      createdMinutesAgo: 30,
    });
    c.event(mp, {
      reason: 'Failed',
      message: 'Error: secret "smtp-credentials" not found',
      count: 140,
      firstMinutesAgo: 30,
      lastMinutesAgo: 0.3,
    });
    // An aggregator killed for memory on a healthy node.
    c.namespace('analytics');
    const agg = c.workload(
      {
        namespace: 'analytics',
        name: 'aggregator',
        replicas: 1,
        containers: [container('aggregator', { limits: { memory: '768Mi' } })],
      },
      { ready: 0 },
    );
    crashLoopPods(c, agg, 1, {
      reason: 'OOMKilled',
      exitCode: 137,
      restarts: 9,
      since: 55,
      nodes: ['worker-1'],
    });
    return {
      status: 'OK',
      findings: [
        { category: 'NodeFailure', rootCause: ref('Node', null, 'worker-3') },
        { category: 'CrashLoop', rootCause: ref('ConfigMap', 'shop', 'pricing-rules') },
        { category: 'MissingConfig', rootCause: ref('Secret', 'shop', 'smtp-credentials') },
        { category: 'OOMKilled', rootCause: ref('Deployment', 'analytics', 'aggregator') },
      ],
      absent: ['NoEndpoints', 'ProbeFailure', 'ImagePull'],
    };
  },

  'red-herrings-only'(c) {
    base(c);
    redHerrings(c, 'platform');
    c.namespace('shop');
    app(c, 'shop', 'frontend', { replicas: 3 });
    // A rollout in progress: the new pod is still being created.
    const w = c.workload(
      { namespace: 'shop', name: 'cart', replicas: 2, containers: [container('cart')] },
      { ready: 1 },
    );
    c.pod(w, 0, { node: 'worker-1' });
    c.pod(w, 1, { node: 'worker-2', runs: [{ state: 'creating' }], createdMinutesAgo: 0.5 });
    return { status: 'OK', findings: [] };
  },

  'inconclusive-pods-not-ready'(c) {
    base(c);
    c.namespace('inventory');
    // Not ready for 25 minutes, with no probe failure, crash, log line or node problem to say why.
    const w = c.workload(
      {
        namespace: 'inventory',
        name: 'inventory-sync',
        replicas: 3,
        containers: [
          container('inventory-sync', {
            readinessProbe: { exec: { command: ['/bin/ready'] }, periodSeconds: 10 },
          }),
        ],
      },
      { ready: 0 },
    );
    const pods = [0, 1, 2].map((i) =>
      c.pod(w, i, {
        node: WORKERS[i],
        runs: [{ state: 'running', ready: false, startedMinutesAgo: 25 }],
        createdMinutesAgo: 25,
      }),
    );
    c.endpoints(c.service('inventory', 'inventory-sync', { app: 'inventory-sync' }), pods);
    return { status: 'INCONCLUSIVE', findings: [] };
  },
};

const root = new URL('.', import.meta.url).pathname;
for (const entry of await readdir(root, { withFileTypes: true }))
  if (entry.isDirectory()) await rm(join(root, entry.name), { recursive: true });
for (const [name, build] of Object.entries(scenarios)) {
  const c = new SyntheticCluster(NOW);
  const expected = build(c);
  const dir = join(root, name);
  await c.write(dir);
  await writeFile(join(dir, 'expected.json'), JSON.stringify(expected));
  // In the repository's format, so that `prettier --check .` passes on the fixtures too.
  for (const file of ['resources.yaml', 'metrics.json', 'expected.json']) {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined)
      await writeFile(path, await format(text, { ...(await resolveConfig(path)), filepath: path }));
  }
}
process.stdout.write(`${Object.keys(scenarios).length} scenarios written to ${root}\n`);
