// `kubilitics diagnose (--snapshot DIR | --kubeconfig FILE) [--json]`: exit 0 when the diagnosis
// ran (whatever it found), 2 for bad usage or unreadable input, 1 when it failed.
import { KubeClient } from '@industriverse/kube';
import { diagnose } from '../diagnose/engine.ts';
import { describe } from '../diagnose/k8s.ts';
import type { Diagnosis } from '../diagnose/types.ts';
import { connectLive } from '../feed/live.ts';
import { loadSnapshot, SnapshotError } from '../feed/snapshot.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export interface DiagnoseCommandOptions {
  snapshot?: string;
  kubeconfig?: string;
  json?: boolean;
}

class UsageError extends Error {}

export async function diagnoseCommand(opts: DiagnoseCommandOptions): Promise<number> {
  if (!opts.snapshot === !opts.kubeconfig) {
    process.stderr.write('error: give exactly one of --snapshot DIR or --kubeconfig FILE\n');
    return EXIT_USAGE;
  }
  try {
    const report = await run(opts);
    process.stdout.write(
      opts.json
        ? JSON.stringify({ status: report.status, findings: report.findings }) + '\n'
        : render(report),
    );
    return EXIT_OK;
  } catch (err) {
    const usage = err instanceof SnapshotError || err instanceof UsageError;
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILED;
  }
}

async function run(opts: DiagnoseCommandOptions): Promise<Diagnosis> {
  if (opts.snapshot) return diagnose(await loadSnapshot(opts.snapshot));
  const kubeconfig = opts.kubeconfig!;
  const client = await KubeClient.load(kubeconfig).catch((err: Error) => {
    throw new UsageError(`cannot read kubeconfig ${kubeconfig}: ${err.message}`);
  });
  try {
    // Fail fast on an unreachable cluster: the live feed would wait out its sync and serve nothing.
    await client.request('GET', '/version');
    const world = await connectLive({ client });
    try {
      return await diagnose(world);
    } finally {
      await world.close();
    }
  } finally {
    await client.close();
  }
}

/** The human-readable report: findings most severe first, then what stays unexplained. */
export function render(report: Diagnosis): string {
  const lines: string[] = [];
  const n = report.findings.length;
  lines.push(
    `status: ${report.status} — ${n ? `${n} finding${n === 1 ? '' : 's'}, most severe first` : 'no findings'}`,
  );
  report.findings.forEach((f, i) => {
    lines.push(
      '',
      `${i + 1}. [${f.severity}] ${f.category}: ${describe(f.rootCause)} (confidence ${f.confidence.toFixed(2)})`,
      `   ${f.summary}`,
    );
    if (f.timeToExhaustionSeconds !== undefined)
      lines.push(`   time to exhaustion: ${f.timeToExhaustionSeconds} s`);
    for (const e of f.evidence.slice(0, 5))
      lines.push(`   - ${e.kind}${e.ref ? ` ${describe(e.ref)}` : ''}: ${e.detail}`);
    if (f.evidence.length > 5) lines.push(`   - … ${f.evidence.length - 5} more (--json)`);
    lines.push(`   why: ${f.explanation_trace.map((t) => t.step).join(' → ')}`);
  });
  if (report.status === 'INCONCLUSIVE') {
    lines.push(
      '',
      'INCONCLUSIVE: these symptoms contradict every hypothesis; recommend human investigation:',
    );
    for (const s of report.unexplained) lines.push(`   - ${s.id}: ${s.detail}`);
    for (const r of report.rejected)
      lines.push(
        `   ruled out ${r.category} at ${describe(r.rootCause)} (confidence ${r.confidence}): ${r.against.join('; ')}`,
      );
  } else if (!n)
    lines.push(
      '',
      'The cluster looks healthy: nothing is failing and nothing is forecast to run out within 24 h.',
    );
  return lines.join('\n') + '\n';
}
