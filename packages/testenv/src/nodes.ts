import type { KubeObject } from '@industriverse/kube';

/** A Node that kwok manages: it heartbeats, reports Ready and runs the pods bound to it. */
export function fakeNode(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'nvidia.com/gpu': '8' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110', 'nvidia.com/gpu': '8' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
      },
      phase: 'Running',
    },
  };
}
