// deploy, workflow and history: the loader against a cluster, the Argo Workflow of the automated
// loop, and the run history (trajectories, playbook) the loader keeps per capsule. The loader and
// the cluster client are imported when a deploy runs.
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import type { KubeClient } from '@industriverse/kube';
import type { PublicKey } from '@industriverse/trust';
import type { Command } from 'commander';
import type { DeployReport } from '../../loader/deploy.ts';
import type { Registry } from '../../registry/registry.ts';
import { isCapsuleUri, parseCapsuleUri } from '../../uri.ts';
import { renderWorkflowYaml, capsuleWorkflow, workflowRbac, WORKFLOW_DEFAULTS } from '../../workflow.ts';
import { EXIT_FAILED, UsageError } from '../exit.ts';
import { withRegistry } from './registry.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag} must be a positive number, not ${JSON.stringify(value)}`);
    return n;
  };
}

function count(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`${flag} must be a whole number, not ${JSON.stringify(value)}`);
    return n;
  };
}

interface DeployFlags {
  kubeconfig?: string;
  namespace: string;
  registry?: string;
  key?: string[];
  tokenFile?: string;
  proofKey?: string;
  proofPkcs11Uri?: string;
  image?: string;
  warmReplicas?: number;
  prove: boolean;
  reprove?: boolean;
  hookTimeout?: number;
  timeout?: number;
  stateDir?: string;
  json?: boolean;
}

function summary(r: DeployReport): string {
  const c = r.capsule;
  const name = c.name ? `${c.name}:${c.version}` : 'capsule';
  const lines: string[] = [];
  if (!r.ok) {
    lines.push(
      `${name} not deployed: ${r.error?.step ? `step ${r.error.step}: ` : ''}${r.error?.code}: ${r.error?.message}`,
    );
  } else if (r.outcome === 'unchanged') {
    lines.push(`${name} (${c.digest}) is already deployed to namespace ${r.namespace}: nothing changed`);
  } else {
    lines.push(`${name} (${c.digest}) deployed to namespace ${r.namespace}`);
  }
  for (const o of r.objects) lines.push(`  ${o.kind} ${o.name}: ${o.changed ? 'applied' : 'unchanged'}`);
  for (const p of r.proofs) lines.push(`  proof ${p.id} (${p.type}${p.hook ? `, ${p.hook}` : ''})`);
  if (r.uri) lines.push(`  ${r.uri} resolves`);
  for (const o of r.asal.outliers)
    lines.push(
      `  ASAL outlier: ${o.metric} = ${o.value} (z = ${o.z ?? '∞'}, mean ${o.mean} over ${o.n} runs)`,
    );
  lines.push(
    `  run ${r.trajectory}: ${r.asal.checked.length} metrics checked, ${r.asal.outliers.length} outliers`,
  );
  return lines.join('\n');
}

/**
 * Keys to verify with when --key names none: those the registry trusts, else (a file, and a
 * directory registry that trusts nobody yet) the signer recorded in the capsule, trusted on first
 * use: the registry records it when the capsule is published.
 */
async function trustedKeysFor(source: string, registry: Registry): Promise<PublicKey[]> {
  const trusted = await registry.trustedKeys();
  if (trusted.length > 0) return trusted;
  const [{ DirRegistry }, { readCapsule }] = await Promise.all([
    import('../../registry/dir.ts'),
    import('../../contents.ts'),
  ]);
  const signer =
    registry instanceof DirRegistry && !isCapsuleUri(source)
      ? (await readCapsule(source, { limits: {} })).signerHint
      : undefined;
  if (!signer) throw new UsageError('the registry trusts no signing key: give --key PUB');
  process.stderr.write(`capsule: trusting the capsule's signer ${signer.keyId} on first use\n`);
  return [signer];
}

async function deployAction(source: string, flags: DeployFlags): Promise<void> {
  if (isCapsuleUri(source)) {
    try {
      parseCapsuleUri(source);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  } else {
    await access(source, constants.R_OK).catch(() => {
      throw new UsageError(`cannot read the capsule ${source}`);
    });
  }
  const [{ createProgress, KubeClient }, { deployCapsule }, { defaultStateDir }] = await Promise.all([
    import('@industriverse/kube'),
    import('../../loader/deploy.ts'),
    import('../../trifecta/history.ts'),
  ]);
  let client: KubeClient;
  try {
    client = await KubeClient.load(flags.kubeconfig);
  } catch (err) {
    throw new UsageError(
      `cannot load the kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(err as Error).message}`,
    );
  }
  const run = async (registry: Registry, given: PublicKey[]) => {
    const keys = given.length > 0 ? given : await trustedKeysFor(source, registry);
    const report = await deployCapsule({
      source,
      publicKeys: keys,
      client,
      namespace: flags.namespace,
      registry,
      prove: flags.prove,
      reprove: flags.reprove ?? false,
      ...(flags.image ? { image: flags.image } : {}),
      ...(flags.warmReplicas !== undefined ? { warmReplicas: flags.warmReplicas } : {}),
      ...(flags.timeout ? { waitTimeoutMs: flags.timeout * 1000 } : {}),
      ...(flags.hookTimeout
        ? {
            hookLimits: {
              hookTimeoutMs: flags.hookTimeout * 1000,
              firstRunTimeoutMs: flags.hookTimeout * 1000,
            },
          }
        : {}),
      stateDir: flags.stateDir ?? defaultStateDir(),
      progress: createProgress({ json: flags.json }),
    });
    process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : summary(report) + '\n');
    if (!report.ok) {
      if (!flags.json) process.stderr.write(`capsule: ${report.error?.code}: ${report.error?.message}\n`);
      process.exitCode = EXIT_FAILED;
    }
  };
  try {
    await withRegistry(flags, run, { trustOnFirstUse: true, signsProofs: flags.prove });
  } finally {
    await client.close();
  }
}

interface WorkflowFlags {
  capsule?: string;
  registry?: string;
  namespace?: string;
  image?: string;
  out?: string;
  json?: boolean;
}

async function workflowAction(flags: WorkflowFlags): Promise<void> {
  if (flags.capsule) {
    try {
      parseCapsuleUri(flags.capsule);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (flags.registry && !/^https?:\/\//.test(flags.registry)) {
    throw new UsageError(
      `--registry must be the URL of a registry the workflow's pods can reach, not ${flags.registry}`,
    );
  }
  const opts = {
    ...(flags.capsule ? { capsule: flags.capsule } : {}),
    ...(flags.registry ? { registry: flags.registry } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.image ? { image: flags.image } : {}),
  };
  const yaml = renderWorkflowYaml(opts);
  if (flags.out) {
    try {
      await writeFile(flags.out, yaml);
    } catch (err) {
      throw new UsageError(
        `cannot write ${flags.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  if (flags.json) {
    const documents = [...workflowRbac(opts.namespace ?? WORKFLOW_DEFAULTS.namespace), capsuleWorkflow(opts)];
    process.stdout.write(JSON.stringify({ ok: true, out: flags.out ?? null, documents }) + '\n');
  } else if (flags.out) {
    process.stderr.write(`wrote the Workflow capsule-deploy-loop and its ServiceAccount to ${flags.out}\n`);
  } else {
    process.stdout.write(yaml);
  }
}

async function historyAction(
  name: string,
  flags: { stateDir?: string; limit?: number; json?: boolean },
): Promise<void> {
  const { defaultStateDir, readPlaybook, readTrajectories } = await import('../../trifecta/history.ts');
  const stateDir = flags.stateDir ?? defaultStateDir();
  const runs = (await readTrajectories(stateDir, name)).slice(-(flags.limit ?? 20));
  const playbook = await readPlaybook(stateDir, name);
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({ capsule: name, stateDir, runs, playbook: playbook ?? null }) + '\n',
    );
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs of ${name} recorded in ${stateDir}\n`);
    return;
  }
  const lines = [`runs of ${name} (${stateDir}):`];
  for (const r of runs) {
    const failed = r.steps.find((s) => s.outcome === 'failed');
    const outliers = r.asal?.outliers.length ?? 0;
    lines.push(
      `  ${r.startedAt}  ${r.id}  ${r.capsule.version ?? '-'}  ${r.outcome}  ${r.durationMs} ms` +
        (failed ? `  ${failed.name}: ${failed.error?.code}` : '') +
        (outliers ? `  ${outliers} ASAL outlier${outliers === 1 ? '' : 's'}` : ''),
    );
  }
  if (playbook?.failureModes.length) {
    lines.push('failure modes (playbook):');
    for (const m of playbook.failureModes) {
      lines.push(
        `  ${m.count}×  ${m.step}  ${m.code}  ${m.signature}${m.advice ? `\n       → ${m.advice}` : ''}`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerDeployCommands(program: Command): void {
  program
    .command('deploy')
    .description(
      'verify a capsule, check its requirements against the cluster, create the warm pool, DACCapsule and ProofedDeployment, run it once with its proof hooks in a sandbox, publish the proofs and update the registry index',
    )
    .argument('<capsule>', 'capsule file or capsule://name:version')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--namespace <ns>', 'namespace to deploy into', 'default')
    .option(
      '--registry <dir|url>',
      'registry for capsule:// sources and proofs (default: $CAPSULE_REGISTRY, else ~/.local/share/capsule/registry)',
    )
    .option(
      '--key <pub>',
      'public key trusted to sign capsules (repeatable; default: the keys the registry trusts)',
      collect,
    )
    .option('--token-file <file>', 'registry write token (default: $CAPSULE_REGISTRY_TOKEN)')
    .option('--proof-key <key>', 'PEM private key that signs proofs (directory registry)')
    .option('--proof-pkcs11-uri <uri>', 'PKCS#11 key that signs proofs (directory registry)')
    .option(
      '--image <ref>',
      'container image of the capsule (default: registry.industriverse/capsules/<name>:<version>)',
    )
    .option(
      '--warm-replicas <n>',
      'pods in the warm pool when the manifest asks for prewarm',
      count('--warm-replicas'),
      1,
    )
    .option('--no-prove', 'stop after the cluster objects: no first run, proof hooks, proofs or index update')
    .option('--reprove', 'run the first run and proof hooks again although the capsule has a proof')
    .option(
      '--hook-timeout <seconds>',
      'time limit of the first run and of each proof hook',
      positiveNumber('--hook-timeout'),
    )
    .option(
      '--timeout <seconds>',
      'how long to wait for the CRDs and the warm pool',
      positiveNumber('--timeout'),
    )
    .option('--state-dir <dir>', 'run history folder (default: $CAPSULE_STATE_DIR or ~/.local/state/capsule)')
    .option('--json', 'print the deploy report as JSON')
    .action(deployAction);

  program
    .command('workflow')
    .description(
      'write the Argo Workflow of the automated loop (download, verify, publish, deploy, generate-proof)',
    )
    .option('--capsule <uri>', 'capsule://name:version to deploy', WORKFLOW_DEFAULTS.capsule)
    .option('--registry <url>', 'URL of the capsule registry', WORKFLOW_DEFAULTS.registry)
    .option('--namespace <ns>', 'namespace of the workflow and the deploy', WORKFLOW_DEFAULTS.namespace)
    .option('--image <ref>', 'image with the capsule CLI', WORKFLOW_DEFAULTS.image)
    .option('--out <file>', 'write the YAML there instead of stdout')
    .option('--json', 'print the documents as JSON')
    .action(workflowAction);

  program
    .command('history')
    .description(
      'the run history of a capsule: trajectories with their ASAL checks, and the failure-mode playbook',
    )
    .argument('<name>', 'capsule name')
    .option('--state-dir <dir>', 'run history folder (default: $CAPSULE_STATE_DIR or ~/.local/state/capsule)')
    .option('--limit <n>', 'latest runs to show', count('--limit'), 20)
    .option('--json', 'print runs and playbook as JSON')
    .action(historyAction);
}
