// Proof hooks under real bubblewrap: hostile hooks fail without touching the host, a good one
// yields a claim that the registry turns into a proof.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, keySigner } from '@industriverse/trust';
import { DeployError } from '../../src/loader/errors.ts';
import {
  hookProofClaim,
  runFirstRunAndHooks,
  type HookManifest,
  type StepRunner,
} from '../../src/hooks/run.ts';
import { bwrapArgs } from '../../src/hooks/sandbox.ts';
import { DirRegistry } from '../../src/registry/dir.ts';
import { RunRecorder } from '../../src/trifecta/trajectory.ts';

const DIGEST = 'sha256:' + 'c'.repeat(64);
const manifest: HookManifest = {
  name: 'hook-test',
  version: '0.1.0',
  entrypoint: 'run.sh',
  proof_policy: { required: true, types: ['sim_alignment'] },
};

let root: string;
let secretFile: string;
let server: Server;
let port: number;
let connections = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'capsule-hooks-'));
  secretFile = join(root, 'host-secret.txt');
  await writeFile(secretFile, 'do not read me\n');
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  process.env.CAPSULE_TEST_SECRET = 'host-environment-secret';
});

after(async () => {
  server?.close();
  await rm(root, { recursive: true, force: true });
});

/** A capsule folder with an entrypoint and the given proof hooks. */
async function capsuleWith(
  hooks: Record<string, string>,
  entrypoint = '#!/bin/sh\necho ran > /tmp/out\necho first run ok\n',
): Promise<string> {
  const dir = await mkdtemp(join(root, 'capsule-'));
  await writeFile(join(dir, 'run.sh'), entrypoint);
  await mkdir(join(dir, 'proof-hooks'));
  for (const [name, text] of Object.entries(hooks)) await writeFile(join(dir, 'proof-hooks', name), text);
  return dir;
}

async function run(dir: string, limits = {}) {
  const recorder = new RunRecorder();
  const step: StepRunner = (name, work) => recorder.step(name, work);
  try {
    return {
      outcomes: await runFirstRunAndHooks({ capsuleDir: dir, manifest, digest: DIGEST, step, limits }),
      recorder,
    };
  } catch (err) {
    return { error: err as DeployError, recorder };
  }
}

const claim = `{"type":"sim_alignment","inputs":{"seed":1},"result":{"aligned":true,"score":0.97},"cost":0.05}`;

describe('proof hooks under bubblewrap', { timeout: 120_000 }, () => {
  it('builds a bwrap command line with every namespace unshared and only the capsule bound', () => {
    const args = bwrapArgs(['/capsule/x'], { capsuleDir: '/host/capsule', env: { A: '1' } });
    for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) {
      assert.ok(args.includes(flag), flag);
    }
    const bind = args.indexOf('/host/capsule');
    assert.equal(args[bind - 1], '--ro-bind');
    assert.equal(args[bind + 1], '/capsule');
    assert.deepEqual(args.slice(args.indexOf('--tmpfs'), args.indexOf('--tmpfs') + 2), ['--tmpfs', '/tmp']);
    assert.deepEqual(args.slice(-2), ['--', '/capsule/x']);
    assert.ok(!args.some((a) => a === '--bind' || a === '--share-net'), 'nothing is bound writable');
  });

  it('runs a good hook after the first run and returns its claim', async () => {
    const dir = await capsuleWith({
      'generate_proof.py': [
        '#!/usr/bin/env python3',
        'import json, os',
        'first = json.load(open(os.environ["CAPSULE_FIRST_RUN"]))',
        'assert first["exitCode"] == 0 and "first run ok" in first["stdout"]',
        'assert os.environ["CAPSULE_NAME"] == "hook-test" and os.environ["CAPSULE_DIGEST"].startswith("sha256:")',
        'open("/tmp/scratch", "w").write("tmp is writable")',
        `print(${JSON.stringify(claim)})`,
      ].join('\n'),
    });
    const { outcomes, error, recorder } = await run(dir);
    assert.equal(error, undefined, String(error));
    assert.equal(outcomes!.length, 1);
    assert.deepEqual(outcomes![0]!.claim, JSON.parse(claim));
    const t = recorder.finish();
    assert.deepEqual(
      t.steps.map((s) => [s.name, s.outcome]),
      [
        ['first-run', 'ok'],
        ['hook:generate_proof.py', 'ok'],
      ],
    );
    assert.equal(t.metrics['hook.generate_proof.py.result.score'], 0.97);
    assert.equal(t.metrics['hook.generate_proof.py.cost'], 0.05);
  });

  it('turns the claim into a proof through the registry', async () => {
    const registryDir = await mkdtemp(join(root, 'registry-'));
    const { privateKeyPem } = generateKeyPair();
    const registry = await DirRegistry.open(registryDir, {
      proofSigner: keySigner(createPrivateKey(privateKeyPem)),
    });
    const dir = await capsuleWith({ 'generate_proof.sh': `#!/bin/sh\necho '${claim}'\n` });
    const { outcomes } = await run(dir);
    const proof = await registry.generateProof(hookProofClaim(manifest, DIGEST, outcomes![0]!));
    assert.match(proof.id, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      (await registry.proofsFor(DIGEST)).map((p) => p.id),
      [proof.id],
    );
    const predicate = (await registry.proofs.verify(proof, DIGEST)).predicate;
    assert.equal(predicate.type, 'sim_alignment');
    assert.deepEqual(predicate.generator, {
      name: 'hook-test/proof-hooks/generate_proof.sh',
      version: '0.1.0',
    });
    assert.equal(predicate.cost['price'], 0.05);
  });

  it('keeps a hook from writing outside /tmp', async () => {
    const dir = await capsuleWith({
      'evil.sh':
        '#!/bin/sh\nset -e\necho x > /capsule/planted\necho x > /usr/planted\n' + `echo '${claim}'\n`,
    });
    const { error } = await run(dir);
    assert.ok(error instanceof DeployError);
    assert.equal(error.code, 'HOOK_FAILED');
    assert.match(error.message, /Read-only file system/);
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ['proof-hooks', 'run.sh'],
      'nothing planted in the capsule',
    );
    assert.ok(!existsSync('/usr/planted'));
  });

  it('keeps a hook off the network', async () => {
    const dir = await capsuleWith({
      'net.py': [
        '#!/usr/bin/env python3',
        'import socket',
        `socket.create_connection(("127.0.0.1", ${port}), timeout=2)`,
        `print('${claim}')`,
      ].join('\n'),
    });
    const { error } = await run(dir);
    assert.equal(error?.code, 'HOOK_FAILED');
    assert.match(error.message, /Connection refused|Network is unreachable/);
    assert.equal(connections, 0, 'the host listener saw no connection');
  });

  it('keeps a hook from reading host files and the host environment', async () => {
    const dir = await capsuleWith({
      'read.sh': [
        '#!/bin/sh',
        `if cat ${secretFile} 2>/dev/null; then echo read host file >&2; exit 7; fi`,
        'if [ -e /etc/passwd ] || [ -e /root ] || [ -e /work ]; then echo saw host folders >&2; exit 8; fi',
        'if [ -n "$CAPSULE_TEST_SECRET" ]; then echo saw host env >&2; exit 9; fi',
        'exit 3',
      ].join('\n'),
    });
    const { error } = await run(dir);
    assert.equal(error?.code, 'HOOK_FAILED');
    assert.match(error.message, /exited with code 3/, error.message);
  });

  it('kills a hook at its timeout and over its output limit', async () => {
    const slow = await run(await capsuleWith({ 'slow.sh': '#!/bin/sh\nsleep 30\n' }), { hookTimeoutMs: 500 });
    assert.equal(slow.error?.code, 'HOOK_TIMEOUT');
    const loud = await run(await capsuleWith({ 'loud.sh': '#!/bin/sh\nexec yes\n' }), {
      maxOutputBytes: 4096,
    });
    assert.equal(loud.error?.code, 'HOOK_OUTPUT_LIMIT');
  });

  it('rejects a claim that is not valid or names a type outside the proof policy', async () => {
    const bad = await run(await capsuleWith({ 'bad.sh': '#!/bin/sh\necho not json\n' }));
    assert.equal(bad.error?.code, 'CLAIM_INVALID');
    const other = await run(
      await capsuleWith({ 'other.sh': `#!/bin/sh\necho '${claim.replace('sim_alignment', 'benchmark')}'\n` }),
    );
    assert.equal(other.error?.code, 'CLAIM_INVALID');
    assert.match(other.error.message, /not in the manifest's proof_policy.types/);
  });

  it('fails clearly when bubblewrap is missing', async () => {
    const recorder = new RunRecorder();
    const err = await runFirstRunAndHooks({
      capsuleDir: await capsuleWith({}),
      manifest,
      digest: DIGEST,
      bwrap: join(root, 'no-such-bwrap'),
      step: (name, work) => recorder.step(name, work),
    }).catch((e: unknown) => e as DeployError);
    assert.equal((err as DeployError).code, 'SANDBOX_UNAVAILABLE');
  });

  it('stops at a failing first run and requires the proofs the policy names', async () => {
    const failing = await run(await capsuleWith({}, '#!/bin/sh\necho boom >&2\nexit 4\n'));
    assert.equal(failing.error?.code, 'FIRST_RUN_FAILED');
    assert.match(failing.error.message, /exited with code 4: boom/);
    const none = await run(await capsuleWith({}));
    assert.equal(none.error?.code, 'PROOF_REQUIRED');
  });
});
