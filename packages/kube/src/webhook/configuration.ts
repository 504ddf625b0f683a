// admissionregistration.k8s.io/v1 webhook configurations pointing the API server at a WebhookServer,
// as plain objects (structurally what @kubernetes/client-node's AdmissionregistrationV1Api accepts).
import type { LabelSelector } from '../api/meta.ts';
import type { AdmissionOperation } from './admission.ts';

export interface WebhookRule {
  operations: (AdmissionOperation | '*')[];
  /** '' is the core group. */
  apiGroups: string[];
  apiVersions: string[];
  /** e.g. 'configmaps', 'pods/status', '*'. */
  resources: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

/** Where the API server sends AdmissionReviews: a base URL, or a Service when running in the cluster. */
export type WebhookEndpoint =
  { url: string } | { service: { namespace: string; name: string; port?: number } };

export interface WebhookDefinition {
  /** Fully qualified, at least three dot-separated segments: 'validate.configmaps.example.com'. */
  name: string;
  /** Path the handler is registered at on the WebhookServer. */
  path: string;
  rules: WebhookRule[];
  /** What the API server does when the call fails or times out; default 'Fail'. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** Default 'None'. */
  sideEffects?: 'None' | 'NoneOnDryRun';
  /** 1 to 30; the API server defaults to 10. */
  timeoutSeconds?: number;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  matchPolicy?: 'Exact' | 'Equivalent';
  /** CEL conditions that must all hold for the request to be sent. */
  matchConditions?: { name: string; expression: string }[];
}

export interface MutatingWebhookDefinition extends WebhookDefinition {
  /** 'IfNeeded' calls the webhook again when a later mutating webhook changed the object. */
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

export interface WebhookConfigurationOptions<W extends WebhookDefinition> {
  /** metadata.name of the configuration object. */
  name: string;
  /** PEM of the CA that signed the server's certificate; sent as clientConfig.caBundle. */
  caPem: string;
  endpoint: WebhookEndpoint;
  webhooks: W[];
  labels?: Record<string, string>;
}

export interface WebhookClientConfig {
  caBundle: string;
  url?: string;
  service?: { namespace: string; name: string; path: string; port?: number };
}

export interface ValidatingWebhook extends Omit<WebhookDefinition, 'path'> {
  clientConfig: WebhookClientConfig;
  failurePolicy: 'Fail' | 'Ignore';
  sideEffects: 'None' | 'NoneOnDryRun';
  admissionReviewVersions: string[];
}

export interface MutatingWebhook extends ValidatingWebhook {
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

interface ConfigurationObject<K extends string, W> {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: K;
  metadata: { name: string; labels?: Record<string, string> };
  webhooks: W[];
}

export type ValidatingWebhookConfiguration = ConfigurationObject<
  'ValidatingWebhookConfiguration',
  ValidatingWebhook
>;
export type MutatingWebhookConfiguration = ConfigurationObject<
  'MutatingWebhookConfiguration',
  MutatingWebhook
>;

/** The endpoint of a WebhookServer on this machine, e.g. for a local control plane. */
export function localWebhookEndpoint(port: number, host = '127.0.0.1'): WebhookEndpoint {
  return { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

export function validatingWebhookConfiguration(
  options: WebhookConfigurationOptions<WebhookDefinition>,
): ValidatingWebhookConfiguration {
  return configuration('ValidatingWebhookConfiguration', options, (w) => webhook(options, w));
}

export function mutatingWebhookConfiguration(
  options: WebhookConfigurationOptions<MutatingWebhookDefinition>,
): MutatingWebhookConfiguration {
  return configuration('MutatingWebhookConfiguration', options, (w) => {
    const out: MutatingWebhook = webhook(options, w);
    if (w.reinvocationPolicy) out.reinvocationPolicy = w.reinvocationPolicy;
    return out;
  });
}

function configuration<K extends string, D extends WebhookDefinition, W>(
  kind: K,
  options: WebhookConfigurationOptions<D>,
  build: (w: D) => W,
): ConfigurationObject<K, W> {
  const problems = validate(options);
  if (problems.length) throw new Error(`invalid ${kind} ${options.name}: ${problems.join('; ')}`);
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: options.name, ...(options.labels && { labels: options.labels }) },
    webhooks: options.webhooks.map(build),
  };
}

function webhook(
  options: WebhookConfigurationOptions<WebhookDefinition>,
  w: WebhookDefinition,
): ValidatingWebhook {
  const out: ValidatingWebhook = {
    name: w.name,
    clientConfig: clientConfig(options, w.path),
    rules: w.rules.map((r) => ({ ...r })),
    failurePolicy: w.failurePolicy ?? 'Fail',
    sideEffects: w.sideEffects ?? 'None',
    admissionReviewVersions: ['v1'],
  };
  if (w.timeoutSeconds !== undefined) out.timeoutSeconds = w.timeoutSeconds;
  if (w.namespaceSelector) out.namespaceSelector = w.namespaceSelector;
  if (w.objectSelector) out.objectSelector = w.objectSelector;
  if (w.matchPolicy) out.matchPolicy = w.matchPolicy;
  if (w.matchConditions) out.matchConditions = w.matchConditions;
  return out;
}

function clientConfig(
  options: WebhookConfigurationOptions<WebhookDefinition>,
  path: string,
): WebhookClientConfig {
  const caBundle = Buffer.from(options.caPem).toString('base64');
  const { endpoint } = options;
  if ('url' in endpoint) return { caBundle, url: endpoint.url.replace(/\/+$/, '') + path };
  const { namespace, name, port } = endpoint.service;
  return { caBundle, service: { namespace, name, path, ...(port !== undefined && { port }) } };
}

// The API server's own validation, checked early so a mistake fails here with every problem listed.
function validate(options: WebhookConfigurationOptions<WebhookDefinition>): string[] {
  const problems: string[] = [];
  if (!options.caPem.includes('-----BEGIN CERTIFICATE-----')) problems.push('caPem is not a PEM certificate');
  if ('url' in options.endpoint && !options.endpoint.url.startsWith('https://')) {
    problems.push(`endpoint url must use https: ${options.endpoint.url}`);
  }
  const seen = new Set<string>();
  for (const w of options.webhooks) {
    if (w.name.split('.').length < 3)
      problems.push(`webhook name ${w.name} needs at least three dot-separated parts`);
    if (seen.has(w.name)) problems.push(`webhook name ${w.name} is used twice`);
    seen.add(w.name);
    if (!w.path.startsWith('/')) problems.push(`webhook ${w.name}: path must start with '/'`);
    const t = w.timeoutSeconds;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 30)) {
      problems.push(`webhook ${w.name}: timeoutSeconds must be an integer from 1 to 30`);
    }
  }
  if (options.webhooks.length === 0) problems.push('no webhooks');
  return problems;
}
