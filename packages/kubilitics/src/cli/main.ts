#!/usr/bin/env node
// kubilitics: the operations brain. Deterministic diagnosis and an MCP server over a cluster
// snapshot or a live cluster; everything works with no LLM.
// Exit codes: 0 ok, 1 the operation failed, 2 bad usage or unreadable input.
import { Command, CommanderError } from 'commander';
import { diagnoseCommand } from './diagnose.ts';
import { mcpCommand, type McpCommandOptions } from './mcp.ts';

const EXIT_USAGE = 2;

const program = new Command('kubilitics')
  .description('The operations brain: a world model of the cluster, diagnosis and an MCP server')
  .exitOverride()
  .showHelpAfterError();

program
  .command('diagnose')
  .description('find what is wrong and name the root cause (deterministic, no LLM)')
  .option('--snapshot <dir>', 'a cluster snapshot folder')
  .option('--kubeconfig <file>', 'a live cluster')
  .option('--json', 'print {"status", "findings"}')
  .action(async (opts: { snapshot?: string; kubeconfig?: string; json?: boolean }) => {
    process.exitCode = await diagnoseCommand(opts);
  });

program
  .command('mcp')
  .description('serve the MCP tools over stdio, or Streamable HTTP at /mcp with --http')
  .option('--snapshot <dir>', 'a cluster snapshot folder')
  .option('--kubeconfig <file>', 'a live cluster')
  .option('--http <port>', 'serve Streamable HTTP at /mcp on this port instead of stdio')
  .option(
    '--host <address>',
    'address for --http (default 127.0.0.1; any other needs --tls-cert and --tls-key)',
  )
  .option('--tls-cert <file>', 'TLS certificate for --http')
  .option('--tls-key <file>', 'TLS key for --http')
  .option(
    '--autonomy <level>',
    'OBSERVE (default), RECOMMEND, ACTIVE or AUTONOMOUS; Tier 4 tools need ACTIVE',
  )
  .option('--recommendations-dir <dir>', 'where draft_recommendation stores Recommendations')
  .option('--prometheus-url <url>', 'Prometheus base URL for get_metrics')
  .option('--policy <file>', 'CEL rules (YAML or JSON list of {name, expression, message}) for check_policy')
  .option('--max-output-chars <n>', 'character budget of one tool answer (default 20000)')
  .action(async (opts: McpCommandOptions) => {
    process.exitCode = await mcpCommand(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
