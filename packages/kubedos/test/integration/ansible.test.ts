// The rendered Ansible tree against Debian's ansible (ansible-core + collections, no network):
// ansible-inventory --list, ansible-playbook --syntax-check, and ansible-doc for every module and
// option the roles use.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { addressPlan } from '../../src/addressing.ts';
import { renderAnsible } from '../../src/render/ansible/index.ts';
import { writeRendered } from '../../src/render/files.ts';
import { generateKubeadmSecrets, renderCloudInit, renderKubeadm } from '../../src/render/index-b.ts';
import { missing, run } from '../checker.ts';
import { toYaml } from '../../src/render/yaml.ts';
import { ANSIBLE_TASK_KEYWORDS } from '../ansible-keywords.ts';
import { generatedSpec, seedSpec, TRICKY_YAML } from '../render-spec.ts';

const skip = missing('ansible-inventory', 'ansible-playbook', 'ansible-doc', 'python3');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'kubedos-ansible-it-'));
  dirs.push(d);
  return d;
}

async function render(spec: ClusterSpec): Promise<{ out: string; ansible: string; env: NodeJS.ProcessEnv }> {
  const out = tmp();
  await writeRendered(out, renderAnsible(spec));
  const ansible = path.join(out, 'ansible');
  const home = tmp();
  const env = {
    ...process.env,
    HOME: home,
    ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
    ANSIBLE_ROLES_PATH: path.join(ansible, 'roles'),
    ANSIBLE_NOCOLOR: '1',
  };
  return { out, ansible, env };
}

interface InventoryList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | InventoryList['_meta'];
}

function inventoryList(ansible: string, env: NodeJS.ProcessEnv): InventoryList {
  const r = run('ansible-inventory', ['-i', 'inventory.yml', '--list'], { cwd: ansible, env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /WARNING/, r.stderr);
  return JSON.parse(r.stdout) as InventoryList;
}

const hostsOf = (inv: InventoryList, group: string) =>
  ((inv[group] as { hosts?: string[] }) ?? {}).hosts ?? [];

describe('Ansible under ansible-core', { skip }, () => {
  it('ansible-inventory --list: groups by role and failure domain, wg1 addresses, plane addresses', async () => {
    const spec = seedSpec();
    const { ansible, env } = await render(spec);
    const inv = inventoryList(ansible, env);
    const plan = addressPlan(spec);
    assert.deepEqual(hostsOf(inv, 'control_plane'), ['cp-1', 'cp-2', 'cp-3']);
    assert.deepEqual(hostsOf(inv, 'workers'), ['w-1']);
    assert.deepEqual(hostsOf(inv, 'fd_rack_a'), ['cp-1', 'cp-3', 'w-1']);
    assert.deepEqual(hostsOf(inv, 'fd_rack_b'), ['cp-2']);
    assert.ok((inv.all as { children: string[] }).children.includes('storage'));
    for (const [node, addresses] of plan) {
      const vars = inv._meta.hostvars[node]!;
      assert.equal(vars.ansible_host, addresses.get('wg1'));
      assert.deepEqual(vars.kubedos_addresses, Object.fromEntries(addresses));
      // group_vars/all.yml next to the inventory applies to every host.
      assert.equal(vars.kubedos_allow_wipe, false);
      assert.equal(vars.kubedos_kubernetes_version, 'v1.30.x');
    }
  });

  it('ansible-playbook --syntax-check passes for every stage playbook and site.yml', async () => {
    const { ansible, env } = await render(seedSpec());
    const playbooks = readdirSync(path.join(ansible, 'playbooks'))
      .sort()
      .map((p) => `playbooks/${p}`);
    assert.equal(playbooks.length, 8);
    const r = run('ansible-playbook', ['--syntax-check', '-i', 'inventory.yml', ...playbooks], {
      cwd: ansible,
      env,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    // The rendered ansible.cfg alone finds the roles too.
    const { ANSIBLE_ROLES_PATH: _, ...plain } = env;
    const cfg = run('ansible-playbook', ['--syntax-check', 'playbooks/site.yml'], {
      cwd: ansible,
      env: plain,
    });
    assert.equal(cfg.code, 0, `${cfg.stdout}\n${cfg.stderr}`);
  });

  it('every module the roles use ships with Debian ansible, with the options the tasks pass', async () => {
    const { ansible, env } = await render(seedSpec());
    const uses = new Map<string, Set<string>>();
    // Modules whose arguments are free-form names rather than options.
    const freeForm = new Set(['ansible.builtin.set_fact']);
    const walk = (tasks: Record<string, unknown>[]) => {
      for (const t of tasks) {
        if (Array.isArray(t.block)) walk(t.block as Record<string, unknown>[]);
        for (const [k, v] of Object.entries(t))
          if (!ANSIBLE_TASK_KEYWORDS.has(k)) {
            const opts = uses.get(k) ?? new Set<string>();
            if (v && typeof v === 'object' && !freeForm.has(k)) Object.keys(v).forEach((o) => opts.add(o));
            uses.set(k, opts);
          }
      }
    };
    for (const role of readdirSync(path.join(ansible, 'roles')))
      for (const kind of ['tasks', 'handlers']) {
        const file = path.join(ansible, 'roles', role, kind, 'main.yml');
        if (existsSync(file)) walk(parse(readFileSync(file, 'utf8')) as Record<string, unknown>[]);
      }
    const modules = [...uses.keys()].sort();
    assert.ok(modules.length > 10);
    const doc = run('ansible-doc', ['-t', 'module', '--json', ...modules], { cwd: ansible, env });
    assert.equal(doc.code, 0, doc.stderr);
    const docs = JSON.parse(doc.stdout) as Record<
      string,
      { doc: { options?: Record<string, { aliases?: string[] }> } }
    >;
    for (const m of modules) {
      assert.ok(docs[m], `module ${m} is not installed`);
      const options = docs[m].doc.options ?? {};
      const known = new Set(Object.entries(options).flatMap(([o, d]) => [o, ...(d.aliases ?? [])]));
      for (const o of uses.get(m)!) assert.ok(known.has(o), `${m} has no option ${o}`);
    }
  });

  it('a 100-node inventory lists every host in its groups', async () => {
    const { ansible, env } = await render(generatedSpec(100));
    const inv = inventoryList(ansible, env);
    assert.equal(Object.keys(inv._meta.hostvars).length, 100);
    assert.equal(hostsOf(inv, 'control_plane').length, 3);
    assert.equal(hostsOf(inv, 'workers').length, 97);
    const fd = ['fd_rack_a', 'fd_rack_b', 'fd_rack_c'].map((g) => hostsOf(inv, g).length);
    assert.equal(
      fd.reduce((a, b) => a + b),
      100,
    );
  });
});

describe('toYaml under PyYAML (the reader Ansible uses)', { skip }, () => {
  it('round-trips the tricky values', () => {
    const r = run('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
      input: toYaml(TRICKY_YAML),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), TRICKY_YAML);
  });
});

type Task = Record<string, Record<string, unknown>>;

/** A role's tasks by name prefix, copies to edit. */
function roleTasks(out: string, role: string): (name: string) => Task {
  const tasks = parse(
    readFileSync(path.join(out, 'ansible/roles', role, 'tasks/main.yml'), 'utf8'),
  ) as Task[];
  return (name) => structuredClone(tasks.find((t) => String(t.name).startsWith(name))!);
}

/** A copy task of a role, writing under `dir` on localhost instead of the node. */
function copyTo(task: Task, dir: string, dest: string): Task {
  delete task.when;
  delete task.no_log;
  delete task.notify;
  delete task['ansible.builtin.copy']!.validate;
  task['ansible.builtin.copy']!.dest = path.join(dir, dest);
  return task;
}

/** Runs tasks on localhost with the given vars. */
function runTasks(out: string, env: NodeJS.ProcessEnv, vars: Record<string, unknown>, tasks: Task[]): void {
  const playbook = [
    { hosts: 'localhost', gather_facts: false, vars: { kubedos_render_dir: out, ...vars }, tasks },
  ];
  const file = path.join(out, 'run.yml');
  writeFileSync(file, toYaml(playbook));
  const r = run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], { cwd: out, env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
}

describe("the roles read the other renderers' files", { skip }, () => {
  it('kubernetes: init and join files come out complete: token, certificate key and discovery pin', async () => {
    const spec = seedSpec();
    const { out, env } = await render(spec);
    const secrets = generateKubeadmSecrets();
    await writeRendered(out, renderKubeadm(spec, { secrets }));
    const task = roleTasks(out, 'kubernetes');
    const dir = tmp();
    const join = copyTo(task('Install this node'), dir, 'join-w-1.yaml');
    join.vars = { kubedos_join_file: 'join-w-1.yaml' };
    const vars = {
      kubedos_kubeadm_dir: path.join(out, 'kubeadm'),
      kubedos_kubeadm_secrets_file: path.join(out, 'secrets/kubeadm.env'),
      // The pin the role computes from the CA certificate after init.
      kubedos_cluster_ca_info: { public_key_fingerprints: { sha256: 'ab:cd:ef' } },
    };
    const read = task('Read the kubeadm secrets');
    delete read.no_log;
    runTasks(out, env, vars, [read, copyTo(task('Install the kubeadm init'), dir, 'init.yaml'), join]);
    const init = readFileSync(path.join(dir, 'init.yaml'), 'utf8');
    const joined = readFileSync(path.join(dir, 'join-w-1.yaml'), 'utf8');
    for (const text of [init, joined]) assert.doesNotMatch(text, /\$\{/);
    assert.ok(init.includes(secrets.token) && init.includes(secrets.certificateKey));
    assert.ok(joined.includes(secrets.token) && joined.includes('sha256:abcdef'));
    assert.equal(parse(init.split('\n---\n')[0]!).kind, 'InitConfiguration');
  });

  it('baseline-hardening: the SSH policy and sysctl baseline are the ones firstboot writes', async () => {
    const spec = seedSpec();
    const { out, env } = await render(spec);
    await writeRendered(out, renderCloudInit(spec));
    const task = roleTasks(out, 'baseline-hardening');
    const dir = tmp();
    const userData = path.join(out, 'cloud-init/cp-2/user-data');
    const sshd = '/etc/ssh/sshd_config.d/10-kubedos.conf';
    const sysctl = '/etc/sysctl.d/90-kubedos.conf';
    runTasks(
      out,
      env,
      { kubedos_firstboot_user_data: userData, kubedos_sshd_policy: sshd, kubedos_sysctl_baseline: sysctl },
      [
        task('Read the files firstboot wrote'),
        copyTo(task('Re-assert the SSH policy'), dir, 'sshd.conf'),
        copyTo(task('Re-assert the kernel baseline'), dir, 'sysctl.conf'),
      ],
    );
    const written = (
      parse(readFileSync(userData, 'utf8')) as { write_files: { path: string; content: string }[] }
    ).write_files;
    const content = (p: string) => written.find((f) => f.path === p)!.content;
    assert.equal(readFileSync(path.join(dir, 'sshd.conf'), 'utf8'), content(sshd));
    assert.equal(readFileSync(path.join(dir, 'sysctl.conf'), 'utf8'), content(sysctl));
    assert.match(content(sshd), /^AllowUsers ops$/m);
  });
});
