// The tools' input and output schemas. Inputs are strict (an unknown key is an error, not a silent
// no-op) and bounded (every string and list has a maximum), so a model cannot invent parameters.
import { z } from 'zod';
import { DURATION } from './time.ts';

const name = z.string().min(1).max(253);
const namespace = z
  .string()
  .min(1)
  .max(63)
  .describe('Namespace; omit for every namespace (or when the name is unique)');
const duration = z.string().regex(DURATION, 'a duration such as 30m, 1h, 1d');
const instant = z
  .string()
  .min(1)
  .max(64)
  .describe('"now", an RFC 3339 time, or a duration meaning that long ago (e.g. "1h")');

export const resourceRef = z.union([
  z
    .string()
    .min(3)
    .max(600)
    .describe('Kind/namespace/name, or Kind/name for cluster-scoped kinds (e.g. Pod/shop/api-7d9f)'),
  z.object({ kind: z.string().min(1).max(100), name, namespace: namespace.optional() }).strict(),
]);

const page = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .describe('Page size (default 100); pages also stop at the size budget'),
  cursor: z.string().max(2048).optional().describe('next_cursor from the previous page of the same query'),
};

export const METRIC_NAMES = [
  'cpu_usage',
  'cpu_throttling',
  'memory_usage',
  'restarts',
  'network_errors',
  'network_receive',
  'network_transmit',
  'disk_usage',
  'volume_usage',
  'node_cpu_usage',
  'node_memory_usage',
] as const;

export const IMPACT_ACTIONS = ['delete', 'restart', 'scale-down', 'drain', 'cordon'] as const;
export const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
const PROPOSED_ACTIONS = [
  'patch',
  'restart',
  'rollback',
  'scale',
  'delete',
  'cordon',
  'drain',
  'other',
] as const;

export const inputs = {
  list_resources: z
    .object({
      kind: z
        .string()
        .min(1)
        .max(100)
        .describe('Kind, any case or plural or short name (Pod, pods, deploy, svc); "*" for every kind'),
      namespace: namespace.optional(),
      label_selector: z
        .string()
        .max(1024)
        .optional()
        .describe('kubectl syntax: app=web,tier!=db,env in (a,b),!canary'),
      summary: z.boolean().optional().describe('Counts by namespace and status instead of rows'),
      ...page,
    })
    .strict(),
  get_resource_yaml: z
    .object({
      kind: z.string().min(1).max(100),
      name,
      namespace: namespace.optional(),
      path: z
        .string()
        .max(256)
        .regex(/^[A-Za-z0-9_.[\]-]+$/)
        .optional()
        .describe('Only this part, dotted (e.g. spec.template.spec.containers[0].resources)'),
    })
    .strict(),
  get_events: z
    .object({
      related_resource: resourceRef
        .optional()
        .describe(
          'The resource (with what it owns: a Deployment brings its ReplicaSets and Pods); omit for all',
        ),
      namespace: namespace.optional(),
      type: z.enum(['Normal', 'Warning']).optional(),
      since: duration.optional().describe('Only events seen within this long before now (e.g. 1h)'),
      summary: z.boolean().optional().describe('Counts by reason instead of events'),
      ...page,
    })
    .strict(),
  get_metrics: z
    .object({
      query: z.enum(METRIC_NAMES).describe('An abstract metric name (no PromQL)'),
      time_window: duration.optional().describe('How far back from now (default 1h)'),
      namespace: namespace.optional(),
      pod: name.optional().describe('A pod name, or a workload name for all its pods'),
      container: name.optional(),
      node: name.optional(),
      summary: z.boolean().optional().describe('Statistics only (min, max, mean, last, trend), no points'),
      ...page,
    })
    .strict(),
  get_logs: z
    .object({
      pod: name.describe('A pod name, or a workload name for its pods'),
      namespace: namespace.optional(),
      container: name.optional(),
      hint: z
        .string()
        .max(500)
        .optional()
        .describe(
          'What to look for, in plain words (e.g. "database connection timeouts"); omit for the tail',
        ),
      max_lines: z
        .number()
        .int()
        .min(1)
        .max(200)
        .optional()
        .describe('Matching lines to return (default 40)'),
      context: z
        .number()
        .int()
        .min(0)
        .max(5)
        .optional()
        .describe('Lines of context around each match (default 1)'),
    })
    .strict(),
  diff_resources: z
    .object({
      version_a: z
        .union([resourceRef, z.object({ resource: resourceRef, at: instant.optional() }).strict()])
        .describe('A resource, optionally at a time (default now)'),
      version_b: z
        .union([resourceRef, z.object({ resource: resourceRef.optional(), at: instant.optional() }).strict()])
        .describe('Another resource, or the same one (omit resource) at another time'),
      ...page,
    })
    .strict(),
  simulate_impact: z
    .object({
      action: z.enum(IMPACT_ACTIONS),
      resource: resourceRef,
      replicas: z
        .number()
        .int()
        .min(0)
        .max(100000)
        .optional()
        .describe('scale-down: the target replica count (default 0)'),
    })
    .strict(),
  check_policy: z
    .object({
      resource_yaml: z.string().min(1).max(262144).describe('One or more YAML (or JSON) documents'),
    })
    .strict(),
  draft_recommendation: z
    .object({
      title: z.string().min(1).max(200),
      severity: z.enum(SEVERITIES),
      reasoning: z.string().min(1).max(8000).describe('Why: the observations and the conclusion'),
      proposed_actions: z
        .array(
          z.union([
            z.string().min(1).max(4000).describe('The action in words (about target)'),
            z
              .object({
                action: z.enum(PROPOSED_ACTIONS),
                target: resourceRef.optional().describe('Default: the recommendation target'),
                detail: z.string().min(1).max(4000),
                patch: z.string().max(32768).optional().describe('For action patch: the patch document'),
              })
              .strict(),
          ]),
        )
        .min(1)
        .max(20),
      target: resourceRef.optional().describe('The resource the recommendation is about'),
      evidence: z.array(z.string().min(1).max(2000)).max(50).optional(),
      explanation_trace: z
        .array(z.object({ step: z.string().min(1).max(100), detail: z.string().min(1).max(2000) }).strict())
        .max(30)
        .optional(),
    })
    .strict(),
  patch_resource: z
    .object({
      kind: z.string().min(1).max(100),
      name,
      namespace: namespace.optional(),
      patch_json: z.string().min(2).max(65536).describe('The patch, as JSON text'),
      patch_type: z.enum(['strategic', 'merge', 'json']).optional().describe('Default strategic'),
    })
    .strict(),
  restart_rollout: z.object({ kind: z.enum(ROLLOUT_KINDS), name, namespace: namespace.optional() }).strict(),
  rollback_rollout: z
    .object({
      kind: z.enum(ROLLOUT_KINDS),
      name,
      namespace: namespace.optional(),
      revision: z.number().int().min(1).optional().describe('Default: the previous revision'),
    })
    .strict(),
};

export type Inputs = { [K in keyof typeof inputs]: z.infer<(typeof inputs)[K]> };

const refOut = z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() });
const counts = z.record(z.string(), z.number());
const labels = z.record(z.string(), z.string());
const row = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  status: z.string(),
  age: z.string().optional(),
  labels: labels.optional(),
  // The columns of particular kinds, as kubectl shows them.
  ready: z.string().optional(),
  restarts: z.number().int().optional(),
  node: z.string().optional(),
  pod_ready: z.boolean().optional(),
  up_to_date: z.number().int().optional(),
  completions: z.string().optional(),
  version: z.string().optional(),
  type: z.string().optional(),
  cluster_ip: z.string().optional(),
  ports: z.string().optional(),
  volume: z.string().optional(),
  capacity: z.string().optional(),
  keys: z.number().int().optional(),
  reason: z.string().optional(),
  object: z.string().optional(),
  count: z.number().int().optional(),
  last: z.string().optional(),
  message: z.string().optional(),
});
const event = z.object({
  last: z.string(),
  first: z.string().optional(),
  type: z.string(),
  reason: z.string(),
  object: z.string(),
  count: z.number(),
  message: z.string(),
});
const series = z.object({
  labels,
  stats: z.object({
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    first: z.number(),
    last: z.number(),
    trend_per_hour: z.number().optional(),
    samples: z.number().int(),
  }),
  points: z.array(z.tuple([z.number(), z.number()])).optional(),
});
const change = z.object({
  op: z.string(),
  path: z.string(),
  old: z.json().optional(),
  new: z.json().optional(),
  masked: z.boolean().optional(),
});
const pageOut = {
  total: z.number().int(),
  returned: z.number().int(),
  next_cursor: z.string().optional(),
  cut_by_budget: z.boolean().optional(),
  note: z.string().optional(),
};

export const outputs = {
  list_resources: z.object({
    kind: z.string(),
    ...pageOut,
    items: z.array(row).optional(),
    by_namespace: counts.optional(),
    by_status: counts.optional(),
    by_kind: counts.optional(),
  }),
  get_events: z.object({
    resources: z.array(z.string()).optional(),
    ...pageOut,
    events: z.array(event).optional(),
    by_reason: counts.optional(),
  }),
  get_metrics: z.object({
    query: z.string(),
    source: z.enum(['prometheus', 'snapshot']),
    promql: z.string(),
    window: z.object({ start: z.string(), end: z.string(), step_seconds: z.number() }),
    unit: z.string(),
    ...pageOut,
    series: z.array(series),
  }),
  get_logs: z.object({
    terms: z.array(z.string()),
    pods: z.array(
      z.object({
        namespace: z.string(),
        pod: z.string(),
        container: z.string().optional(),
        total_lines: z.number().int(),
        matched_lines: z.number().int(),
        lines: z.array(
          z.object({
            n: z.number().int(),
            text: z.string(),
            match: z.boolean(),
            repeats: z.number().int().optional(),
          }),
        ),
        note: z.string().optional(),
      }),
    ),
    note: z.string().optional(),
  }),
  diff_resources: z.object({
    a: z.object({ ref: refOut, at: z.string(), exists: z.boolean() }),
    b: z.object({ ref: refOut, at: z.string(), exists: z.boolean() }),
    identical: z.boolean(),
    ...pageOut,
    changes: z.array(change),
    timeline: z
      .array(z.object({ time: z.string(), type: z.string(), paths: z.array(z.string()) }))
      .optional(),
  }),
  simulate_impact: z.object({
    action: z.string(),
    resource: refOut,
    risk: z.enum(['none', 'low', 'medium', 'high']),
    summary: z.string(),
    affected_pods: z.object({ total: z.number().int(), sample: z.array(z.string()) }),
    affected_workloads: z.array(z.string()),
    services_losing_endpoints: z.array(
      z.object({
        service: z.string(),
        ready_endpoints_before: z.number().int(),
        ready_endpoints_after: z.number().int(),
        loses_all: z.boolean(),
      }),
    ),
    pdb_violations: z.array(
      z.object({
        pdb: z.string(),
        disruptions_allowed: z.number().int(),
        disruptions: z.number().int(),
        blocks_drain: z.boolean().optional(),
      }),
    ),
    dependents: z.object({ total: z.number().int(), by_kind: counts, sample: z.array(z.string()) }),
    notes: z.array(z.string()),
  }),
  check_policy: z.object({
    passed: z.boolean(),
    total_violations: z.number().int(),
    resources: z.array(
      z.object({
        resource: z.string(),
        violations: z.array(
          z.object({ rule: z.string(), severity: z.string(), path: z.string(), message: z.string() }),
        ),
      }),
    ),
    rule_errors: z.array(z.object({ rule: z.string(), resource: z.string(), error: z.string() })).optional(),
  }),
  draft_recommendation: z.object({ id: z.string(), stored: z.string(), created_at: z.string() }),
};
