#!/usr/bin/env node
// kubedos: ClusterSpec validation, the convergence plan and the rendered configuration.
// Exit codes: 0 ok, 1 the check or operation failed (an invalid spec), 2 bad usage or unreadable input.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { ClusterSpec } from '../api/clusterspec.ts';
import { explain, explainJson, ExplainError } from '../explain.ts';
import { initSpec } from '../init.ts';
import { checkPlan, plan, planToDot, planToJson, planToText, readState, StateError } from '../plan/index.ts';
import { renderAll } from '../render/index.ts';
import {
  formatReport,
  readSpecSource,
  RULES,
  SpecReadError,
  validateSource,
  WARNINGS,
  type ValidationReport,
} from '../validate/index.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Unreadable input or bad usage: exit 2. */
class UsageError extends Error {}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Reads and validates a spec; prints the report and exits 1 when it is invalid. */
async function loadValidSpec(file: string, json: boolean): Promise<ClusterSpec> {
  const source = readSpecSource(await readText(file), file);
  const report = validateSource(source);
  if (!report.valid) {
    if (json) process.stdout.write(JSON.stringify(reportJson(report)) + '\n');
    else process.stderr.write(formatReport(report, file));
    process.exit(EXIT_FAILED);
  }
  return source.value as ClusterSpec;
}

function reportJson(report: ValidationReport) {
  return { valid: report.valid, errors: report.errors, warnings: report.warnings };
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

const program = new Command('kubedos')
  .description("Kube'd'OS: validate a ClusterSpec, plan its convergence and render what the nodes run")
  .exitOverride()
  .showHelpAfterError();

program
  .command('init')
  .description('write a commented starter ClusterSpec')
  .option('--name <name>', 'cluster name', 'my-cluster')
  .option('--control-planes <n>', 'control-plane nodes (odd)', count, 3)
  .option('--workers <n>', 'worker nodes', count, 2)
  .option('--out <file>', 'write to this file instead of stdout')
  .option('--force', 'overwrite --out if it exists')
  .action(
    async (opts: { name: string; controlPlanes: number; workers: number; out?: string; force?: boolean }) => {
      let text: string;
      try {
        text = initSpec({
          name: opts.name,
          nodes: { controlPlanes: opts.controlPlanes, workers: opts.workers },
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (!opts.out) return void process.stdout.write(text);
      if (existsSync(opts.out) && !opts.force)
        throw new UsageError(`${opts.out} exists; pass --force to overwrite it`);
      await writeFile(opts.out, text);
      process.stderr.write(`wrote ${opts.out}\n`);
    },
  );

program
  .command('validate')
  .description('check a ClusterSpec against the schema and every rule')
  .argument('[file]', 'ClusterSpec YAML')
  .option('--json', 'print {"valid", "errors", "warnings"}')
  .option('--rules', 'list the rule ids and what each checks')
  .action(async (file: string | undefined, opts: { json?: boolean; rules?: boolean }) => {
    if (opts.rules) {
      const all = [...RULES, ...WARNINGS];
      process.stdout.write(
        opts.json
          ? JSON.stringify(all) + '\n'
          : all.map((r) => `${r.id.padEnd(28)} ${r.description}\n`).join(''),
      );
      return;
    }
    if (!file) throw new UsageError('validate needs a FILE');
    const report = validateSource(readSpecSource(await readText(file), file));
    process.stdout.write(opts.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report, file));
    if (!report.valid) process.exitCode = EXIT_FAILED;
  });

program
  .command('explain')
  .description('document a ClusterSpec field, like kubectl explain (e.g. spec.networking.planes)')
  .argument('<path>', 'field path')
  .option('--json', 'machine-readable output')
  .action((path: string, opts: { json?: boolean }) => {
    process.stdout.write(opts.json ? JSON.stringify(explainJson(path)) + '\n' : explain(path));
  });

program
  .command('plan')
  .description('the convergence plan: per-node steps of stages 0-7, in order')
  .argument('<file>', 'ClusterSpec YAML')
  .option('--json', 'the plan as JSON')
  .option('--dot', 'the plan as a Graphviz digraph')
  .option('--state <dir>', 'what an earlier apply recorded: show only what would change')
  .action(async (file: string, opts: { json?: boolean; dot?: boolean; state?: string }) => {
    if (opts.json && opts.dot) throw new UsageError('--json and --dot are exclusive');
    const spec = await loadValidSpec(file, Boolean(opts.json));
    const state = opts.state ? await readState(opts.state) : undefined;
    const p = plan(spec, { state });
    // The ordering guarantees of §14.3 hold by construction; a violation here is a bug, never printed as a plan.
    const violations = checkPlan(p);
    if (violations.length) {
      for (const v of violations) process.stderr.write(`plan violates ${v.rule}: ${v.message}\n`);
      process.exit(EXIT_FAILED);
    }
    process.stdout.write(opts.json ? planToJson(p) : opts.dot ? planToDot(p) : planToText(p));
  });

program
  .command('render')
  .description(
    'render inventories, playbooks, WireGuard, nftables, kubeadm, Cilium, observability, cloud-init and Proxmox files',
  )
  .argument('<file>', 'ClusterSpec YAML')
  .requiredOption('--out <dir>', 'output folder (secrets go to DIR/secrets, mode 0600)')
  .option('--json', 'print {"out", "files"}')
  .action(async (file: string, opts: { out: string; json?: boolean }) => {
    const spec = await loadValidSpec(file, Boolean(opts.json));
    const files = await renderAll(spec, opts.out);
    const listed = files.filter((f) => !f.secret).map((f) => f.path);
    process.stdout.write(
      opts.json
        ? JSON.stringify({ out: opts.out, files: listed, secrets: files.length - listed.length }) + '\n'
        : `rendered ${listed.length} files (+${files.length - listed.length} secrets) into ${opts.out}\n`,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  const usage =
    err instanceof UsageError ||
    err instanceof SpecReadError ||
    err instanceof ExplainError ||
    err instanceof StateError;
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(usage ? EXIT_USAGE : EXIT_FAILED);
}
