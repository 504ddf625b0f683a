// The objects a deploy writes, built from the verified manifest: the DACCapsule (the capsule made
// available to the namespace), the ProofedDeployment that runs it, and the warm pool. All are named
// after the capsule, so a new version of a capsule updates them in place.
import type { KubeObject } from '@industriverse/kube';
import {
  dacCapsules,
  proofedDeployments,
  type DACCapsule,
  type ProofedDeployment,
} from '@industriverse/kaas/api';
import type { CapsuleManifest } from '../manifest.ts';
import { ATTESTED_LABEL, GPU_RESOURCE, type Requirement } from './requirements.ts';

export const FIELD_MANAGER = 'capsule-loader';
export const LABEL_NAME = 'capsule.industriverse.ai/name';
export const LABEL_VERSION = 'capsule.industriverse.ai/version';
export const LABEL_POOL = 'capsule.industriverse.ai/pool';
export const ANNOTATION_DIGEST = 'capsule.industriverse.ai/digest';
/** Where capsule images live unless --image names one: <prefix>/<name>:<version>. */
export const DEFAULT_IMAGE_PREFIX = 'registry.industriverse/capsules';

export interface CapsuleObjectsInput {
  manifest: CapsuleManifest;
  requirements: readonly Requirement[];
  digest: string;
  keyId: string;
  algorithm: 'ecdsa-p256' | 'ed25519';
  namespace: string;
  /** Where the capsule came from (file path or capsule:// URI). */
  source: string;
  image?: string;
  warmReplicas?: number;
}

export function capsuleImage(manifest: Pick<CapsuleManifest, 'name' | 'version'>, image?: string): string {
  return image ?? `${DEFAULT_IMAGE_PREFIX}/${manifest.name}:${manifest.version}`;
}

export function capsuleLabels(manifest: Pick<CapsuleManifest, 'name' | 'version'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': manifest.name,
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    [LABEL_NAME]: manifest.name,
    [LABEL_VERSION]: manifest.version,
  };
}

export function warmPoolName(name: string): string {
  return `${name}-warm`;
}

function utidType(requirements: readonly Requirement[]): 'hardware-bound' | 'soft' {
  return requirements.some((r) => r.kind === 'utid' && r.value === 'hardware-bound')
    ? 'hardware-bound'
    : 'soft';
}

/** Scheduling and resources shared by the workload and its warm pool. */
function podSpec(input: CapsuleObjectsInput, container: Record<string, unknown>): Record<string, unknown> {
  const { requirements } = input;
  const gpu = requirements.some((r) => r.kind === 'gpu' && r.value);
  const requests: Record<string, string> = {};
  for (const r of requirements) {
    if (r.kind === 'cpu' || r.kind === 'memory') requests[r.kind] = r.text.slice(r.text.indexOf(':') + 1);
  }
  const hardwareBound = utidType(requirements) === 'hardware-bound';
  const tolerations = [
    ...(gpu ? [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }] : []),
    ...(hardwareBound ? [{ key: ATTESTED_LABEL, operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  return {
    containers: [
      {
        ...container,
        image: capsuleImage(input.manifest, input.image),
        env: [
          { name: 'CAPSULE_NAME', value: input.manifest.name },
          { name: 'CAPSULE_VERSION', value: input.manifest.version },
          { name: 'CAPSULE_DIGEST', value: input.digest },
        ],
        resources: {
          ...(Object.keys(requests).length ? { requests } : {}),
          ...(gpu ? { limits: { [GPU_RESOURCE]: '1' } } : {}),
        },
      },
    ],
    ...(hardwareBound ? { nodeSelector: { [ATTESTED_LABEL]: 'true' } } : {}),
    ...(tolerations.length ? { tolerations } : {}),
  };
}

export function dacCapsuleObject(input: CapsuleObjectsInput): DACCapsule {
  const { manifest } = input;
  const types = manifest.proof_policy?.types ?? [];
  return {
    apiVersion: dacCapsules.apiVersion,
    kind: dacCapsules.kind,
    metadata: {
      name: manifest.name,
      namespace: input.namespace,
      labels: capsuleLabels(manifest),
      annotations: { [ANNOTATION_DIGEST]: input.digest },
    },
    spec: {
      name: manifest.name,
      version: manifest.version,
      digest: input.digest,
      source: input.source,
      image: capsuleImage(manifest, input.image),
      signature: { keyId: input.keyId, algorithm: input.algorithm },
      manifest: {
        entrypoint: manifest.entrypoint,
        requirements: [...(manifest.requirements ?? [])],
        ...(manifest.proof_policy
          ? {
              proofPolicy: {
                required: manifest.proof_policy.required ?? false,
                ...(types.length ? { proofTypes: [...types] } : {}),
              } as NonNullable<DACCapsule['spec']['manifest']['proofPolicy']>,
            }
          : {}),
        prewarm: manifest.prewarm ?? false,
        ...(manifest.billing
          ? { billing: manifest.billing as NonNullable<DACCapsule['spec']['manifest']['billing']> }
          : {}),
      },
    },
  };
}

export function proofedDeploymentObject(input: CapsuleObjectsInput): ProofedDeployment {
  const { manifest } = input;
  const labels = { ...capsuleLabels(manifest), capsule: manifest.name };
  const types = manifest.proof_policy?.types ?? [];
  return {
    apiVersion: proofedDeployments.apiVersion,
    kind: proofedDeployments.kind,
    metadata: { name: manifest.name, namespace: input.namespace, labels: capsuleLabels(manifest) },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels, annotations: { [ANNOTATION_DIGEST]: input.digest } },
        spec: podSpec(input, { name: 'engine', args: [manifest.entrypoint] }),
      },
      capsuleRef: { name: manifest.name, digest: input.digest },
      proofPolicy: {
        required: manifest.proof_policy?.required ?? false,
        ...(types.length ? { proofTypes: [...types] } : {}),
      } as NonNullable<ProofedDeployment['spec']['proofPolicy']>,
      utidBinding: { type: utidType(input.requirements) },
      prewarm: manifest.prewarm ?? false,
    },
  };
}

/** The warm pool: placeholder pods that hold a node (and its GPU) with the capsule image pulled. */
export function warmPoolObject(input: CapsuleObjectsInput): KubeObject {
  const { manifest } = input;
  const selector = { [LABEL_NAME]: manifest.name, [LABEL_POOL]: 'warm' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: warmPoolName(manifest.name),
      namespace: input.namespace,
      labels: { ...capsuleLabels(manifest), [LABEL_POOL]: 'warm' },
    },
    spec: {
      replicas: input.warmReplicas ?? 1,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...capsuleLabels(manifest), ...selector },
          annotations: { [ANNOTATION_DIGEST]: input.digest },
        },
        // The image's entrypoint is not run: the pod only keeps the image pulled and the node reserved.
        spec: podSpec(input, { name: 'warm', command: ['sleep', 'infinity'] }),
      },
    },
  };
}

/**
 * What the kaas API would reject in the objects of `input` (e.g. a proof type or billing unit the
 * cluster's API does not know), one message each; checked before anything is applied.
 */
export function objectProblems(input: CapsuleObjectsInput): string[] {
  const problems: string[] = [];
  const check = (kind: string, result: ReturnType<typeof dacCapsules.validate>) => {
    if (!result.ok) for (const e of result.errors) problems.push(`${kind} ${e.path}: ${e.message}`);
  };
  check('DACCapsule', dacCapsules.validate(dacCapsuleObject(input)));
  check('ProofedDeployment', proofedDeployments.validate(proofedDeploymentObject(input)));
  return problems;
}
