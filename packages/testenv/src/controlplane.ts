// A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (RBAC on), and optionally
// kube-controller-manager, kube-scheduler and kwok with N fake nodes that run pods. Certificates,
// the service-account key pair and all data live in one folder that stop() removes.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  builtin,
  createCertificateAuthority,
  createSigningKeyPair,
  isAlreadyExists,
  KubeClient,
} from '@industriverse/kube';
import { binariesDir, binaryPaths, KWOK_STAGES_FILE } from './cache.ts';
import { freePort } from './ports.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { eventually } from './eventually.ts';
import { startComponent, stopComponent, type Component } from './process.ts';
import { fakeNode } from './nodes.ts';

export type ComponentName = 'controller-manager' | 'scheduler' | 'kwok';

export interface ControlPlaneOptions {
  /** Fake kwok nodes to register (default 0; > 0 implies kwok). */
  nodes?: number;
  /** Optional components beside etcd and the apiserver (default: all three when nodes > 0, else none). */
  components?: ComponentName[];
  /** Folder for certificates, data and logs (default: a new temp folder, removed by stop()). */
  dir?: string;
  /** Keep processes running after this process exits (kaas dev up --detach). */
  detached?: boolean;
  /** Extra kube-apiserver flags, e.g. `--watch-cache=false`. */
  apiServerFlags?: string[];
  /** Milliseconds to wait for readiness (default 90 s). */
  timeoutMs?: number;
}

export interface ControlPlane {
  dir: string;
  server: string;
  etcdUrl: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** PEM of the CA that signs the apiserver's serving cert and every client cert. */
  caPem: string;
  components: Record<string, Component>;
  /** Issues a kubeconfig for another user (CN) and groups (O), e.g. to test RBAC. */
  kubeconfigFor(user: string, groups?: string[]): Promise<string>;
  /** Stops and restarts kube-apiserver on the same port and data (etcd keeps running). */
  restartApiServer(): Promise<void>;
  /** Compacts etcd at its current revision: older resourceVersions answer 410 Gone. */
  compactEtcd(): Promise<number>;
  stop(): Promise<void>;
}

/** Waits for `probe`, failing at once when `component` exits meanwhile. */
function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  component?: Component,
): Promise<T> {
  return eventually(what, probe, {
    timeoutMs,
    intervalMs: 100,
    abortIf: () =>
      component && component.child.exitCode !== null
        ? `${component.name} exited with code ${component.child.exitCode}; see ${component.logFile}`
        : undefined,
  });
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = binaryPaths();
  const nodes = opts.nodes ?? 0;
  const wanted = new Set<ComponentName>(
    opts.components ?? (nodes > 0 ? ['controller-manager', 'scheduler', 'kwok'] : []),
  );
  if (nodes > 0) wanted.add('kwok');
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'kaas-cp-')));
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  await mkdir(pki, { recursive: true, mode: 0o700 });
  await mkdir(logs, { recursive: true });
  const components: Record<string, Component> = {};
  const spawnOpts = { detached: opts.detached };

  const stopAll = async () => {
    await Promise.all(
      Object.values(components)
        .filter((c) => c.name !== 'etcd')
        .map((c) => stopComponent(c)),
    );
    if (components.etcd) await stopComponent(components.etcd);
  };

  try {
    const [etcdPort, peerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const server = `https://127.0.0.1:${apiPort}`;

    const ca = await createCertificateAuthority('kaas-dev-ca');
    const issue = (cn: string, groups: string[] = []) =>
      ca.issue({ commonName: cn, organizations: groups, usage: 'client' });
    const [serving, admin, kcm, sched, sa] = await Promise.all([
      ca.issue({
        commonName: 'kube-apiserver',
        usage: 'server',
        dnsNames: [
          'localhost',
          'kubernetes',
          'kubernetes.default',
          'kubernetes.default.svc',
          'kubernetes.default.svc.cluster.local',
        ],
        ipAddresses: ['127.0.0.1', '10.0.0.1'],
      }),
      issue('kubernetes-admin', ['system:masters']),
      issue('system:kube-controller-manager'),
      issue('system:kube-scheduler'),
      createSigningKeyPair(),
    ]);
    const files = {
      ca: join(pki, 'ca.crt'),
      caKey: join(pki, 'ca.key'),
      servingCert: join(pki, 'apiserver.crt'),
      servingKey: join(pki, 'apiserver.key'),
      saPub: join(pki, 'sa.pub'),
      saKey: join(pki, 'sa.key'),
    };
    await Promise.all([
      writeFile(files.ca, ca.certPem),
      writeFile(files.caKey, ca.keyPem, { mode: 0o600 }),
      writeFile(files.servingCert, serving.certPem),
      writeFile(files.servingKey, serving.keyPem, { mode: 0o600 }),
      writeFile(files.saPub, sa.publicKeyPem),
      writeFile(files.saKey, sa.privateKeyPem, { mode: 0o600 }),
    ]);
    const writeKubeconfig = async (name: string, user: string, pair: { certPem: string; keyPem: string }) => {
      const path = join(dir, name);
      await writeFile(path, renderKubeconfig({ server, caPem: ca.certPem, user, ...pair }), { mode: 0o600 });
      return path;
    };
    const kubeconfigPath = await writeKubeconfig('kubeconfig', 'kubernetes-admin', admin);

    components.etcd = startComponent(
      'etcd',
      bins.etcd,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      join(logs, 'etcd.log'),
      spawnOpts,
    );

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${files.servingCert}`,
      `--tls-private-key-file=${files.servingKey}`,
      `--client-ca-file=${files.ca}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${files.saPub}`,
      `--service-account-signing-key-file=${files.saKey}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      ...(opts.apiServerFlags ?? []),
    ];
    const startApiServer = () =>
      (components['kube-apiserver'] = startComponent(
        'kube-apiserver',
        bins['kube-apiserver'],
        apiServerArgs,
        join(logs, 'kube-apiserver.log'),
        spawnOpts,
      ));
    startApiServer();

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    const waitReady = () =>
      waitFor(
        'kube-apiserver /readyz',
        timeoutMs,
        async () =>
          (await client.request<string>('GET', '/readyz', { accept: 'text/plain' })) !== undefined
            ? true
            : undefined,
        components['kube-apiserver'],
      );
    await waitReady();

    const componentArgs = (kubeconfig: string) => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
    ];
    if (wanted.has('controller-manager')) {
      const kc = await writeKubeconfig(
        'controller-manager.kubeconfig',
        'system:kube-controller-manager',
        kcm,
      );
      components['kube-controller-manager'] = startComponent(
        'kube-controller-manager',
        bins['kube-controller-manager'],
        [
          ...componentArgs(kc),
          '--use-service-account-credentials=true',
          `--service-account-private-key-file=${files.saKey}`,
          `--root-ca-file=${files.ca}`,
          `--cluster-signing-cert-file=${files.ca}`,
          `--cluster-signing-key-file=${files.caKey}`,
          '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller',
        ],
        join(logs, 'kube-controller-manager.log'),
        spawnOpts,
      );
    }
    if (wanted.has('scheduler')) {
      const kc = await writeKubeconfig('scheduler.kubeconfig', 'system:kube-scheduler', sched);
      components['kube-scheduler'] = startComponent(
        'kube-scheduler',
        bins['kube-scheduler'],
        componentArgs(kc),
        join(logs, 'kube-scheduler.log'),
        spawnOpts,
      );
    }
    if (wanted.has('kwok')) {
      components.kwok = startComponent(
        'kwok',
        bins.kwok,
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--config=${join(binariesDir(), KWOK_STAGES_FILE)}`,
          '--node-lease-duration-seconds=40',
          '--manage-all-nodes=false',
          '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
          '--cidr=10.244.0.0/16',
          '--node-ip=10.244.0.1',
          '--server-address=',
        ],
        join(logs, 'kwok.log'),
        spawnOpts,
      );
    }
    if (nodes > 0) {
      await Promise.all(
        Array.from({ length: nodes }, (_, i) =>
          client.create(builtin.node, fakeNode(`kwok-node-${i}`)).catch((err) => {
            if (!isAlreadyExists(err)) throw err;
          }),
        ),
      );
      await waitFor(
        `${nodes} Ready nodes`,
        timeoutMs,
        async () => {
          const list = await client.list<{ status?: { conditions?: { type: string; status: string }[] } }>(
            builtin.node,
          );
          const ready = list.items.filter((n) =>
            n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          );
          return ready.length >= nodes ? true : undefined;
        },
        components.kwok,
      );
    }
    if (wanted.has('controller-manager')) {
      // Pods need the default ServiceAccount, which the controller-manager creates.
      await waitFor(
        'the default ServiceAccount',
        timeoutMs,
        () => client.get(builtin.serviceAccount, 'default', 'default').then(() => true),
        components['kube-controller-manager'],
      );
    }

    let stopped = false;
    return {
      dir,
      server,
      etcdUrl,
      kubeconfigPath,
      kubeConfig,
      caPem: ca.certPem,
      components,
      async kubeconfigFor(user, groups = []) {
        return writeKubeconfig(
          `${user.replace(/[^a-zA-Z0-9_.-]/g, '_')}.kubeconfig`,
          user,
          await issue(user, groups),
        );
      },
      async restartApiServer() {
        await stopComponent(components['kube-apiserver']!);
        startApiServer();
        await waitReady();
      },
      async compactEtcd() {
        const post = async (path: string, body: unknown) => {
          const res = await fetch(etcdUrl + path, { method: 'POST', body: JSON.stringify(body) });
          if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
          return (await res.json()) as { header: { revision: string } };
        };
        const { header } = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
        const revision = Number(header.revision);
        await post('/v3/kv/compaction', { revision, physical: true });
        return revision;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await client.close();
        await stopAll();
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
