// The automated loop of seed 003 §5 as an Argo Workflow: download → verify → publish → deploy →
// generate-proof, each a container running the capsule CLI on a volume the steps share. Written
// with the ServiceAccount and cluster role the steps run as.
import { stringify } from 'yaml';

export interface WorkflowOptions {
  /** capsule://name:version of the capsule to deploy. */
  capsule?: string;
  /** URL of the capsule registry (`capsule registry serve`). */
  registry?: string;
  /** Namespace the capsule is deployed into. */
  namespace?: string;
  /** Image that holds the capsule CLI (node, bwrap) the steps run. */
  image?: string;
}

export const WORKFLOW_DEFAULTS = {
  capsule: 'capsule://m2n2-metal:0.1.0',
  registry: 'http://capsule-registry.capsule-system.svc:8080',
  namespace: 'default',
  image: 'ghcr.io/industriverse/capsule:0.1.0',
} as const;

/** The ServiceAccount the workflow's pods run as. */
export const WORKFLOW_SERVICE_ACCOUNT = 'capsule-deployer';
/** Secret holding `capsule.pub` (the keys capsules are verified with) and `token` (registry writes). */
export const WORKFLOW_SECRET = 'capsule-deployer';

const CAPSULE_FILE = '/work/capsule.tar.gz';
const KEY_FILE = '/keys/capsule.pub';
const p = (name: string) => `{{workflow.parameters.${name}}}`;
/** deploy-capsule-k8s and generate-proof run the same deploy; the first stops after the cluster steps. */
const deployArgs = [
  'deploy',
  CAPSULE_FILE,
  '--namespace',
  p('namespace'),
  '--registry',
  p('registry'),
  '--key',
  KEY_FILE,
  '--json',
];

type Obj = Record<string, unknown>;

// Transient failures (registry or apiserver unreachable, pod evicted) are retried with backoff; a
// capsule that fails verification fails the same way every time, so verify is not retried.
const retry = (limit: number, retryPolicy: 'OnError' | 'OnFailure' | 'Always'): Obj => ({
  // IntOrString fields are strings in Argo's published schema.
  limit: String(limit),
  retryPolicy,
  backoff: { duration: '10s', factor: '2', maxDuration: '5m' },
});

function cliTemplate(
  name: string,
  description: string,
  args: string[],
  extra: { retryStrategy?: Obj; securityContext?: Obj } = {},
): Obj {
  return {
    name,
    metadata: { annotations: { 'workflows.argoproj.io/description': description } },
    container: {
      image: p('capsule-image'),
      command: ['capsule'],
      args,
      env: [
        { name: 'CAPSULE_STATE_DIR', value: '/work/state' },
        {
          name: 'CAPSULE_REGISTRY_TOKEN',
          valueFrom: { secretKeyRef: { name: WORKFLOW_SECRET, key: 'token', optional: true } },
        },
      ],
      volumeMounts: [
        { name: 'work', mountPath: '/work' },
        { name: 'keys', mountPath: '/keys', readOnly: true },
      ],
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      ...(extra.securityContext ? { securityContext: extra.securityContext } : {}),
    },
    ...(extra.retryStrategy ? { retryStrategy: extra.retryStrategy } : {}),
  };
}

/** The Workflow of seed 003 §5 with every template filled in. */
export function capsuleWorkflow(opts: WorkflowOptions = {}): Obj {
  const o = { ...WORKFLOW_DEFAULTS, ...definedOnly(opts) };
  const parameter = (name: string, value: string, description: string) => ({ name, value, description });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: 'capsule-deploy-loop',
      namespace: o.namespace,
      labels: { 'app.kubernetes.io/name': 'capsule-deploy-loop', 'app.kubernetes.io/part-of': 'capsule' },
    },
    spec: {
      entrypoint: 'deploy-capsule',
      serviceAccountName: WORKFLOW_SERVICE_ACCOUNT,
      arguments: {
        parameters: [
          parameter('capsule', o.capsule, 'capsule://name:version of the capsule to deploy'),
          parameter('registry', o.registry, 'URL of the capsule registry'),
          parameter('namespace', o.namespace, 'namespace the capsule is deployed into'),
          parameter('capsule-image', o.image, 'image with the capsule CLI'),
        ],
      },
      volumes: [
        {
          name: 'keys',
          secret: { secretName: WORKFLOW_SECRET, items: [{ key: 'capsule.pub', path: 'capsule.pub' }] },
        },
      ],
      volumeClaimTemplates: [
        {
          metadata: { name: 'work' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
        },
      ],
      podGC: { strategy: 'OnWorkflowSuccess' },
      ttlStrategy: { secondsAfterSuccess: 86400, secondsAfterFailure: 604800 },
      templates: [
        {
          name: 'deploy-capsule',
          steps: [
            [{ name: 'download', template: 'download-capsule' }],
            [{ name: 'verify', template: 'verify-capsule' }],
            [{ name: 'publish', template: 'publish-capsule' }],
            [{ name: 'deploy', template: 'deploy-capsule-k8s' }],
            [{ name: 'generate-proof', template: 'generate-proof' }],
          ],
        },
        cliTemplate(
          'download-capsule',
          'Fetch the capsule from the registry (its digest is checked against the index).',
          ['pull', p('capsule'), '--registry', p('registry'), '--key', KEY_FILE, '--out', CAPSULE_FILE],
          { retryStrategy: retry(3, 'Always') },
        ),
        cliTemplate('verify-capsule', 'Check the signature and every checksum of the capsule.', [
          'verify',
          CAPSULE_FILE,
          '--key',
          KEY_FILE,
          '--json',
        ]),
        cliTemplate(
          'publish-capsule',
          'Push the verified capsule to the registry index (a no-op when it is already there).',
          ['push', CAPSULE_FILE, '--registry', p('registry'), '--key', KEY_FILE],
          { retryStrategy: retry(3, 'Always') },
        ),
        cliTemplate(
          'deploy-capsule-k8s',
          'Check requirements, create the warm pool, DACCapsule and ProofedDeployment.',
          [...deployArgs, '--no-prove'],
          { retryStrategy: retry(2, 'OnError') },
        ),
        cliTemplate(
          'generate-proof',
          'First run and proof hooks under bubblewrap, publish the proof, record it on the index and the DACCapsule.',
          deployArgs,
          {
            retryStrategy: retry(2, 'OnError'),
            // bubblewrap creates user, mount and network namespaces, which the runtime's default
            // seccomp and AppArmor profiles forbid.
            securityContext: {
              seccompProfile: { type: 'Unconfined' },
              appArmorProfile: { type: 'Unconfined' },
            },
          },
        ),
      ],
    },
  };
}

/** RBAC for the workflow: the ServiceAccount, and what `capsule deploy` reads and writes. */
export function workflowRbac(namespace: string = WORKFLOW_DEFAULTS.namespace): Obj[] {
  const name = WORKFLOW_SERVICE_ACCOUNT;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
        {
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
          verbs: ['get', 'create', 'patch'],
        },
        {
          apiGroups: ['infra.industriverse.ai'],
          resources: ['daccapsules', 'daccapsules/status', 'proofeddeployments'],
          verbs: ['get', 'list', 'create', 'patch', 'update'],
        },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'create', 'patch'] },
        // Argo's executor reports step results through WorkflowTaskResults.
        { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
}

/** The ServiceAccount, its RBAC and the Workflow as one multi-document YAML. */
export function renderWorkflowYaml(opts: WorkflowOptions = {}): string {
  const namespace = opts.namespace ?? WORKFLOW_DEFAULTS.namespace;
  return [...workflowRbac(namespace), capsuleWorkflow(opts)]
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n');
}

function definedOnly(opts: WorkflowOptions): Partial<Record<keyof WorkflowOptions, string>> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}
