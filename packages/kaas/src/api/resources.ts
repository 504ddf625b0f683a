// The kaas API, group infra.industriverse.ai/v1: KaaSCluster, ProofedDeployment and DACCapsule
// (seed 000 §3-4). One TypeBox schema per kind gives the CRD, client-side validation and the
// TypeScript types that the controller and the capsule loader share.
import { Type } from '@sinclair/typebox';
import { ConditionsSchema, defineResource, type ResourceOf } from '@industriverse/kube';
import { PROOF_TYPES } from './proof-types.ts';

export const GROUP = 'infra.industriverse.ai';
export const VERSION = 'v1';

/** `sha256:` and 64 lowercase hex digits: the digest of a capsule archive or a proof bundle. */
export const DIGEST_PATTERN = '^sha256:[a-f0-9]{64}$';

const ProofTypeSchema = Type.Union(
  PROOF_TYPES.map((t) => Type.Literal(t)),
  { description: 'A kind of proof.' },
);

const ProofPolicySchema = Type.Object(
  {
    required: Type.Boolean({
      default: false,
      description: 'Whether pods may only run once a verified proof bundle exists for the workload.',
    }),
    proofTypes: Type.Optional(
      Type.Array(ProofTypeSchema, { 'x-kubernetes-list-type': 'set', maxItems: PROOF_TYPES.length }),
    ),
  },
  {
    description: 'Which proofs the workload must carry.',
    'x-kubernetes-validations': [
      {
        rule: '!self.required || (has(self.proofTypes) && size(self.proofTypes) > 0)',
        message: 'proofTypes must name at least one proof type when required is true',
      },
    ],
  },
);

const UtidBindingSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('hardware-bound'), Type.Literal('soft')], {
      default: 'soft',
      description:
        'hardware-bound: pods run only on nodes whose hardware token passed attestation; soft: a software identity.',
    }),
  },
  { description: 'How the workload identity (UTID) is bound.' },
);

const DigestSchema = Type.String({ pattern: DIGEST_PATTERN, description: 'sha256:<hex> digest.' });

const BillingSchema = Type.Object(
  {
    unit: Type.String({
      pattern: '^[a-z][a-z0-9-]*$',
      maxLength: 63,
      description: 'What one charge is for, e.g. run, proof, gpu-minute.',
    }),
    price: Type.Number({ minimum: 0, description: 'Price of one unit.' }),
    currency: Type.Optional(
      Type.String({ pattern: '^[A-Z]{3}$', default: 'USD', description: 'ISO 4217 code.' }),
    ),
  },
  { description: 'Metering terms, exported as billing metrics.' },
);

const ObjectNameSchema = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
});

// ---------------------------------------------------------------------------------------------
// DACCapsule: a verified capsule package made available to a namespace.

export const dacCapsules = defineResource({
  group: GROUP,
  version: VERSION,
  kind: 'DACCapsule',
  plural: 'daccapsules',
  shortNames: ['dac'],
  categories: ['kaas'],
  scope: 'Namespaced',
  description: 'A signed capsule package (seed 003) verified and made available to this namespace.',
  spec: Type.Object({
    name: ObjectNameSchema,
    version: Type.String({ minLength: 1, maxLength: 128, description: 'Semantic version of the capsule.' }),
    digest: DigestSchema,
    source: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'Where the capsule came from: a capsule:// URI, a registry URL or a file.',
      }),
    ),
    image: Type.Optional(
      Type.String({ maxLength: 1024, description: 'Container image that runs the capsule.' }),
    ),
    signature: Type.Object(
      {
        keyId: Type.String({
          pattern: '^[a-f0-9]{64}$',
          description: 'sha256 of the signer public key (SPKI DER).',
        }),
        algorithm: Type.Union([Type.Literal('ecdsa-p256'), Type.Literal('ed25519')]),
      },
      { description: 'The key that signed checksum.sha256.' },
    ),
    manifest: Type.Object(
      {
        entrypoint: Type.String({ minLength: 1, maxLength: 1024 }),
        requirements: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })),
        proofPolicy: Type.Optional(ProofPolicySchema),
        prewarm: Type.Optional(Type.Boolean({ default: false })),
        billing: Type.Optional(BillingSchema),
      },
      { description: 'The parts of capsule.json the cluster acts on.' },
    ),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
    phase: Type.Optional(
      Type.Union([
        Type.Literal('Verified'),
        Type.Literal('Deployed'),
        Type.Literal('Proven'),
        Type.Literal('Failed'),
      ]),
    ),
    verifiedAt: Type.Optional(Type.String({ format: 'date-time' })),
    proofId: Type.Optional(DigestSchema),
    proofIds: Type.Optional(Type.Array(DigestSchema, { 'x-kubernetes-list-type': 'set' })),
    conditions: Type.Optional(ConditionsSchema),
  }),
  printerColumns: [
    { name: 'Capsule', type: 'string', jsonPath: '.spec.name' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Proof', type: 'string', jsonPath: '.status.proofId', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type DACCapsule = ResourceOf<typeof dacCapsules>;

// ---------------------------------------------------------------------------------------------
// ProofedDeployment: a Deployment whose pods carry a proof hash and a UTID identity.

const PodTemplateSchema = Type.Object(
  {
    metadata: Type.Optional(
      Type.Object({
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
      }),
    ),
    spec: Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'A core/v1 PodSpec; the apiserver validates it when the Deployment is created.',
    }),
  },
  { description: 'The pods to run, as in a Deployment.' },
);

export const proofedDeployments = defineResource({
  group: GROUP,
  version: VERSION,
  kind: 'ProofedDeployment',
  plural: 'proofeddeployments',
  shortNames: ['pd', 'pdeploy'],
  categories: ['kaas'],
  scope: 'Namespaced',
  description:
    'A Deployment bound to proofs and a UTID identity, with proof-aware autoscaling and warm pools.',
  spec: Type.Object(
    {
      template: PodTemplateSchema,
      replicas: Type.Optional(Type.Integer({ minimum: 0, format: 'int32' })),
      capsuleRef: Type.Optional(
        Type.Object(
          { name: ObjectNameSchema, digest: Type.Optional(DigestSchema) },
          { description: 'The DACCapsule this deployment runs.' },
        ),
      ),
      proofPolicy: Type.Optional(ProofPolicySchema),
      utidBinding: Type.Optional(UtidBindingSchema),
      prewarm: Type.Optional(
        Type.Boolean({ default: false, description: 'Keep a warm pool of pods ready.' }),
      ),
      autoscale: Type.Optional(
        Type.Object(
          {
            minReplicas: Type.Integer({ minimum: 0, default: 1, format: 'int32' }),
            maxReplicas: Type.Integer({ minimum: 1, format: 'int32' }),
            proofCostTarget: Type.Optional(
              Type.Number({ minimum: 0, description: 'Budget per run ($/run) the autoscaler keeps under.' }),
            ),
          },
          {
            'x-kubernetes-validations': [
              {
                rule: 'self.minReplicas <= self.maxReplicas',
                message: 'minReplicas must not exceed maxReplicas',
              },
            ],
          },
        ),
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: '!has(self.replicas) || !has(self.autoscale) || (self.replicas >= self.autoscale.minReplicas && self.replicas <= self.autoscale.maxReplicas)',
          message: 'replicas must lie within autoscale.minReplicas and autoscale.maxReplicas',
        },
      ],
    },
  ),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
    phase: Type.Optional(
      Type.Union([
        Type.Literal('Pending'),
        Type.Literal('Progressing'),
        Type.Literal('Ready'),
        Type.Literal('Degraded'),
        Type.Literal('Failed'),
      ]),
    ),
    replicas: Type.Optional(Type.Integer({ format: 'int32' })),
    readyReplicas: Type.Optional(Type.Integer({ format: 'int32' })),
    warmReplicas: Type.Optional(Type.Integer({ format: 'int32' })),
    proofHash: Type.Optional(DigestSchema),
    utid: Type.Optional(Type.String({ maxLength: 256 })),
    conditions: Type.Optional(ConditionsSchema),
  }),
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'UTID', type: 'string', jsonPath: '.spec.utidBinding.type' },
    { name: 'Proof', type: 'string', jsonPath: '.status.proofHash', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type ProofedDeployment = ResourceOf<typeof proofedDeployments>;

// ---------------------------------------------------------------------------------------------
// KaaSCluster: one tenant cluster managed as a service.

export const kaasClusters = defineResource({
  group: GROUP,
  version: VERSION,
  kind: 'KaaSCluster',
  plural: 'kaasclusters',
  shortNames: ['kc'],
  categories: ['kaas'],
  scope: 'Namespaced',
  description: 'A proof-backed, self-healing Kubernetes cluster offered as a service.',
  spec: Type.Object({
    kubernetesVersion: Type.String({ pattern: '^v1\\.[0-9]+\\.[0-9]+$', description: 'e.g. v1.35.4' }),
    controlPlane: Type.Object({
      replicas: Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(5)], {
        default: 3,
        description: 'Control-plane members; odd so etcd keeps quorum.',
      }),
    }),
    nodePools: Type.Array(
      Type.Object({
        name: ObjectNameSchema,
        replicas: Type.Integer({ minimum: 0, maximum: 1000, format: 'int32' }),
        gpusPerNode: Type.Optional(Type.Integer({ minimum: 0, maximum: 16, default: 0, format: 'int32' })),
        gpuModel: Type.Optional(Type.String({ maxLength: 128 })),
        edgeTags: Type.Optional(
          Type.Array(Type.String({ maxLength: 63 }), {
            'x-kubernetes-list-type': 'set',
            description: 'EDCoC tags for edge-aware scheduling.',
          }),
        ),
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      }),
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], maxItems: 64 },
    ),
    warmPools: Type.Optional(
      Type.Array(
        Type.Object({
          name: ObjectNameSchema,
          capsuleRef: Type.Object({ name: ObjectNameSchema }),
          size: Type.Integer({ minimum: 0, maximum: 100, format: 'int32' }),
          gpu: Type.Optional(Type.Boolean({ default: false })),
        }),
        { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], maxItems: 32 },
      ),
    ),
    proofPolicy: Type.Optional(ProofPolicySchema),
    utidBinding: Type.Optional(UtidBindingSchema),
    billing: Type.Optional(
      Type.Object({
        account: Type.String({ minLength: 1, maxLength: 128 }),
        currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' })),
      }),
    ),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
    phase: Type.Optional(
      Type.Union([
        Type.Literal('Provisioning'),
        Type.Literal('Ready'),
        Type.Literal('Degraded'),
        Type.Literal('Deleting'),
        Type.Literal('Failed'),
      ]),
    ),
    endpoint: Type.Optional(Type.String({ maxLength: 2048 })),
    readyNodes: Type.Optional(Type.Integer({ format: 'int32' })),
    conditions: Type.Optional(ConditionsSchema),
  }),
  printerColumns: [
    { name: 'Version', type: 'string', jsonPath: '.spec.kubernetesVersion' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.readyNodes' },
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type KaaSCluster = ResourceOf<typeof kaasClusters>;

/** Every kind of the kaas API, in the order `npm run generate` writes them. */
export const resources = [kaasClusters, proofedDeployments, dacCapsules];
