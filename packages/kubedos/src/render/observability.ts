// Observability baseline (seed 004 §13.3) bound to the observability plane (bindPlane, wg2 by
// convention): Prometheus, Grafana and Loki run on one node, the observability host, and listen on
// its plane address only; every scrape goes to a plane address, so metrics never leave the plane.
//
// The observability host is the first worker of the inventory (the first control-plane node when
// there is no worker). Scrape targets:
//   - node exporters (9100) on every node;
//   - the API servers (https, 6443) on the control-plane nodes: their certificates name these addresses;
//   - each Kubernetes node's kubelet and cAdvisor through the API server's node proxy, spread over the
//     control-plane nodes, because kubelet serving certificates do not name plane addresses;
//   - Cilium agents (9962) and Hubble (9965) on every Kubernetes node;
//   - Prometheus, Grafana and Loki themselves.
// Credentials are relative paths, resolved by Prometheus next to prometheus.yml: secrets/kubernetes-ca.crt
// (the cluster CA) and secrets/kubernetes-token (a service-account token allowed to read nodes/proxy
// and /metrics), both provisioned at stage 6.
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';
import { addressPlan, type AddressPlan } from '../addressing.ts';
import { CILIUM_AGENT_METRICS_PORT, HUBBLE_METRICS_PORT } from './cilium.ts';
import type { Rendered } from './files.ts';
import { API_SERVER_PORT, controlPlaneNodes, kubernetesNodes } from './kubeadm.ts';
import { hashComment } from './comment.ts';
import { toYaml } from './yaml.ts';

export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;
export const LOKI_PORT = 3100;
export const LOKI_GRPC_PORT = 9096;
export const NODE_EXPORTER_PORT = 9100;
export const SCRAPE_INTERVAL = '30s';

const CA_FILE = 'secrets/kubernetes-ca.crt';
const TOKEN_FILE = 'secrets/kubernetes-token';

export interface RenderObservabilityOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

/** The node that runs Prometheus, Grafana and Loki. */
export function observabilityHost(spec: ClusterSpec): NodeSpecT {
  const inventory = spec.spec.nodes.inventory;
  return inventory.find((n) => n.role === 'worker') ?? controlPlaneNodes(spec)[0]!;
}

/** A node's address in the bind plane. */
function bindAddress(spec: ClusterSpec, plan: AddressPlan, node: NodeSpecT): string {
  const { bindPlane } = spec.spec.kubernetes.observability;
  const ip = plan.get(node.name)?.get(bindPlane);
  if (ip === undefined)
    throw new Error(`/spec/kubernetes/observability/bindPlane: ${bindPlane} is not a plane of the spec`);
  return ip;
}

function nodeLabels(node: NodeSpecT): Record<string, string> {
  return { node: node.name, role: node.role, failure_domain: node.failureDomain };
}

/** The scrape configuration as data, for `observability/prometheus.yml`. */
export function prometheusConfig(spec: ClusterSpec, plan: AddressPlan): Record<string, unknown> {
  const { stack } = spec.spec.kubernetes.observability;
  const at = (node: NodeSpecT) => bindAddress(spec, plan, node);
  const host = at(observabilityHost(spec));
  const perNode = (nodes: readonly NodeSpecT[], port: number) =>
    nodes.map((n) => ({ targets: [`${at(n)}:${port}`], labels: nodeLabels(n) }));
  const kubernetesAuth = {
    scheme: 'https',
    authorization: { credentials_file: TOKEN_FILE },
    tls_config: { ca_file: CA_FILE },
  };
  const controlPlanes = controlPlaneNodes(spec);
  const k8sNodes = kubernetesNodes(spec);
  const viaApiServer = (suffix: string) =>
    k8sNodes.map((n, i) => ({
      targets: [`${at(controlPlanes[i % controlPlanes.length]!)}:${API_SERVER_PORT}`],
      labels: { __metrics_path__: `/api/v1/nodes/${n.name}/proxy/metrics${suffix}`, ...nodeLabels(n) },
    }));
  const jobs: Record<string, unknown>[] = [
    { job_name: 'prometheus', static_configs: [{ targets: [`${host}:${PROMETHEUS_PORT}`] }] },
    { job_name: 'node-exporter', static_configs: perNode(spec.spec.nodes.inventory, NODE_EXPORTER_PORT) },
    {
      job_name: 'kube-apiserver',
      ...kubernetesAuth,
      static_configs: perNode(controlPlanes, API_SERVER_PORT),
    },
    { job_name: 'kubelet', ...kubernetesAuth, static_configs: viaApiServer('') },
    { job_name: 'cadvisor', ...kubernetesAuth, static_configs: viaApiServer('/cadvisor') },
    { job_name: 'cilium-agent', static_configs: perNode(k8sNodes, CILIUM_AGENT_METRICS_PORT) },
  ];
  if (spec.spec.kubernetes.cni.hubble)
    jobs.push({ job_name: 'hubble', static_configs: perNode(k8sNodes, HUBBLE_METRICS_PORT) });
  if (stack.loki) jobs.push({ job_name: 'loki', static_configs: [{ targets: [`${host}:${LOKI_PORT}`] }] });
  if (stack.grafana)
    jobs.push({ job_name: 'grafana', static_configs: [{ targets: [`${host}:${GRAFANA_PORT}`] }] });
  return {
    global: {
      scrape_interval: SCRAPE_INTERVAL,
      scrape_timeout: '10s',
      evaluation_interval: SCRAPE_INTERVAL,
      external_labels: { cluster: spec.metadata.name },
    },
    scrape_configs: jobs,
  };
}

/**
 * `observability/prometheus.yml` and `observability/default/prometheus` (its listen address),
 * `observability/grafana/datasources.yaml` and `observability/grafana/grafana.ini`,
 * `observability/loki.yaml` — each when its component is on; nothing when observability or
 * Kubernetes is off.
 */
export function renderObservability(spec: ClusterSpec, opts: RenderObservabilityOptions = {}): Rendered {
  const k8s = spec.spec.kubernetes;
  const { enabled, stack, bindPlane } = k8s.observability;
  if (!k8s.enabled || !enabled) return [];
  const plan = opts.plan ?? addressPlan(spec);
  const hostNode = observabilityHost(spec);
  const host = bindAddress(spec, plan, hostNode);
  const cluster = spec.metadata.name;
  const header = (what: string) => [
    `${what} of cluster ${cluster}, on ${hostNode.name} bound to ${bindPlane} (${host}); rendered from the ClusterSpec, do not edit.`,
  ];
  const out: Rendered = [];
  if (stack.prometheus) {
    out.push({
      path: 'observability/prometheus.yml',
      content:
        hashComment([
          ...header('Prometheus scrape configuration'),
          'Relative files are read next to this file (/etc/prometheus): secrets/kubernetes-ca.crt, secrets/kubernetes-token.',
        ]) + toYaml(prometheusConfig(spec, plan)),
    });
    out.push({
      path: 'observability/default/prometheus',
      content:
        hashComment([`/etc/default/prometheus: ${header('Prometheus service arguments')[0]}`]) +
        `ARGS="--config.file=/etc/prometheus/prometheus.yml --web.listen-address=${host}:${PROMETHEUS_PORT}"\n`,
    });
  }
  if (stack.grafana) {
    const datasources = [
      ...(stack.prometheus
        ? [
            {
              name: 'Prometheus',
              type: 'prometheus',
              uid: 'prometheus',
              access: 'proxy',
              url: `http://${host}:${PROMETHEUS_PORT}`,
              isDefault: true,
              editable: false,
            },
          ]
        : []),
      ...(stack.loki
        ? [
            {
              name: 'Loki',
              type: 'loki',
              uid: 'loki',
              access: 'proxy',
              url: `http://${host}:${LOKI_PORT}`,
              isDefault: !stack.prometheus,
              editable: false,
            },
          ]
        : []),
    ];
    out.push({
      path: 'observability/grafana/datasources.yaml',
      content:
        hashComment(header('Grafana datasource provisioning')) + toYaml({ apiVersion: 1, datasources }),
    });
    out.push({
      path: 'observability/grafana/grafana.ini',
      content:
        `; ${header('Grafana server settings')[0]}\n` +
        `[server]\nhttp_addr = ${host}\nhttp_port = ${GRAFANA_PORT}\n\n` +
        // Air-gapped: nothing may phone home (seed §9.2).
        `[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates = false\n`,
    });
  }
  if (stack.loki) {
    out.push({
      path: 'observability/loki.yaml',
      content: hashComment(header('Loki single-binary configuration')) + toYaml(lokiConfig(host)),
    });
  }
  return out;
}

/** Loki in single-binary mode with filesystem storage, listening on `host` only. */
export function lokiConfig(host: string): Record<string, unknown> {
  return {
    auth_enabled: false,
    server: {
      http_listen_address: host,
      http_listen_port: LOKI_PORT,
      grpc_listen_address: host,
      grpc_listen_port: LOKI_GRPC_PORT,
    },
    common: {
      instance_addr: host,
      path_prefix: '/var/lib/loki',
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: {
        filesystem: { chunks_directory: '/var/lib/loki/chunks', rules_directory: '/var/lib/loki/rules' },
      },
    },
    schema_config: {
      configs: [
        {
          from: '2024-01-01',
          store: 'tsdb',
          object_store: 'filesystem',
          schema: 'v13',
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    analytics: { reporting_enabled: false },
  };
}
