// kubeadm configuration of the HA control plane (seed 004 §13.1, stage 6): `kubeadm/init.yaml` for
// the first control-plane node (InitConfiguration + ClusterConfiguration) and one JoinConfiguration
// per other Kubernetes node. Every Kubernetes address is on the Kubernetes backend plane (wg3).
//
// No secret is written into these files. The bootstrap token and the certificate key are
// `${KUBEADM_TOKEN}` / `${KUBEADM_CERTIFICATE_KEY}` placeholders whose values live in the 0600 file
// secrets/kubeadm.env; `${KUBEADM_CA_CERT_HASH}` (the discovery pin, not secret) is only known once the
// cluster CA exists. Stage 6 substitutes the three when it copies a file to its node, so the rendered
// tree can be read, diffed and logged safely.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KUBERNETES_VERSION } from '@industriverse/testenv/versions';
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';
import { DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR } from '../api/defaults.ts';
import { addressPlan, planeNames, type AddressPlan } from '../addressing.ts';
import { parseCidr } from '../validate/ipv4.ts';
import type { Rendered } from './files.ts';
import { hashComment } from './comment.ts';
import { toYaml } from './yaml.ts';

export const API_SERVER_PORT = 6443;
/** The rendered secrets file holding the bootstrap token and certificate key (0600). */
export const KUBEADM_SECRETS_FILE = 'secrets/kubeadm.env';
/** Variables the kubeadm files reference as `${NAME}`. */
export const KUBEADM_PLACEHOLDERS = {
  token: 'KUBEADM_TOKEN',
  certificateKey: 'KUBEADM_CERTIFICATE_KEY',
  caCertHash: 'KUBEADM_CA_CERT_HASH',
} as const;

const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';
const PKI_DIR = '/etc/kubernetes/pki';
const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
// Keeps pods off a node until its Cilium agent is ready; the Cilium operator removes it.
const CILIUM_NOT_READY_TAINT = { key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' };
/** Per-node pod block: /24 unless the pod CIDR has fewer /24s than nodes, never smaller than this. */
const POD_MASK_DEFAULT = 24;
const POD_MASK_MAX = 26;

export interface KubeadmSecrets {
  /** Bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
  token: string;
  /** Key encrypting the control-plane certificates uploaded for joining control-plane nodes: 64 hex digits. */
  certificateKey: string;
}

export interface RenderKubeadmOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
  /** Secrets to write (e.g. those of an earlier render, so a re-render is byte-identical); default: new ones. */
  secrets?: KubeadmSecrets;
}

const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CERTIFICATE_KEY = /^[0-9a-f]{64}$/;

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function generateKubeadmSecrets(): KubeadmSecrets {
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return {
    token: `${randomString(alnum, 6)}.${randomString(alnum, 16)}`,
    certificateKey: randomString('0123456789abcdef', 64),
  };
}

/** Reads the secrets file a render wrote; `where` names it in errors. */
export function parseKubeadmSecrets(text: string, where: string = KUBEADM_SECRETS_FILE): KubeadmSecrets {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) values.set(m[1]!, m[2]!);
  }
  const token = values.get(KUBEADM_PLACEHOLDERS.token) ?? '';
  const certificateKey = values.get(KUBEADM_PLACEHOLDERS.certificateKey) ?? '';
  if (!TOKEN.test(token))
    throw new Error(`${where}: ${KUBEADM_PLACEHOLDERS.token} is not a kubeadm bootstrap token`);
  if (!CERTIFICATE_KEY.test(certificateKey))
    throw new Error(`${where}: ${KUBEADM_PLACEHOLDERS.certificateKey} is not 64 hex digits`);
  return { token, certificateKey };
}

/** The secrets an earlier render left in outDir, or undefined when there are none. */
export function kubeadmSecretsFromDir(outDir: string): KubeadmSecrets | undefined {
  const file = path.join(outDir, KUBEADM_SECRETS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseKubeadmSecrets(text, file);
}

/**
 * The patch release a spec version names: `v1.N.P` as written; `v1.N.x` is the repository's pinned
 * Kubernetes release when its minor is N, else `v1.N.0` (until manufacturing locks resolve it).
 */
export function resolveKubernetesVersion(version: string, pinned: string = KUBERNETES_VERSION): string {
  const m = /^v1\.([0-9]+)\.x$/.exec(version);
  if (!m) return version;
  return pinned.startsWith(`v1.${m[1]}.`) ? pinned : `v1.${m[1]}.0`;
}

/** kubeadm.k8s.io/v1beta4 from Kubernetes 1.31 (where it appeared), v1beta3 before. */
export function kubeadmApiVersion(resolvedVersion: string): string {
  const minor = Number(/^v1\.([0-9]+)\./.exec(resolvedVersion)?.[1]);
  return minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

/** The Kubernetes backend plane: the first plane whose purpose is kubernetes-backend, else wg3. */
export function kubernetesPlane(spec: ClusterSpec): string {
  const planes = planeNames(spec);
  const plane =
    planes.find((p) => spec.spec.networking.planes[p]!.purpose === 'kubernetes-backend') ??
    planes.find((p) => p === 'wg3');
  if (!plane)
    throw new Error(
      '/spec/networking/planes: Kubernetes needs a plane with purpose kubernetes-backend (or wg3)',
    );
  return plane;
}

/** Nodes that run Kubernetes (control-plane and worker roles), in inventory order. */
export function kubernetesNodes(spec: ClusterSpec): NodeSpecT[] {
  return spec.spec.nodes.inventory.filter((n) => n.role === 'control-plane' || n.role === 'worker');
}

export function controlPlaneNodes(spec: ClusterSpec): NodeSpecT[] {
  const nodes = spec.spec.nodes.inventory.filter((n) => n.role === 'control-plane');
  if (nodes.length === 0)
    throw new Error('/spec/nodes/inventory: Kubernetes needs at least one control-plane node');
  return nodes;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** kubernetes.ha.controlPlaneEndpoint, or the first control-plane node's Kubernetes-plane address:6443. */
export function controlPlaneEndpoint(spec: ClusterSpec, plan: AddressPlan): Endpoint {
  const written = spec.spec.kubernetes.ha.controlPlaneEndpoint;
  if (written === undefined) {
    const first = controlPlaneNodes(spec)[0]!;
    return { host: plan.get(first.name)!.get(kubernetesPlane(spec))!, port: API_SERVER_PORT };
  }
  const m = /^([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(written);
  const port = Number(m?.[2] ?? API_SERVER_PORT);
  if (!m || port < 1 || port > 65535)
    throw new Error(`/spec/kubernetes/ha/controlPlaneEndpoint: ${JSON.stringify(written)} is not host:port`);
  return { host: m[1]!, port };
}

export function kubernetesNetworks(spec: ClusterSpec): { podCidr: string; serviceCidr: string } {
  return spec.spec.kubernetes.networking ?? { podCidr: DEFAULT_POD_CIDR, serviceCidr: DEFAULT_SERVICE_CIDR };
}

/** Prefix length of each node's pod block: /24, narrowed (to /26 at most) so the pod CIDR holds every node. */
export function podCidrMaskSize(spec: ClusterSpec): number {
  const { podCidr } = kubernetesNetworks(spec);
  const cidr = parseCidr(podCidr);
  if (!cidr) throw new Error(`/spec/kubernetes/networking/podCidr: invalid CIDR ${podCidr}`);
  const nodes = kubernetesNodes(spec).length;
  const mask = Math.max(POD_MASK_DEFAULT, cidr.prefix + Math.ceil(Math.log2(Math.max(nodes, 1))));
  if (mask > POD_MASK_MAX)
    throw new Error(
      `/spec/kubernetes/networking/podCidr: ${podCidr} cannot give each of ${nodes} nodes a /${POD_MASK_MAX} pod block`,
    );
  return mask;
}

const placeholder = (name: string) => `\${${name}}`;

interface Context {
  plane: string;
  plan: AddressPlan;
  endpoint: string;
  /** Component extra arguments: a list of {name, value} in v1beta4, a map before. */
  args: (values: Record<string, string>) => unknown;
}

function nodeRegistration(ctx: Context, node: NodeSpecT): Record<string, unknown> {
  const taints =
    node.role === 'control-plane' ? [CONTROL_PLANE_TAINT, CILIUM_NOT_READY_TAINT] : [CILIUM_NOT_READY_TAINT];
  return {
    name: node.name,
    criSocket: CRI_SOCKET,
    // Images come with the artifact: a missing one fails preflight instead of being pulled.
    imagePullPolicy: 'Never',
    taints,
    kubeletExtraArgs: ctx.args({ 'node-ip': address(ctx, node) }),
  };
}

function address(ctx: Context, node: NodeSpecT): string {
  return ctx.plan.get(node.name)!.get(ctx.plane)!;
}

function localEndpoint(ctx: Context, node: NodeSpecT) {
  return { advertiseAddress: address(ctx, node), bindPort: API_SERVER_PORT };
}

function etcdConfig(spec: ClusterSpec): Record<string, unknown> {
  const ha = spec.spec.kubernetes.ha;
  if (ha.etcd === 'stacked') return { local: { dataDir: '/var/lib/etcd' } };
  if (!ha.externalEtcd)
    throw new Error('/spec/kubernetes/ha/externalEtcd: etcd is external but no endpoints are given');
  return {
    external: {
      endpoints: ha.externalEtcd.endpoints,
      caFile: `${PKI_DIR}/etcd/ca.crt`,
      certFile: `${PKI_DIR}/apiserver-etcd-client.crt`,
      keyFile: `${PKI_DIR}/apiserver-etcd-client.key`,
    },
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * `kubeadm/init.yaml`, `kubeadm/join-control-plane-<node>.yaml`, `kubeadm/join-<node>.yaml` and the
 * secrets file; nothing when Kubernetes is off. Storage nodes do not join Kubernetes.
 */
export function renderKubeadm(spec: ClusterSpec, opts: RenderKubeadmOptions = {}): Rendered {
  const k8s = spec.spec.kubernetes;
  if (!k8s.enabled) return [];
  const plan = opts.plan ?? addressPlan(spec);
  const secrets = opts.secrets ?? generateKubeadmSecrets();
  const version = resolveKubernetesVersion(k8s.version);
  const apiVersion = kubeadmApiVersion(version);
  const v1beta4 = apiVersion.endsWith('v1beta4');
  const endpoint = controlPlaneEndpoint(spec, plan);
  const ctx: Context = {
    plane: kubernetesPlane(spec),
    plan,
    endpoint: `${endpoint.host}:${endpoint.port}`,
    args: (values) =>
      v1beta4 ? Object.entries(values).map(([name, value]) => ({ name, value })) : { ...values },
  };
  const controlPlanes = controlPlaneNodes(spec);
  const [first, ...joiningControlPlanes] = controlPlanes;
  const networks = kubernetesNetworks(spec);
  // Prometheus scrapes the API servers over the observability plane, so those addresses are SANs too.
  const scrapePlane = k8s.observability.enabled ? k8s.observability.bindPlane : undefined;
  const certSANs = unique([
    endpoint.host,
    ...controlPlanes.map((n) => address(ctx, n)),
    ...(scrapePlane
      ? controlPlanes.map((n) => plan.get(n.name)?.get(scrapePlane)).filter((a) => a !== undefined)
      : []),
  ]);
  const token = placeholder(KUBEADM_PLACEHOLDERS.token);
  const certificateKey = placeholder(KUBEADM_PLACEHOLDERS.certificateKey);
  const cluster = spec.metadata.name;
  const header = (what: string) => [
    `kubeadm ${what} of cluster ${cluster} (Kubernetes ${version}); rendered from the ClusterSpec, do not edit.`,
    `Placeholders ${Object.values(KUBEADM_PLACEHOLDERS).join(', ')} are filled at stage 6 (${KUBEADM_SECRETS_FILE}).`,
  ];

  const init = {
    apiVersion,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token,
        description: `kubedos join token of ${cluster}`,
        ttl: `${spec.spec.security.enrollment.joinWindowMinutes}m0s`,
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ],
    certificateKey,
    localAPIEndpoint: localEndpoint(ctx, first!),
    nodeRegistration: nodeRegistration(ctx, first!),
    // Cilium replaces kube-proxy.
    skipPhases: ['addon/kube-proxy'],
  };
  const clusterConfiguration = {
    apiVersion,
    kind: 'ClusterConfiguration',
    clusterName: cluster,
    kubernetesVersion: version,
    controlPlaneEndpoint: ctx.endpoint,
    certificatesDir: PKI_DIR,
    networking: {
      dnsDomain: 'cluster.local',
      podSubnet: networks.podCidr,
      serviceSubnet: networks.serviceCidr,
    },
    apiServer: { certSANs },
    controllerManager: { extraArgs: ctx.args({ 'node-cidr-mask-size': String(podCidrMaskSize(spec)) }) },
    etcd: etcdConfig(spec),
  };
  const out: Rendered = [
    {
      path: 'kubeadm/init.yaml',
      content:
        hashComment([
          ...header(`init configuration of ${first!.name}`),
          'Run: kubeadm init --upload-certs --config <this file>',
        ]) +
        toYaml(init) +
        '---\n' +
        toYaml(clusterConfiguration),
    },
  ];

  const discovery = {
    bootstrapToken: {
      apiServerEndpoint: ctx.endpoint,
      token,
      caCertHashes: [placeholder(KUBEADM_PLACEHOLDERS.caCertHash)],
    },
  };
  for (const node of joiningControlPlanes) {
    const join = {
      apiVersion,
      kind: 'JoinConfiguration',
      discovery,
      nodeRegistration: nodeRegistration(ctx, node),
      controlPlane: { localAPIEndpoint: localEndpoint(ctx, node), certificateKey },
    };
    out.push({
      path: `kubeadm/join-control-plane-${node.name}.yaml`,
      content: hashComment(header(`control-plane join configuration of ${node.name}`)) + toYaml(join),
    });
  }
  for (const node of kubernetesNodes(spec)) {
    if (node.role !== 'worker') continue;
    const join = {
      apiVersion,
      kind: 'JoinConfiguration',
      discovery,
      nodeRegistration: nodeRegistration(ctx, node),
    };
    out.push({
      path: `kubeadm/join-${node.name}.yaml`,
      content: hashComment(header(`join configuration of ${node.name}`)) + toYaml(join),
    });
  }

  out.push({
    path: KUBEADM_SECRETS_FILE,
    content:
      `# kubeadm bootstrap secrets of cluster ${cluster}: never print, log or commit.\n` +
      `# ${KUBEADM_PLACEHOLDERS.caCertHash} is not here: stage 6 computes it from the cluster CA after init.\n` +
      `${KUBEADM_PLACEHOLDERS.token}=${secrets.token}\n` +
      `${KUBEADM_PLACEHOLDERS.certificateKey}=${secrets.certificateKey}\n`,
    mode: 0o600,
    secret: true,
  });
  return out;
}
