// UpstreamDependency: failing pods log that they cannot reach another service (connection refused,
// timeout, no such host). Rooted at the Service they cannot reach, resolved from the host name,
// `name.namespace[.svc[.cluster.local]]`, or the cluster IP in the log line.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, refOf, type NodeId, type ObjectRef, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  contradict,
  groupByWorkload,
  impact,
  logLines,
  observedObjects,
  plural,
  podIds,
  support,
} from '../evidence.ts';
import { describe, specOf, statusOf } from '../k8s.ts';
import { readyAddresses, selectedPods } from '../symptoms.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

const FAILURES: { what: string; re: RegExp }[] = [
  {
    what: 'no such host',
    re: /no such host|ENOTFOUND|EAI_AGAIN|Name or service not known|could not translate host name|Temporary failure in name resolution|UnknownHostException/i,
  },
  { what: 'connection refused', re: /connection refused|ECONNREFUSED/i },
  {
    what: 'timeout',
    re: /i\/o timeout|timed out|timeout|ETIMEDOUT|deadline exceeded|EHOSTUNREACH|no route to host/i,
  },
];
const ANY_FAILURE = new RegExp(FAILURES.map((f) => f.re.source).join('|'), 'i');

/** A DNS name as Services have them (lowercase labels), or an IPv4 address. */
const HOST = String.raw`([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)`;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Where log lines name the peer, most specific first. */
const TARGETS = [
  new RegExp(String.raw`lookup ${HOST}`, 'g'),
  new RegExp(String.raw`(?:ENOTFOUND|EAI_AGAIN|UnknownHostException:?) ${HOST}`, 'g'),
  new RegExp(String.raw`host(?: name)? "${HOST}"`, 'g'),
  new RegExp(String.raw`${HOST}:(\d{1,5})\b`, 'g'),
];
/** "connection refused to redis": a bare word after "to" is a peer only if it names an existing Service. */
const LOOSE_TARGET = new RegExp(String.raw`\b(?:to|connecting to|connect to|reach|reaching) ${HOST}\b`, 'g');

export interface Unreachable {
  what: string;
  host: string;
  /** Named only loosely (after "to"): trusted only when a Service of that name exists. */
  loose?: boolean;
}

/** The failure and the peers a log line names ("dial tcp: lookup redis.cache on 10.96.0.10:53: no such host" -> redis.cache). */
export function parseUnreachable(line: string): Unreachable[] {
  const failure = FAILURES.find((f) => f.re.test(line));
  if (!failure) return [];
  // The resolver's own address is not the peer.
  const text = line.replace(/ on \d{1,3}(?:\.\d{1,3}){3}:53\b/g, '');
  const hosts = (patterns: RegExp[]) => {
    const found: string[] = [];
    for (const re of patterns)
      for (const m of text.matchAll(re)) {
        const host = m[1]!.replace(/\.$/, '');
        const named = IPV4.test(host) || /[a-z]/.test(host);
        if (!named || m[2] === '53' || /^(localhost|127\.0\.0\.1|0\.0\.0\.0)$/.test(host)) continue;
        if (!found.includes(host)) found.push(host);
      }
    return found;
  };
  const specific = hosts(TARGETS);
  if (specific.length) return specific.map((host) => ({ what: failure.what, host }));
  return hosts([LOOSE_TARGET]).map((host) => ({ what: failure.what, host, loose: true }));
}

type Resolver = (u: Unreachable, namespace: string) => { ref: ObjectRef; exists: boolean } | undefined;

function resolver(world: World): Resolver {
  const byIp = new Map<string, ObjectRef>();
  for (const svc of world.objects('Service')) {
    const spec = specOf(svc);
    for (const ip of [spec.clusterIP, ...((spec.clusterIPs as string[] | undefined) ?? [])])
      if (typeof ip === 'string' && ip !== 'None') byIp.set(ip, refOfObject(svc));
  }
  const podIps = new Map<string, KubeObject>();
  const knownNamespace = (ns: string) =>
    !!world.get({ kind: 'Namespace', name: ns }) || world.objects('Service', ns).length > 0;
  return ({ host, loose }, namespace) => {
    if (IPV4.test(host)) {
      const svc = byIp.get(host);
      if (svc) return { ref: svc, exists: true };
      if (!podIps.size) for (const p of world.objects('Pod')) podIps.set(String(statusOf(p).podIP ?? ''), p);
      const pod = podIps.get(host);
      const via =
        pod &&
        world.graph
          .incoming(nodeId(refOfObject(pod)), ['selects'])
          .find((e) => e.from.startsWith('Service/'));
      return via ? { ref: refOf(via.from), exists: true } : undefined;
    }
    const clusterName = /\.svc(\.cluster\.local)?$/.test(host);
    const parts = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
    if (parts.length > 2) return undefined;
    const ref = { kind: 'Service', namespace: parts[1] ?? namespace, name: parts[0]! };
    if (world.get(ref)) return { ref, exists: true };
    // A name that resolves nowhere is a missing Service only when it is a cluster name at all, and
    // was named as a peer (not just a word after "to").
    const plausible = clusterName || parts.length === 1 || knownNamespace(parts[1]!);
    return plausible && !loose ? { ref, exists: false } : undefined;
  };
}

interface Case {
  target: ObjectRef;
  exists: boolean;
  workload: ObjectRef;
  pods: Map<NodeId, KubeObject>;
  lines: Weighed[];
  failures: Set<string>;
}

function targetState(world: World, c: Case): Weighed {
  if (!c.exists)
    return support(WEIGHT.strong, {
      kind: 'status',
      ref: c.target,
      detail: `${describe(c.target)} does not exist`,
    });
  const svc = world.get(c.target)!;
  const ready = readyAddresses(world, svc);
  const { pods } = selectedPods(world, svc);
  if (ready === 0)
    return support(WEIGHT.strong, {
      kind: 'status',
      ref: c.target,
      detail: `${describe(c.target)} has no ready endpoints (${pods.length} selected pods)`,
    });
  return contradict(WEIGHT.moderate, {
    kind: 'status',
    ref: c.target,
    detail: `${describe(c.target)} has ${ready} ready endpoint addresses`,
  });
}

export const upstreamDependencyAnalyzer: Analyzer = {
  category: 'UpstreamDependency',
  analyze(world, ctx) {
    if (!ctx.logs.size) return [];
    const resolve = resolver(world);
    const cases = new Map<string, Case>();
    for (const { workload, pods } of groupByWorkload(ctx, ctx.troubledPods)) {
      for (const pod of pods) {
        const ns = pod.metadata.namespace ?? '';
        for (const { container, line } of logLines(ctx, pod, ANY_FAILURE)) {
          // A Service that exists beats a name that resolves nowhere.
          const resolved = parseUnreachable(line).flatMap((u) => {
            const target = resolve(u, ns);
            return target ? [{ u, target }] : [];
          });
          const hit = resolved.find((r) => r.target.exists) ?? resolved[0];
          if (!hit) continue;
          const key = `${nodeId(hit.target.ref)}\0${nodeId(workload)}`;
          let c = cases.get(key);
          if (!c)
            cases.set(
              key,
              (c = {
                target: hit.target.ref,
                exists: hit.target.exists,
                workload,
                pods: new Map(),
                lines: [],
                failures: new Set(),
              }),
            );
          const id = nodeId(refOfObject(pod));
          // One line per pod counts: a pod repeating itself is not more evidence.
          if (!c.pods.has(id))
            c.lines.push(
              support(WEIGHT.moderate, {
                kind: 'log',
                ref: refOfObject(pod),
                detail: `${container}: ${line}`,
              }),
            );
          c.pods.set(id, pod);
          c.failures.add(hit.u.what);
        }
      }
    }
    return [...cases.values()].map((c) => hypothesis(world, ctx, c));
  },
};

function hypothesis(world: World, ctx: DiagnoseContext, c: Case): Hypothesis {
  const pods = [...c.pods.values()];
  const state = targetState(world, c);
  const { severity, ready, total } = impact(world, c.workload);
  return {
    category: 'UpstreamDependency',
    subject: c.workload,
    rootCause: c.target,
    summary: `${describe(c.workload)} cannot reach ${describe(c.target)} (${[...c.failures].join(', ')}): ${state.item.detail}; ${plural(pods.length, 'pod')} failing, ${ready}/${total} ready`,
    severity,
    observed: observedObjects(ctx, pods),
    evidence: [...c.lines, state],
    explains: podIds(pods),
    via: podIds(pods),
  };
}
