// `npm run bench -- kubedos`: validate, plan and render of generated ClusterSpecs of 10, 100 and
// 1,000 nodes, timed as the CLI runs them (YAML text in, files on disk out), and a determinism
// proof: two renders into one folder hash the same. Goals at 1,000 nodes: validate + plan < 1 s,
// render < 5 s.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import {
  checkPlan,
  generateSpec,
  plan,
  readSpecSource,
  renderAll,
  validateSource,
  type ClusterSpec,
} from '@industriverse/kubedos';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';

const SIZES = [10, 100, 1000];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const seconds = (ms: number) => Math.round(ms) / 1000;

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

function treeHash(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${relative(root, p)}\0${statSync(p).mode & 0o777}\0`).update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

interface SizeFigures {
  nodes: number;
  validate_s: number;
  plan_s: number;
  validate_plan_s: number;
  render_s: number;
  files: number;
  plan_steps: number;
  deterministic: boolean;
}

async function measure(nodes: number, runs: number, scratch: string): Promise<SizeFigures> {
  const text = stringify(generateSpec(nodes));
  const validateMs: number[] = [];
  const planMs: number[] = [];
  const renderMs: number[] = [];
  let steps = 0;
  let files = 0;
  let spec: ClusterSpec | undefined;
  for (let i = 0; i < runs; i++) {
    const [report, v] = time(() => {
      const source = readSpecSource(text, `generated-${nodes}.yaml`);
      return { report: validateSource(source), value: source.value as ClusterSpec };
    });
    if (!report.report.valid)
      throw new Error(`generated ${nodes}-node spec is invalid: ${JSON.stringify(report.report.errors[0])}`);
    spec = report.value;
    const [p, pm] = time(() => plan(spec!));
    if (checkPlan(p).length) throw new Error('plan violates its ordering guarantees');
    validateMs.push(v);
    planMs.push(pm);
    steps = p.steps.length;
  }
  // Each render goes to a fresh folder (new secrets), as a first render does.
  for (let i = 0; i < runs; i++) {
    const out = join(scratch, `render-${nodes}-${i}`);
    const [rendered, ms] = await timeAsync(() => renderAll(spec!, out));
    renderMs.push(ms);
    files = rendered.length;
    if (i > 0) rmSync(out, { recursive: true, force: true });
  }
  // Determinism: render again into the first folder, reusing its secrets; the tree must not change.
  const first = join(scratch, `render-${nodes}-0`);
  const before = treeHash(first);
  await renderAll(spec!, first);
  const deterministic = treeHash(first) === before;
  rmSync(first, { recursive: true, force: true });
  return {
    nodes,
    validate_s: seconds(median(validateMs)),
    plan_s: seconds(median(planMs)),
    validate_plan_s: seconds(median(validateMs.map((v, i) => v + planMs[i]!))),
    render_s: seconds(median(renderMs)),
    files,
    plan_steps: steps,
    deterministic,
  };
}

export async function main(args: string[]): Promise<number> {
  let runs: number;
  try {
    if (args.includes('--help')) {
      process.stdout.write('npm run bench -- kubedos [--runs N]   (median of N runs per size, default 5)\n');
      return 0;
    }
    runs = numberFlag(parseFlags(args, ['runs']), 'runs', 5, { min: 1, integer: true });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'kubedos-bench-'));
  try {
    const results: SizeFigures[] = [];
    for (const n of SIZES) {
      results.push(await measure(n, runs, scratch));
      const r = results.at(-1)!;
      process.stdout.write(
        `${String(n).padStart(5)} nodes  validate ${r.validate_s.toFixed(3)} s  plan ${r.plan_s.toFixed(3)} s  ` +
          `render ${r.render_s.toFixed(3)} s (${r.files} files)  deterministic ${r.deterministic}\n`,
      );
    }
    const big = results.at(-1)!;
    process.stdout.write(
      `goals at 1,000 nodes: validate + plan ${big.validate_plan_s} s (< 1 s: ${big.validate_plan_s < 1 ? 'met' : 'missed'}), ` +
        `render ${big.render_s} s (< 5 s: ${big.render_s < 5 ? 'met' : 'missed'})\n`,
    );
    process.stdout.write(
      JSON.stringify({
        bench: 'kubedos',
        runs,
        validate_plan_1000_s: big.validate_plan_s,
        render_1000_s: big.render_s,
        deterministic: results.every((r) => r.deterministic),
        sizes: results,
      }) + '\n',
    );
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
