#!/usr/bin/env node
// kaas: the KaaS operator's command line. Exit codes: 0 ok, 1 the operation failed, 2 bad usage.
import { spawnSync } from 'node:child_process';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createProgress } from '@industriverse/kube';
import { defaultDevDir, devDown, devUp, DevClusterError, kubectlPath, readState } from '../dev/devcluster.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1000)
    throw new InvalidArgumentError('must be a whole number from 0 to 1000');
  return n;
}

function out(json: boolean, data: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(data) + '\n' : text);
}

const program = new Command('kaas')
  .description(
    'Proof-backed Kubernetes-as-a-Service: operator, admission webhook and local development cluster',
  )
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const dev = program
  .command('dev')
  .description(
    'a real local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)',
  );

dev
  .command('up')
  .description('start a local control plane; prints the export KUBECONFIG line')
  .option('--nodes <n>', 'fake kwok nodes that run pods', positiveInt, 1)
  .option('--dir <dir>', 'folder for kubeconfig, certificates, data and logs', defaultDevDir())
  .option('--detach', 'return once ready and leave the control plane running')
  .option('--json', 'machine-readable output')
  .action(async (opts: { nodes: number; dir: string; detach?: boolean; json?: boolean }) => {
    const json = Boolean(opts.json);
    const { cp, state } = await devUp({
      dir: opts.dir,
      nodes: opts.nodes,
      detach: Boolean(opts.detach),
      // --json forces JSON progress; otherwise a TTY gets a stage list and anything else JSON lines.
      progress: createProgress({ json: json || undefined }),
    });
    out(
      json,
      { dir: opts.dir, ...state, kubectl: kubectlPath() },
      `control plane ready at ${state.server} with ${state.nodes} node(s)\n` +
        `kubectl: ${kubectlPath()}\n` +
        `export KUBECONFIG=${state.kubeconfig}\n`,
    );
    if (opts.detach) return;
    process.stderr.write('running in the foreground; Ctrl-C stops it\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await cp.stop();
    await devDown(opts.dir);
  });

dev
  .command('down')
  .description('stop the local control plane and remove its folder')
  .option('--dir <dir>', 'folder given to kaas dev up', defaultDevDir())
  .option('--json', 'machine-readable output')
  .action(async (opts: { dir: string; json?: boolean }) => {
    const stopped = await devDown(opts.dir);
    out(
      Boolean(opts.json),
      { dir: opts.dir, stopped },
      stopped ? `stopped and removed ${opts.dir}\n` : `nothing running in ${opts.dir}\n`,
    );
  });

dev
  .command('status')
  .description('show the local control plane, if any')
  .option('--dir <dir>', 'folder given to kaas dev up', defaultDevDir())
  .option('--json', 'machine-readable output')
  .action(async (opts: { dir: string; json?: boolean }) => {
    const state = await readState(opts.dir);
    const running = state
      ? Object.values(state.pids).every((pid) => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        })
      : false;
    out(
      Boolean(opts.json),
      { dir: opts.dir, running, ...state },
      state
        ? `${running ? 'running' : 'stopped'}: ${state.server}\nexport KUBECONFIG=${state.kubeconfig}\n`
        : `nothing in ${opts.dir}\n`,
    );
    if (!running) process.exitCode = EXIT_FAILED;
  });

dev
  .command('kubectl')
  .description('run the pinned kubectl against the local control plane')
  .option('--dir <dir>', 'folder given to kaas dev up', defaultDevDir())
  .argument('[args...]', 'kubectl arguments (after --)')
  .allowUnknownOption()
  .action(async (args: string[], opts: { dir: string }) => {
    const state = await readState(opts.dir);
    if (!state) throw new DevClusterError(`no dev control plane in ${opts.dir}: run \`kaas dev up\` first`);
    const res = spawnSync(kubectlPath(), ['--kubeconfig', state.kubeconfig, ...args], { stdio: 'inherit' });
    process.exitCode = res.status ?? EXIT_FAILED;
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(EXIT_FAILED);
}
