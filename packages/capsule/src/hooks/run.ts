// The first run of a capsule and its proof hooks. The cluster the loader deploys to may not run the
// payload where the loader can watch it (kwok nodes only pretend to), so the first run is the
// loader's own: the entrypoint runs once in the sandbox, as a smoke run, and leaves its outcome in
// /run/capsule/first-run.json. Then every proof-hooks/* file runs in the same sandbox, in name
// order, and prints one claim; the loader turns the claims into proofs.
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployError } from '../loader/errors.ts';
import type { ProofClaim } from '../proofs/statement.ts';
import type { StepContext } from '../trifecta/trajectory.ts';
import { numericResults, parseHookClaim, type HookClaim } from './claim.ts';
import { runSandboxed, SANDBOX_CAPSULE_DIR, SANDBOX_RUN_DIR, type SandboxResult } from './sandbox.ts';

export const PROOF_HOOKS_DIR = 'proof-hooks';

/** The manifest fields the first run and the hooks use. */
export interface HookManifest {
  name: string;
  version: string;
  entrypoint: string;
  proof_policy?: { required?: boolean; types?: readonly string[] };
  billing?: { currency?: string };
}

export interface HookLimits {
  firstRunTimeoutMs: number;
  hookTimeoutMs: number;
  maxOutputBytes: number;
}

export const DEFAULT_HOOK_LIMITS: HookLimits = {
  firstRunTimeoutMs: 120_000,
  hookTimeoutMs: 60_000,
  maxOutputBytes: 1024 * 1024,
};

/** Runs one named step (with progress and a trajectory record) around `work`. */
export type StepRunner = <T>(name: string, work: (ctx: StepContext) => Promise<T>) => Promise<T>;

export interface ProofHooksOptions {
  /** The verified, extracted capsule. */
  capsuleDir: string;
  manifest: HookManifest;
  digest: string;
  limits?: Partial<HookLimits>;
  bwrap?: string;
  step: StepRunner;
}

export interface FirstRun {
  exitCode: number | null;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export interface HookOutcome {
  /** The hook's file name under proof-hooks/. */
  hook: string;
  claim: HookClaim;
  durationMs: number;
}

/** The environment of the entrypoint and of the hooks. */
export function sandboxEnv(manifest: HookManifest, digest: string, hook?: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    CAPSULE_NAME: manifest.name,
    CAPSULE_VERSION: manifest.version,
    CAPSULE_DIGEST: digest,
    CAPSULE_DIR: SANDBOX_CAPSULE_DIR,
    CAPSULE_PROOF_TYPES: (manifest.proof_policy?.types ?? []).join(','),
    CAPSULE_FIRST_RUN: `${SANDBOX_RUN_DIR}/first-run.json`,
    ...(hook ? { CAPSULE_HOOK: hook } : {}),
  };
}

/** The proof hooks of an extracted capsule: regular files directly under proof-hooks/, by name. */
export async function listProofHooks(capsuleDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(capsuleDir, PROOF_HOOKS_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const hooks: string[] = [];
  for (const name of names.sort()) {
    if ((await stat(join(capsuleDir, PROOF_HOOKS_DIR, name))).isFile()) hooks.push(name);
  }
  return hooks;
}

function failure(
  what: string,
  result: SandboxResult,
  limits: { timeoutMs: number; maxOutputBytes: number },
): string | undefined {
  if (result.timedOut) return `${what} did not finish within ${limits.timeoutMs / 1000} s and was killed`;
  if (result.outputLimited)
    return `${what} wrote more than ${limits.maxOutputBytes} bytes to ${result.outputLimited} and was killed`;
  if (result.exitCode !== 0) {
    const how =
      result.exitCode === null ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
    return `${what} ${how}${tail ? `: ${tail}` : ''}`;
  }
  return undefined;
}

function failureCode(result: SandboxResult, otherwise: 'FIRST_RUN_FAILED' | 'HOOK_FAILED'): string {
  if (result.timedOut) return 'HOOK_TIMEOUT';
  if (result.outputLimited) return 'HOOK_OUTPUT_LIMIT';
  return otherwise;
}

/**
 * The first run and the proof hooks, each its own step. Returns the claims of the hooks; throws a
 * DeployError when the first run or a hook fails, or when proof_policy.required is not met.
 */
export async function runFirstRunAndHooks(opts: ProofHooksOptions): Promise<HookOutcome[]> {
  const limits = { ...DEFAULT_HOOK_LIMITS, ...opts.limits };
  const { capsuleDir, manifest, digest } = opts;
  const types = manifest.proof_policy?.types ?? [];
  const hooks = await listProofHooks(capsuleDir);
  // The archive does not carry modes; the extracted copy is ours, so its programs are made executable.
  await chmod(join(capsuleDir, manifest.entrypoint), 0o755);
  for (const hook of hooks) await chmod(join(capsuleDir, PROOF_HOOKS_DIR, hook), 0o755);

  const runDir = await mkdtemp(join(tmpdir(), 'capsule-run-'));
  try {
    await opts.step('first-run', async (ctx) => {
      const limit = { timeoutMs: limits.firstRunTimeoutMs, maxOutputBytes: limits.maxOutputBytes };
      const result = await runSandboxed([`${SANDBOX_CAPSULE_DIR}/${manifest.entrypoint}`], {
        capsuleDir,
        env: sandboxEnv(manifest, digest),
        ...limit,
        ...(opts.bwrap ? { bwrap: opts.bwrap } : {}),
      });
      const first: FirstRun = {
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        stdout: result.stdout,
        stderr: result.stderr,
      };
      await writeFile(join(runDir, 'first-run.json'), JSON.stringify(first) + '\n', { mode: 0o644 });
      ctx.metric('first-run.ms', result.durationMs);
      ctx.detail({ entrypoint: manifest.entrypoint, exitCode: result.exitCode });
      const why = failure(`the first run (${manifest.entrypoint})`, result, limit);
      if (why) throw new DeployError(failureCode(result, 'FIRST_RUN_FAILED'), why, manifest.entrypoint);
    });

    const outcomes: HookOutcome[] = [];
    for (const hook of hooks) {
      const outcome = await opts.step(`hook:${hook}`, async (ctx) => {
        const limit = { timeoutMs: limits.hookTimeoutMs, maxOutputBytes: limits.maxOutputBytes };
        const path = `${PROOF_HOOKS_DIR}/${hook}`;
        const result = await runSandboxed([`${SANDBOX_CAPSULE_DIR}/${path}`], {
          capsuleDir,
          runDir,
          env: sandboxEnv(manifest, digest, hook),
          ...limit,
          ...(opts.bwrap ? { bwrap: opts.bwrap } : {}),
        });
        const why = failure(`proof hook ${path}`, result, limit);
        if (why) throw new DeployError(failureCode(result, 'HOOK_FAILED'), why, path);
        const claim = parseHookClaim(path, result.stdout, types);
        ctx.metric(`hook.${hook}.ms`, result.durationMs);
        ctx.metric(`hook.${hook}.cost`, claim.cost);
        for (const [key, value] of Object.entries(numericResults(claim.result))) {
          ctx.metric(`hook.${hook}.result.${key}`, value);
        }
        ctx.detail({ type: claim.type, cost: claim.cost });
        return { hook, claim, durationMs: result.durationMs };
      });
      outcomes.push(outcome);
    }

    if (manifest.proof_policy?.required) {
      const proved = new Set(outcomes.map((o) => o.claim.type));
      const missing = types.filter((t) => !proved.has(t));
      if (hooks.length === 0 || missing.length > 0) {
        throw new DeployError(
          'PROOF_REQUIRED',
          hooks.length === 0
            ? `proof_policy.required is true but the capsule has no ${PROOF_HOOKS_DIR}/`
            : `proof_policy.required is true but no proof hook claimed ${missing.join(', ')}`,
          PROOF_HOOKS_DIR,
        );
      }
    }
    return outcomes;
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/** The registry's proof claim for a hook's claim: the hook is the generator, its cost priced and timed. */
export function hookProofClaim(manifest: HookManifest, digest: string, o: HookOutcome): ProofClaim {
  return {
    digest,
    name: `${manifest.name}:${manifest.version}`,
    type: o.claim.type,
    inputs: o.claim.inputs,
    result: o.claim.result,
    generator: { name: `${manifest.name}/${PROOF_HOOKS_DIR}/${o.hook}`, version: manifest.version },
    cost: {
      price: o.claim.cost,
      currency: manifest.billing?.currency ?? 'USD',
      seconds: o.durationMs / 1000,
    },
  };
}
