// The real server as a process, reached the ways clients reach it: the SDK client over stdio and
// over Streamable HTTP, and the MCP Inspector's CLI mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAMES } from '../../src/mcp/index.ts';
import { MCP_SNAPSHOT, PLANTED_SECRETS } from '../fixtures/mcp-world.ts';

const ENTRY = join(import.meta.dirname, '..', 'fixtures', 'mcp-entry.ts');
// The Inspector's launcher, run on this Node (it needs Node >= 22.19).
const INSPECTOR = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/package.json'),
  '..',
  'clients',
  'launcher',
  'build',
  'index.js',
);
const run = promisify(execFile);

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

test('stdio: the SDK client lists and calls the tools of a spawned server', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubilitics-mcp-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY, '--snapshot', MCP_SNAPSHOT, '--recommendations-dir', dir],
    stderr: 'pipe',
  });
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((t) => t.name),
    [...TOOL_NAMES],
  );
  const pods = (await client.callTool({
    name: 'list_resources',
    arguments: { kind: 'Pod', namespace: 'pay' },
  })) as CallToolResult;
  assert.equal((pods.structuredContent as { total: number }).total, 3);
  const secret = (await client.callTool({
    name: 'get_resource_yaml',
    arguments: { kind: 'Secret', name: 'db-creds', namespace: 'pay' },
  })) as CallToolResult;
  for (const s of PLANTED_SECRETS) assert.ok(!textOf(secret).includes(s));
  const logs = (await client.callTool({
    name: 'get_logs',
    arguments: { pod: 'api', hint: 'password' },
  })) as CallToolResult;
  for (const s of PLANTED_SECRETS) assert.ok(!textOf(logs).includes(s), s);
  const rec = (await client.callTool({
    name: 'draft_recommendation',
    arguments: {
      title: 'Roll back api',
      severity: 'high',
      reasoning: 'crash loop since revision 3',
      proposed_actions: [{ action: 'rollback', target: 'Deployment/pay/api', detail: 'to revision 2' }],
    },
  })) as CallToolResult;
  const { id } = rec.structuredContent as { id: string };
  assert.deepEqual(await readdir(dir), [`${id}.json`]);
  const refused = (await client.callTool({
    name: 'restart_rollout',
    arguments: { kind: 'Deployment', name: 'api', namespace: 'pay' },
  })) as CallToolResult;
  assert.equal(refused.isError, true);
  await client.close();
  await rm(dir, { recursive: true });
});

async function startHttp(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [ENTRY, '--snapshot', MCP_SNAPSHOT, '--http', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`server exited: ${err}`)));
  });
  return { child, url, exited };
}

test('Streamable HTTP: the SDK client reaches /mcp on loopback; other hosts and paths are refused', async () => {
  const { child, url, exited } = await startHttp();
  try {
    const client = new Client({ name: 'http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    assert.equal(tools.length, TOOL_NAMES.length);
    const impact = (await client.callTool({
      name: 'simulate_impact',
      arguments: { action: 'drain', resource: 'Node/n1' },
    })) as CallToolResult;
    assert.equal((impact.structuredContent as { risk: string }).risk, 'high');
    // A second session is independent.
    const other = new Client({ name: 'http-test-2', version: '1.0.0' });
    await other.connect(new StreamableHTTPClientTransport(new URL(url)));
    assert.equal((await other.listTools()).tools.length, TOOL_NAMES.length);
    await other.close();
    await client.close();

    const status = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(url);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path,
            method: 'POST',
            headers: {
              host,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.once('error', reject);
        req.end('{}');
      });
    const u = new URL(url);
    assert.equal(await status('/mcp', `attacker.example.com:${u.port}`), 403, 'DNS rebinding: foreign Host');
    assert.equal(await status('/other', `127.0.0.1:${u.port}`), 404);
    assert.equal(
      await status('/mcp', `127.0.0.1:${u.port}`),
      400,
      'no session and not an initialize request',
    );
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('the MCP Inspector CLI lists the tools and calls list_resources (stdio and HTTP)', async () => {
  const base = [INSPECTOR, '--cli', process.execPath, ENTRY, '--snapshot', MCP_SNAPSHOT];
  // --strict fails (exit 6) on any tool-schema portability error, and prints nothing when there is no warning.
  const list = await run(process.execPath, [...base, '--method', 'tools/list', '--strict'], {
    timeout: 60_000,
  });
  const listed = JSON.parse(list.stdout) as {
    tools: { name: string; annotations: Record<string, boolean> }[];
  };
  assert.deepEqual(
    listed.tools.map((t) => t.name),
    [...TOOL_NAMES],
  );
  assert.equal(listed.tools[0]!.annotations.readOnlyHint, true);
  assert.equal(listed.tools.at(-1)!.annotations.destructiveHint, true);
  assert.equal(list.stderr, '');

  const call = await run(
    process.execPath,
    [...base, '--method', 'tools/call', '--tool-name', 'list_resources', '--tool-arg', 'kind=Pod'],
    { timeout: 60_000 },
  );
  const called = JSON.parse(call.stdout) as CallToolResult & {
    structuredContent: { total: number; items: { name: string }[] };
  };
  assert.equal(called.isError ?? false, false);
  assert.equal(called.structuredContent.total, 3);
  assert.deepEqual(
    called.structuredContent.items.map((i) => i.name),
    ['api-6f7c9-aaaaa', 'api-6f7c9-bbbbb', 'db-0'],
  );

  // Every tool answers the Inspector: the read-only ones with data, the execution ones with a refusal.
  const args: Record<string, string[]> = {
    get_resource_yaml: ['kind=Secret', 'name=db-creds', 'namespace=pay'],
    get_events: ['related_resource=Deployment/pay/api'],
    get_metrics: ['query=memory_usage', 'time_window=1h'],
    get_logs: ['pod=api', 'hint=database timeout'],
    diff_resources: ['version_a={"resource":"Deployment/pay/api","at":"30m"}', 'version_b={}'],
    simulate_impact: ['action=delete', 'resource=Secret/pay/db-creds'],
    check_policy: [
      'resource_yaml=apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {hostNetwork: true, containers: [{name: a, image: nginx}]}',
    ],
    draft_recommendation: [
      'title=Roll back api',
      'severity=high',
      'reasoning=crash loop since revision 3',
      'proposed_actions=[{"action":"rollback","target":"Deployment/pay/api","detail":"to revision 2"}]',
    ],
    patch_resource: ['kind=Deployment', 'name=api', 'namespace=pay', 'patch_json={"spec":{"replicas":3}}'],
    restart_rollout: ['kind=Deployment', 'name=api', 'namespace=pay'],
    rollback_rollout: ['kind=Deployment', 'name=api', 'namespace=pay', 'revision=2'],
  };
  for (const [tool, toolArgs] of Object.entries(args)) {
    const r = await run(
      process.execPath,
      [...base, '--method', 'tools/call', '--tool-name', tool, '--tool-arg', ...toolArgs],
      { timeout: 60_000 },
    ).catch((err: { stdout: string; stderr: string }) => err);
    const out = JSON.parse(r.stdout) as CallToolResult;
    const refusedTool = ['patch_resource', 'restart_rollout', 'rollback_rollout'].includes(tool);
    assert.equal(
      out.isError ?? false,
      refusedTool,
      `${tool}: ${r.stdout.slice(0, 400)} ${r.stderr.slice(0, 400)}`,
    );
    for (const s of PLANTED_SECRETS) assert.ok(!r.stdout.includes(s), `${tool} leaks ${s}`);
  }

  const { child, url, exited } = await startHttp();
  try {
    const http = await run(
      process.execPath,
      [
        INSPECTOR,
        '--cli',
        url,
        '--transport',
        'http',
        '--method',
        'tools/call',
        '--tool-name',
        'list_resources',
        '--tool-arg',
        'kind=Node',
      ],
      { timeout: 60_000 },
    );
    assert.equal(
      (JSON.parse(http.stdout) as { structuredContent: { total: number } }).structuredContent.total,
      2,
    );
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('bad usage exits 2 before serving anything', async () => {
  const cases = [
    [],
    ['--snapshot', MCP_SNAPSHOT, '--kubeconfig', '/dev/null'],
    ['--snapshot', '/nonexistent/snapshot'],
    ['--snapshot', MCP_SNAPSHOT, '--http', '0', '--host', '0.0.0.0'],
    ['--snapshot', MCP_SNAPSHOT, '--autonomy', 'GODMODE'],
    ['--snapshot', MCP_SNAPSHOT, '--http', '99999'],
  ];
  for (const argv of cases) {
    const r = await run(process.execPath, [ENTRY, ...argv]).catch(
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal((r as { code?: number }).code, 2, argv.join(' '));
    assert.match((r as { stderr: string }).stderr, /^error: /);
  }
});
