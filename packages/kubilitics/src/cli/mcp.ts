// `kubilitics mcp (--snapshot DIR | --kubeconfig FILE) [--http PORT]`: the MCP server over stdio, or
// Streamable HTTP at /mcp. Exit 0 when the client disconnects (or on SIGINT/SIGTERM), 2 for bad usage
// or unreadable input, 1 when serving failed. Nothing but protocol goes to stdout.
import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '@industriverse/kube';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parse as parseYaml } from 'yaml';
import { connectLive } from '../feed/live.ts';
import { parseHistory, parseResources } from '../feed/parse.ts';
import { loadSnapshot, SnapshotError } from '../feed/snapshot.ts';
import type { World } from '../model/types.ts';
import { parseAutonomy } from '../mcp/execute.ts';
import { isLoopback, serveHttp, type HttpOptions } from '../mcp/http.ts';
import { PolicyChecker, type CelRule } from '../mcp/policy.ts';
import { createMcpServer, type McpServerOptions } from '../mcp/server.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export interface McpCommandOptions {
  snapshot?: string;
  kubeconfig?: string;
  /** Serve Streamable HTTP on this port (0: any free port) instead of stdio. */
  http?: number | string;
  /** The address to bind with --http (default 127.0.0.1); any other than loopback needs TLS. */
  host?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** OBSERVE (default), RECOMMEND, ACTIVE or AUTONOMOUS. */
  autonomy?: string;
  recommendationsDir?: string;
  /** A Prometheus base URL for get_metrics. */
  prometheusUrl?: string;
  /** A YAML or JSON file: a list of {name, expression, message, severity?} CEL rules for check_policy. */
  policy?: string;
  /** The character budget of one tool answer. */
  maxOutputChars?: number | string;
}

class UsageError extends Error {}

export async function mcpCommand(opts: McpCommandOptions): Promise<number> {
  let world: (World & { close?: () => Promise<void> }) | undefined;
  try {
    if (!opts.snapshot === !opts.kubeconfig)
      throw new UsageError('give exactly one of --snapshot DIR or --kubeconfig FILE');
    const port = opts.http === undefined ? undefined : Number(opts.http);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
      throw new UsageError(`--http: not a port: ${opts.http}`);
    const serverOpts = await serverOptions(opts);
    const http = port === undefined ? undefined : await httpOptions(port, opts);
    let secrets: KubeObject[] = [];
    if (opts.snapshot) {
      world = await loadSnapshot(opts.snapshot);
      secrets = await snapshotSecrets(opts.snapshot);
    } else {
      const kubeconfig = opts.kubeconfig!;
      await access(kubeconfig, constants.R_OK).catch((err: Error) => {
        throw new UsageError(`cannot read kubeconfig ${kubeconfig}: ${err.message}`);
      });
      world = await connectLive({ kubeconfig });
    }
    const w = world;
    const newServer = () => createMcpServer(w, { ...serverOpts, secrets });
    return http ? await serveOnPort(newServer, http) : await serveStdio(newServer);
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof SnapshotError;
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    await world?.close?.();
  }
}

async function serverOptions(opts: McpCommandOptions): Promise<McpServerOptions> {
  const out: McpServerOptions = {};
  try {
    if (opts.autonomy) out.autonomy = parseAutonomy(opts.autonomy);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (opts.recommendationsDir) out.recommendationsDir = opts.recommendationsDir;
  if (opts.prometheusUrl) {
    if (!URL.canParse(opts.prometheusUrl))
      throw new UsageError(`--prometheus-url: not a URL: ${opts.prometheusUrl}`);
    out.prometheusUrl = opts.prometheusUrl;
  }
  if (opts.maxOutputChars !== undefined) {
    const n = Number(opts.maxOutputChars);
    if (!Number.isInteger(n) || n < 2000)
      throw new UsageError('--max-output-chars: an integer of at least 2000');
    out.maxOutputChars = n;
  }
  if (opts.policy) {
    out.celRules = await readRules(opts.policy);
    try {
      new PolicyChecker(out.celRules);
    } catch (err) {
      throw new UsageError(`--policy ${opts.policy}: ${(err as Error).message}`);
    }
  }
  return out;
}

async function readRules(file: string): Promise<CelRule[]> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--policy ${file}: ${(err as Error).message}`);
  }
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  const valid = (r: unknown): r is CelRule => {
    const x = r as Record<string, unknown> | null;
    return (
      typeof x?.name === 'string' &&
      typeof x.expression === 'string' &&
      typeof x.message === 'string' &&
      (x.severity === undefined || ['critical', 'high', 'medium', 'low'].includes(String(x.severity)))
    );
  };
  if (!Array.isArray(rules) || !rules.every(valid))
    throw new UsageError(`--policy ${file}: expected a list of {name, expression, message, severity?}`);
  return rules;
}

/** The snapshot's Secrets with their values (the world drops them), so the server can mask them anywhere. */
export async function snapshotSecrets(dir: string): Promise<KubeObject[]> {
  const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => undefined);
  const [resources, history] = await Promise.all([read('resources.yaml'), read('history.jsonl')]);
  const objects = [
    ...(resources ? parseResources(resources, 'resources.yaml') : []),
    ...(history ? parseHistory(history, 'history.jsonl').map((r) => r.object) : []),
  ];
  return objects.filter((o) => o.kind === 'Secret');
}

function untilSignal(): { promise: Promise<void>; dispose(): void } {
  let done!: () => void;
  const promise = new Promise<void>((resolve) => (done = resolve));
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  return {
    promise,
    dispose: () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
    },
  };
}

async function serveStdio(newServer: () => ReturnType<typeof createMcpServer>): Promise<number> {
  const server = newServer();
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const signal = untilSignal();
  await server.connect(transport);
  await Promise.race([closed, signal.promise]);
  signal.dispose();
  await server.close();
  return EXIT_OK;
}

/** Checked before the world loads: a bind that would expose the cluster is refused up front. */
async function httpOptions(port: number, opts: McpCommandOptions): Promise<HttpOptions> {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.tlsCert !== !opts.tlsKey) throw new UsageError('give both --tls-cert and --tls-key');
  if (!isLoopback(host) && !opts.tlsCert)
    throw new UsageError(
      `refusing to serve on ${host} without TLS: pass --tls-cert and --tls-key, or bind to 127.0.0.1`,
    );
  const readPem = (file: string) =>
    readFile(file, 'utf8').catch((err: Error) => {
      throw new UsageError(`cannot read ${file}: ${err.message}`);
    });
  return opts.tlsCert && opts.tlsKey
    ? { host, port, tls: { cert: await readPem(opts.tlsCert), key: await readPem(opts.tlsKey) } }
    : { host, port };
}

async function serveOnPort(
  newServer: () => ReturnType<typeof createMcpServer>,
  http: HttpOptions,
): Promise<number> {
  const handle = await serveHttp(newServer, http);
  process.stderr.write(`kubilitics mcp: serving ${handle.url}\n`);
  const signal = untilSignal();
  await signal.promise;
  signal.dispose();
  await handle.close();
  return EXIT_OK;
}
