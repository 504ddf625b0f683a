// Cilium Helm values (seed 004 §13.2): Cilium is the CNI and replaces kube-proxy, talks to the API
// server at the control-plane endpoint, and carries pod traffic over the Kubernetes backend plane.
//
// Pods of different nodes reach each other in Cilium's VXLAN tunnel (kernel datapath), declared
// here as §10.3 requires: it runs inside the wg3 WireGuard plane, whose AllowedIPs hold node
// addresses only (native routing would need the pod blocks there too).
import type { ClusterSpec } from '../api/clusterspec.ts';
import { addressPlan, type AddressPlan } from '../addressing.ts';
import type { Rendered } from './files.ts';
import {
  controlPlaneEndpoint,
  kubernetesNetworks,
  kubernetesNodes,
  kubernetesPlane,
  podCidrMaskSize,
} from './kubeadm.ts';
import { hashComment } from './comment.ts';
import { toYaml } from './yaml.ts';

/** Ports of Cilium's Prometheus endpoints (the chart's defaults, written out for the scrape config). */
export const CILIUM_AGENT_METRICS_PORT = 9962;
export const CILIUM_OPERATOR_METRICS_PORT = 9963;
export const HUBBLE_METRICS_PORT = 9965;

export interface RenderCiliumOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

/** The values as data, for `cilium/values.yaml`. */
export function ciliumValues(spec: ClusterSpec, plan: AddressPlan): Record<string, unknown> {
  const k8s = spec.spec.kubernetes;
  const endpoint = controlPlaneEndpoint(spec, plan);
  const hubble = k8s.cni.hubble;
  return {
    cluster: { name: spec.metadata.name },
    kubeProxyReplacement: true,
    k8sServiceHost: endpoint.host,
    k8sServicePort: endpoint.port,
    devices: [kubernetesPlane(spec)],
    routingMode: 'tunnel',
    tunnelProtocol: 'vxlan',
    ipv4: { enabled: true },
    ipv6: { enabled: false },
    ipam: {
      mode: 'cluster-pool',
      operator: {
        clusterPoolIPv4PodCIDRList: [kubernetesNetworks(spec).podCidr],
        clusterPoolIPv4MaskSize: podCidrMaskSize(spec),
      },
    },
    // deny: every endpoint is isolated until a policy allows its traffic; allow: only selected endpoints are.
    policyEnforcementMode: k8s.cni.policyDefault === 'deny' ? 'always' : 'default',
    prometheus: { enabled: true, port: CILIUM_AGENT_METRICS_PORT },
    operator: {
      replicas: Math.min(2, kubernetesNodes(spec).length),
      prometheus: { enabled: true, port: CILIUM_OPERATOR_METRICS_PORT },
    },
    hubble: {
      enabled: hubble,
      relay: { enabled: hubble },
      ui: { enabled: hubble },
      metrics: hubble
        ? { enabled: ['dns', 'drop', 'tcp', 'flow', 'icmp', 'port-distribution'], port: HUBBLE_METRICS_PORT }
        : { enabled: null },
    },
  };
}

/** `cilium/values.yaml`; nothing when Kubernetes is off. */
export function renderCilium(spec: ClusterSpec, opts: RenderCiliumOptions = {}): Rendered {
  if (!spec.spec.kubernetes.enabled) return [];
  const plan = opts.plan ?? addressPlan(spec);
  return [
    {
      path: 'cilium/values.yaml',
      content:
        hashComment([
          `Cilium Helm values of cluster ${spec.metadata.name}; rendered from the ClusterSpec, do not edit.`,
          `Install: helm install cilium <chart> --namespace kube-system --values <this file>`,
        ]) + toYaml(ciliumValues(spec, plan)),
    },
  ];
}
