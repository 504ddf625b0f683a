// The rendered Proxmox VM definitions pass the real `ansible-playbook --syntax-check` (Debian
// `ansible`) when imported by a playbook, and every proxmox_kvm argument is an option the installed
// community.general.proxmox_kvm documents (`ansible-doc`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { writeRendered } from '../../src/render/files.ts';
import { PROXMOX_VMS_FILE, renderProxmox } from '../../src/render/proxmox.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'kubedos-proxmox-'));
after(() => rmSync(root, { recursive: true, force: true }));
const KVM = 'community.general.proxmox_kvm';

let options: Set<string>;
before(async () => {
  const { stdout } = await run('ansible-doc', ['--json', KVM], { maxBuffer: 16 * 1024 * 1024 });
  options = new Set(
    Object.keys((JSON.parse(stdout) as Record<string, { doc: { options: object } }>)[KVM]!.doc.options),
  );
});

/** Renders into a fresh folder with a playbook importing the task file; returns the playbook. */
async function renderWithPlaybook(name: string, spec: ClusterSpec): Promise<string> {
  const dir = path.join(root, name);
  await writeRendered(dir, renderProxmox(spec));
  const playbook = path.join(dir, 'ansible/check.yml');
  writeFileSync(
    playbook,
    '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.import_tasks: proxmox/vms.yml\n',
  );
  return playbook;
}

async function syntaxCheck(playbook: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('ansible-playbook', ['--syntax-check', playbook], {
      env: {
        ...process.env,
        ANSIBLE_LOCALHOST_WARNING: 'false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
      },
    });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function kvmArguments(playbook: string): Record<string, unknown>[] {
  const tasks = parse(readFileSync(path.join(path.dirname(playbook), 'proxmox/vms.yml'), 'utf8')) as Record<
    string,
    unknown
  >[];
  const flat = tasks.flatMap((t) => (t.block as Record<string, unknown>[] | undefined) ?? [t]);
  const defaults = tasks.flatMap((t) =>
    t.module_defaults ? [(t.module_defaults as Record<string, Record<string, unknown>>)[KVM]!] : [],
  );
  return [...defaults, ...flat.flatMap((t) => (t[KVM] ? [t[KVM] as Record<string, unknown>] : []))];
}

test('the seed VM definitions pass the syntax check with documented proxmox_kvm options', async () => {
  const playbook = await renderWithPlaybook('seed', seedSpec());
  const result = await syntaxCheck(playbook);
  assert.ok(result.ok, result.output);
  const args = kvmArguments(playbook);
  assert.equal(args.length, 5);
  for (const a of args)
    for (const key of Object.keys(a)) assert.ok(options.has(key), `${KVM} has no option ${key}`);
});

test('listed hosts and allowDestroy (stop and remove tasks) pass too', async () => {
  const spec = generatedSpec(30);
  spec.spec.substrate.proxmox!.hosts = ['pve1', 'pve2', 'pve3'];
  spec.spec.substrate.allowDestroy = true;
  const playbook = await renderWithPlaybook('destroy', spec);
  const result = await syntaxCheck(playbook);
  assert.ok(result.ok, result.output);
  for (const a of kvmArguments(playbook))
    for (const key of Object.keys(a)) assert.ok(options.has(key), `${KVM} has no option ${key}`);
});

test('the syntax check rejects an unknown module (the check is effective)', async () => {
  const playbook = await renderWithPlaybook('broken', seedSpec());
  const file = path.join(path.dirname(playbook), 'proxmox/vms.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(`${KVM}:`, `${KVM}_missing:`));
  assert.equal((await syntaxCheck(playbook)).ok, false);
  assert.equal(PROXMOX_VMS_FILE, 'ansible/proxmox/vms.yml');
});
