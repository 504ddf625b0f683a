// The loader (seed 003 §4): verify → requirements → DACCapsule and warm pool → ProofedDeployment →
// first run and proof hooks → publish the proofs → update the index. Every step is a named stage
// (progress on stderr, a record in the run's trajectory) and idempotent: a second deploy of the
// same capsule changes nothing and says so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtin, setControllerReference, type KubeClient, type Progress } from '@industriverse/kube';
import { dacCapsules, proofedDeployments, type DACCapsule } from '@industriverse/kaas/api';
import type { PublicKey } from '@industriverse/trust';
import {
  hookProofClaim,
  runFirstRunAndHooks,
  type HookLimits,
  type HookOutcome,
  type StepRunner,
} from '../hooks/run.ts';
import type { Registry } from '../registry/registry.ts';
import type { AsalReport } from '../trifecta/asal.ts';
import { recordRun } from '../trifecta/history.ts';
import {
  errorCode,
  RunRecorder,
  type CapsuleIdentity,
  type RunOutcome,
  type StepRecord,
} from '../trifecta/trajectory.ts';
import { formatCapsuleUri, isCapsuleUri, parseCapsuleUri } from '../uri.ts';
import { verifyCapsule } from '../verify.ts';
import {
  applyTracked,
  deleteIfExists,
  ensureCrds,
  ensureNamespace,
  listNodes,
  waitReady,
} from './cluster.ts';
import { DeployError } from './errors.ts';
import {
  dacCapsuleObject,
  objectProblems,
  proofedDeploymentObject,
  warmPoolName,
  warmPoolObject,
  type CapsuleObjectsInput,
} from './objects.ts';
import {
  checkRequirements,
  formatRefusal,
  manifestRequirements,
  type RequirementsReport,
} from './requirements.ts';

export interface DeployOptions {
  /** A capsule file, or a capsule:// URI resolved in `registry`. */
  source: string;
  publicKeys: PublicKey[];
  client: KubeClient;
  namespace: string;
  /** Needed for a URI and for the proof steps. */
  registry?: Registry;
  /** Run the first run and proof hooks, publish the proofs and update the index (default true). */
  prove?: boolean;
  /** Run the proof hooks again even when the capsule already has a proof. */
  reprove?: boolean;
  image?: string;
  warmReplicas?: number;
  /** How long to wait for the CRDs and the warm pool (default 120 s). */
  waitTimeoutMs?: number;
  hookLimits?: Partial<HookLimits>;
  bwrap?: string;
  /** Where trajectories and playbooks are kept. */
  stateDir: string;
  progress: Progress;
}

export interface DeployReport {
  ok: boolean;
  outcome: RunOutcome;
  capsule: CapsuleIdentity;
  namespace: string;
  /** capsule://name:version?proof=true once the proof resolves. */
  uri?: string;
  requirements?: RequirementsReport;
  objects: { kind: string; name: string; changed: boolean }[];
  proofs: { id: string; type: string; hook: string }[];
  error?: { code: string; message: string; path?: string; step?: string };
  steps: Pick<StepRecord, 'name' | 'outcome' | 'changed' | 'durationMs' | 'error'>[];
  asal: AsalReport;
  trajectory: string;
}

const LABELS: Record<string, string> = {
  verify: 'verify signature and checksums',
  requirements: 'check requirements against the cluster',
  crds: 'install the kaas CRDs if missing',
  'dac-capsule': 'apply the DACCapsule',
  'warm-pool': 'warm pool',
  'proofed-deployment': 'apply the ProofedDeployment',
  'first-run': 'first run in the sandbox',
  'publish-proof': 'publish the proofs to the registry',
  index: 'update the registry index',
};

const label = (step: string) =>
  LABELS[step] ?? (step.startsWith('hook:') ? `proof hook ${step.slice(5)}` : step);

type CapsuleStatus = NonNullable<DACCapsule['status']>;

/** Deploys a capsule; never throws for a failed step (the report says what failed), only for a broken setup. */
export async function deployCapsule(opts: DeployOptions): Promise<DeployReport> {
  const prove = opts.prove ?? true;
  const waitMs = opts.waitTimeoutMs ?? 120_000;
  const { client, namespace, progress } = opts;
  const recorder = new RunRecorder();
  const step: StepRunner = (name, work) => progress.stage(label(name), () => recorder.step(name, work));
  const objects: DeployReport['objects'] = [];
  const proofs: DeployReport['proofs'] = [];
  let requirements: RequirementsReport | undefined;
  let uri: string | undefined;
  let failure: DeployReport['error'];
  const cleanup: string[] = [];
  const planned = ['verify', 'requirements', 'crds', 'dac-capsule', 'warm-pool', 'proofed-deployment'];
  if (prove) planned.push('first-run', 'publish-proof', 'index');

  try {
    // 1. Signature and checksums; a capsule:// source is fetched from the registry first.
    const verified = await step('verify', async (ctx) => {
      ctx.changed(false);
      const file = await localFile(opts, cleanup);
      const result = await verifyCapsule(file, { publicKeys: opts.publicKeys, extract: prove });
      if (!result.ok) {
        // A manifest that parsed names the capsule whose history the failure belongs to.
        const named = result.manifest;
        recorder.capsule = {
          name: named?.name ?? null,
          version: named?.version ?? null,
          digest: result.digest,
        };
        throw new DeployError(result.error.code, result.error.message, result.error.path);
      }
      if (result.dir) cleanup.push(result.dir);
      const { manifest } = result;
      recorder.capsule = { name: manifest.name, version: manifest.version, digest: result.digest };
      ctx.detail({ digest: result.digest, keyId: result.keyId });
      const key = opts.publicKeys.find((k) => k.keyId === result.keyId);
      return {
        file,
        manifest,
        digest: result.digest,
        keyId: result.keyId,
        algorithm: key?.algorithm ?? 'ecdsa-p256',
        dir: result.dir,
      };
    });
    const { manifest, digest } = verified;
    const reqs = manifestRequirements(manifest.requirements);

    const input: CapsuleObjectsInput = {
      manifest,
      requirements: reqs,
      digest,
      keyId: verified.keyId,
      algorithm: verified.algorithm,
      namespace,
      source: opts.source,
      ...(opts.image ? { image: opts.image } : {}),
      ...(opts.warmReplicas !== undefined ? { warmReplicas: opts.warmReplicas } : {}),
    };

    // 2. Requirements against the Nodes, and the manifest against the cluster's kaas API.
    await step('requirements', async (ctx) => {
      ctx.changed(false);
      requirements = checkRequirements(reqs, await listNodes(client));
      ctx.detail({ nodes: requirements.nodes });
      if (!requirements.ok) throw new DeployError('REQUIREMENTS_UNMET', formatRefusal(requirements));
      const problems = objectProblems(input);
      if (problems.length) {
        throw new DeployError(
          'MANIFEST_UNSUPPORTED',
          `the kaas API rejects this capsule: ${problems.join('; ')}`,
        );
      }
    });

    await step('crds', async (ctx) => {
      const created = await ensureCrds(client, [dacCapsules, proofedDeployments], waitMs);
      const namespaceCreated = await ensureNamespace(client, namespace);
      ctx.changed(created.length > 0 || namespaceCreated);
      ctx.detail({ created, namespaceCreated });
    });

    // 3. The DACCapsule (owner of everything else), then the warm pool when the manifest asks for one.
    const capsule = await step('dac-capsule', async (ctx) => {
      const applied = await applyTracked<DACCapsule>(client, dacCapsules, dacCapsuleObject(input));
      objects.push({ kind: 'DACCapsule', name: manifest.name, changed: applied.changed });
      // A new digest is a new verification and starts over; the same one keeps its status and proofs.
      const fresh = applied.before?.spec.digest !== digest || !applied.object.status?.phase;
      const statusChanged = fresh
        ? await setStatus(client, applied.object, {
            phase: 'Verified',
            verifiedAt: new Date().toISOString(),
            proofId: undefined,
            proofIds: undefined,
          })
        : false;
      ctx.changed(applied.changed || statusChanged);
      return applied.object;
    });

    await step('warm-pool', async (ctx) => {
      const name = warmPoolName(manifest.name);
      if (!manifest.prewarm) {
        const deleted = await deleteIfExists(client, builtin.deployment, namespace, name);
        ctx.changed(deleted);
        ctx.detail({ prewarm: false, deleted });
        return;
      }
      const pool = setControllerReference(capsule, warmPoolObject(input));
      const applied = await applyTracked(client, builtin.deployment, pool);
      objects.push({ kind: 'Deployment', name, changed: applied.changed });
      const ready = await waitReady(client, namespace, name, waitMs);
      ctx.changed(applied.changed);
      ctx.detail({ replicas: ready });
    });

    // 4. The ProofedDeployment pointing at the capsule image and manifest.
    await step('proofed-deployment', async (ctx) => {
      const pd = setControllerReference(capsule, proofedDeploymentObject(input));
      const applied = await applyTracked(client, proofedDeployments, pd);
      objects.push({ kind: 'ProofedDeployment', name: manifest.name, changed: applied.changed });
      const statusChanged = await advancePhase(client, manifest.name, namespace, 'Deployed');
      ctx.changed(applied.changed || statusChanged);
    });

    if (prove) {
      const registry = opts.registry;
      if (!registry)
        throw new DeployError('REGISTRY_REQUIRED', 'the proof steps need a registry (--registry DIR|URL)');
      const entry = (await registry.list()).find((e) => e.digest === digest);
      const proven = entry?.metadata.proof_id !== undefined && !opts.reprove;

      // 5. First run and proof hooks, in the sandbox; skipped when the capsule is already proven.
      let outcomes: HookOutcome[] = [];
      if (proven) {
        recorder.skip('first-run', 'the capsule already has a proof (--reprove runs the hooks again)');
      } else {
        outcomes = await runFirstRunAndHooks({
          capsuleDir: verified.dir!,
          manifest,
          digest,
          step,
          ...(opts.hookLimits ? { limits: opts.hookLimits } : {}),
          ...(opts.bwrap ? { bwrap: opts.bwrap } : {}),
        });
      }

      // 6. Proof bundles: signed, stored and anchored by the registry.
      const ids = await step('publish-proof', async (ctx) => {
        await registry.push(verified.file);
        if (proven) {
          ctx.changed(false);
          return [];
        }
        let cost = 0;
        const published: string[] = [];
        for (const o of outcomes) {
          const record = await registry.generateProof(hookProofClaim(manifest, digest, o));
          proofs.push({ id: record.id, type: o.claim.type, hook: o.hook });
          published.push(record.id);
          cost += o.claim.cost;
        }
        ctx.metric('proof.cost', cost);
        ctx.detail({ proofs: published });
        return published;
      });

      // 7. The index: proofs attached to the capsule's metadata, so that ?proof=true resolves.
      await step('index', async (ctx) => {
        let changed = false;
        for (const id of ids) {
          const before = (await registry.list()).find((e) => e.digest === digest)?.metadata.proof_id;
          const after = await registry.attachProof(digest, id);
          changed ||= before !== after.metadata.proof_id;
        }
        const ref = { name: manifest.name, version: manifest.version, proof: true };
        const resolved = await registry.resolve(ref);
        uri = formatCapsuleUri(ref);
        const allProofs = resolved.proofs;
        const statusChanged = await setStatus(client, capsule, {
          phase: 'Proven',
          proofId: resolved.metadata.proof_id,
          proofIds: allProofs,
        });
        ctx.changed(changed || statusChanged);
        ctx.detail({ uri, proofId: resolved.metadata.proof_id });
        if (proofs.length === 0) {
          for (const id of allProofs) {
            const record = await registry.getProof(id);
            proofs.push({ id, type: record.type, hook: '' });
          }
        }
      });
    }
  } catch (err) {
    const failed = recorder.steps.at(-1);
    failure = {
      code: errorCode(err),
      message: err instanceof Error ? err.message : String(err),
      ...((err as DeployError).path ? { path: (err as DeployError).path } : {}),
      ...(failed?.outcome === 'failed' ? { step: failed.name } : {}),
    };
    const done = new Set(recorder.steps.map((s) => s.name));
    for (const name of planned) if (!done.has(name)) recorder.skip(name, 'an earlier step failed');
  } finally {
    await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  const { trajectory } = await recordRun(opts.stateDir, recorder.finish(failure !== undefined));
  for (const o of trajectory.asal?.outliers ?? []) {
    progress.info(
      `ASAL: ${o.metric} = ${o.value} is an outlier (z = ${o.z ?? '∞'}, mean ${o.mean} over ${o.n} runs)`,
    );
  }
  return {
    ok: failure === undefined,
    outcome: trajectory.outcome,
    capsule: trajectory.capsule,
    namespace,
    ...(uri ? { uri } : {}),
    ...(requirements ? { requirements } : {}),
    objects,
    proofs,
    ...(failure ? { error: failure } : {}),
    steps: trajectory.steps.map(({ name, outcome, changed, durationMs, error }) => ({
      name,
      outcome,
      changed,
      durationMs,
      ...(error ? { error } : {}),
    })),
    asal: trajectory.asal!,
    trajectory: trajectory.id,
  };
}

/** The capsule as a local file: the source itself, or fetched from the registry into a temp dir. */
async function localFile(opts: DeployOptions, cleanup: string[]): Promise<string> {
  if (!isCapsuleUri(opts.source)) return opts.source;
  const ref = parseCapsuleUri(opts.source);
  if (!opts.registry)
    throw new DeployError('REGISTRY_REQUIRED', `${opts.source}: a capsule:// source needs --registry`);
  const entry = await opts.registry.resolve(ref);
  const dir = await mkdtemp(join(tmpdir(), 'capsule-deploy-'));
  cleanup.push(dir);
  const file = join(dir, `${ref.name}-${ref.version}.capsule`);
  await opts.registry.fetch(entry.digest, file);
  return file;
}

const PHASES: NonNullable<CapsuleStatus['phase']>[] = ['Verified', 'Deployed', 'Proven'];

/** Moves the DACCapsule's phase forward to `phase` (never back); true when it changed. */
async function advancePhase(
  client: KubeClient,
  name: string,
  namespace: string,
  phase: 'Deployed',
): Promise<boolean> {
  const capsule = await client.get<DACCapsule>(dacCapsules, namespace, name);
  const current = capsule.status?.phase;
  if (current && PHASES.indexOf(current) >= PHASES.indexOf(phase)) return false;
  return setStatus(client, capsule, { phase });
}

/** Server-side applies the merged status of the DACCapsule when it differs; true when it did. */
async function setStatus(
  client: KubeClient,
  capsule: DACCapsule,
  change: Partial<CapsuleStatus>,
): Promise<boolean> {
  const latest = await client.get<DACCapsule>(
    dacCapsules,
    capsule.metadata.namespace,
    capsule.metadata.name!,
  );
  const merged: Record<string, unknown> = {
    ...latest.status,
    ...change,
    observedGeneration: latest.metadata.generation,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  if (JSON.stringify(sortKeys(merged)) === JSON.stringify(sortKeys(latest.status ?? {}))) return false;
  const body = {
    apiVersion: dacCapsules.apiVersion,
    kind: dacCapsules.kind,
    metadata: { name: latest.metadata.name, namespace: latest.metadata.namespace },
    status: merged,
  };
  await applyTracked(client, dacCapsules, body, 'status');
  return true;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
