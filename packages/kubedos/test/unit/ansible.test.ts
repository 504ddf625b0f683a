import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { addressPlan, vmidPlan } from '../../src/addressing.ts';
import { diskDevice, renderAnsible } from '../../src/render/ansible/index.ts';
import type { Rendered } from '../../src/render/files.ts';
import { toYaml } from '../../src/render/yaml.ts';
import { ANSIBLE_TASK_KEYWORDS } from '../ansible-keywords.ts';
import { generatedSpec, seedSpec, TRICKY_YAML } from '../render-spec.ts';

type Task = Record<string, unknown>;

const STAGES = [
  '01-substrate-provision',
  '02-firstboot-baseline',
  '03-backplanes',
  '04-enrollment-discovery',
  '05-platform-converge',
  '06-kubernetes',
  '07-seal-emit',
];
/** The role of each stage's playbook, in stage order. */
const STAGE_ROLES = [
  'substrate-provision',
  'baseline-hardening',
  'wireguard-planes',
  'salt-enrollment',
  'platform-converge',
  'kubernetes',
  'seal-emit',
];
const ROLES = [
  'baseline-hardening',
  'kubernetes',
  'platform-converge',
  'salt-enrollment',
  'seal-emit',
  'substrate-provision',
  'wireguard-planes',
];

/** Every task of the task and handler files, blocks flattened, with the file it is in. */
function tasks(files: Rendered): { file: string; task: Task }[] {
  const out: { file: string; task: Task }[] = [];
  const walk = (file: string, list: Task[]) => {
    for (const task of list) {
      out.push({ file, task });
      for (const key of ['block', 'rescue', 'always'])
        if (Array.isArray(task[key])) walk(file, task[key] as Task[]);
    }
  };
  for (const f of files)
    if (/^ansible\/roles\/[^/]+\/(tasks|handlers)\/[^/]+\.yml$/.test(f.path))
      walk(f.path, parse(f.content) as Task[]);
  return out;
}

function moduleOf(task: Task): string | undefined {
  if (task.block) return undefined;
  const modules = Object.keys(task).filter((k) => !ANSIBLE_TASK_KEYWORDS.has(k));
  assert.equal(modules.length, 1, `task ${String(task.name)} has modules ${modules.join(', ')}`);
  return modules[0];
}

const whenList = (task: Task): string[] =>
  task.when === undefined ? [] : Array.isArray(task.when) ? (task.when as string[]) : [task.when as string];

describe('renderAnsible', () => {
  const spec = seedSpec();
  const files = renderAnsible(spec);
  const byPath = new Map(files.map((f) => [f.path, f.content]));

  it('lays out the inventory, group vars, one playbook per stage and single-purpose roles', () => {
    assert.ok(byPath.has('ansible/inventory.yml'));
    assert.ok(byPath.has('ansible/group_vars/all.yml'));
    assert.ok(byPath.has('ansible/ansible.cfg'));
    for (const s of STAGES) assert.ok(byPath.has(`ansible/playbooks/${s}.yml`), s);
    const roles = [
      ...new Set(files.map((f) => /^ansible\/roles\/([^/]+)\//.exec(f.path)?.[1]).filter(Boolean)),
    ].sort();
    assert.deepEqual(roles, ROLES);
    for (const r of ROLES)
      for (const f of ['tasks/main.yml', 'defaults/main.yml', 'README.md'])
        assert.ok(byPath.has(`ansible/roles/${r}/${f}`), `${r}/${f}`);
    const site = parse(byPath.get('ansible/playbooks/site.yml')!) as { import_playbook: string }[];
    assert.deepEqual(
      site.map((p) => p.import_playbook),
      STAGES.map((s) => `${s}.yml`),
    );
    STAGES.forEach((s, i) => {
      const [play] = parse(byPath.get(`ansible/playbooks/${s}.yml`)!) as Task[];
      assert.equal(play!.any_errors_fatal, true, s);
      assert.deepEqual(
        (play!.roles as { role: string }[]).map((r) => r.role),
        [STAGE_ROLES[i]],
        s,
      );
    });
  });

  it('groups hosts by role and failure domain, with plane addresses, vmid and wg1 as ansible_host', () => {
    const inv = parse(byPath.get('ansible/inventory.yml')!, { version: '1.1' }) as {
      all: { hosts: Record<string, Task>; children: Record<string, { hosts?: Record<string, unknown> }> };
    };
    const plan = addressPlan(spec);
    const vmids = vmidPlan(spec);
    const members = (g: string) => Object.keys(inv.all.children[g]?.hosts ?? {});
    assert.deepEqual(members('control_plane'), ['cp-1', 'cp-2', 'cp-3']);
    assert.deepEqual(members('workers'), ['w-1']);
    assert.deepEqual(members('storage'), []);
    assert.deepEqual(members('fd_rack_a'), ['cp-1', 'cp-3', 'w-1']);
    assert.deepEqual(members('fd_rack_b'), ['cp-2']);
    for (const [name, vars] of Object.entries(inv.all.hosts)) {
      assert.equal(vars.ansible_host, plan.get(name)!.get('wg1'));
      assert.deepEqual(vars.kubedos_addresses, Object.fromEntries(plan.get(name)!));
      assert.equal(vars.kubedos_vmid, vmids.get(name));
      assert.equal(
        vars.kubedos_failure_domain,
        spec.spec.nodes.inventory.find((n) => n.name === name)!.failureDomain,
      );
    }
    assert.deepEqual(inv.all.hosts['cp-1']!.kubedos_disks, [
      { index: 0, device: '/dev/sda', purpose: 'os', size_gib: 64, pool: 'fast-zfs' },
    ]);
  });

  it('carries the spec versions and destructive flags in group vars', () => {
    const vars = parse(byPath.get('ansible/group_vars/all.yml')!) as Task;
    assert.equal(vars.kubedos_kubernetes_version, 'v1.30.x');
    assert.equal(vars.kubedos_artifact_version, '0.1.0');
    for (const flag of ['destroy', 'repartition', 'wipe', 'reset'])
      assert.equal(vars[`kubedos_allow_${flag}`], false);
    assert.equal(vars.kubedos_init_node, 'cp-1');
    assert.equal(vars.ansible_user, 'ops');
    assert.equal(vars.kubedos_wireguard_key_dir, '/etc/wireguard/keys');
    const allowing = seedSpec();
    allowing.spec.orchestration.ansible.safety.allowWipe = true;
    allowing.spec.kubernetes.allowReset = true;
    const v2 = parse(
      renderAnsible(allowing).find((f) => f.path === 'ansible/group_vars/all.yml')!.content,
    ) as Task;
    assert.equal(v2.kubedos_allow_wipe, true);
    assert.equal(v2.kubedos_allow_reset, true);
    assert.equal(v2.kubedos_allow_repartition, false);
  });

  it('has no bare shell or command: every command is guarded by creates/removes or changed_when', () => {
    const all = tasks(files);
    assert.ok(all.length > 40);
    for (const { file, task } of all) {
      const mod = moduleOf(task);
      if (mod === undefined) continue;
      assert.ok(!/(^|\.)(shell|raw|script)$/.test(mod), `${file}: ${String(task.name)} uses ${mod}`);
      if (/(^|\.)command$/.test(mod)) {
        const args = (task[mod] ?? {}) as Task;
        assert.equal(typeof args, 'object', `${file}: ${String(task.name)}: free-form command`);
        assert.ok(Array.isArray(args.argv), `${file}: ${String(task.name)}: command without argv`);
        assert.ok(
          args.creates !== undefined || args.removes !== undefined || task.changed_when !== undefined,
          `${file}: ${String(task.name)}: command without creates/removes/changed_when`,
        );
      }
      assert.ok(mod.includes('.'), `${file}: ${String(task.name)}: module ${mod} is not fully qualified`);
    }
    // Nor anywhere in the text, e.g. a `shell:` hidden in a playbook.
    for (const f of files)
      if (f.path.endsWith('.yml'))
        assert.doesNotMatch(f.content, /^\s*-?\s*(ansible\.builtin\.)?shell:/m, f.path);
  });

  it('guards every destructive task with its spec flag and a run request', () => {
    const destructive = tasks(files).filter(({ task }) => /destructive/i.test(String(task.name)));
    const flags = destructive.map(({ file, task }) => {
      const when = whenList(task);
      const flag = when.map((w) => /^kubedos_allow_(\w+) \| bool$/.exec(w)?.[1]).find(Boolean);
      assert.ok(flag, `${file}: ${String(task.name)} is not behind a kubedos_allow_* flag`);
      assert.ok(
        when.includes(`kubedos_${flag}_requested | bool`),
        `${file}: ${String(task.name)} runs without a request`,
      );
      return flag;
    });
    assert.deepEqual([...new Set(flags)].sort(), ['repartition', 'reset', 'wipe']);
    // The operations themselves appear only in those tasks.
    for (const { file, task } of tasks(files)) {
      const text = JSON.stringify(task);
      if (/wipefs|"reset"|label":"gpt/.test(text) && !/Partition the blank/.test(String(task.name)))
        assert.match(String(task.name), /destructive/i, `${file}: ${String(task.name)}`);
    }
    // allowDestroy is handed to the substrate provisioner.
    assert.match(byPath.get('ansible/roles/substrate-provision/README.md')!, /kubedos_allow_destroy/);
  });

  it('never logs the WireGuard private keys', () => {
    const keyTasks = tasks(files).filter(({ task }) => /private-key|\}\}\.key/.test(JSON.stringify(task)));
    assert.ok(keyTasks.length >= 2);
    for (const { task } of keyTasks) assert.equal(task.no_log, true, String(task.name));
  });

  it('quotes names Ansible (YAML 1.1) would read as booleans', () => {
    const s = seedSpec();
    s.spec.nodes.inventory[3]!.name = 'no';
    s.spec.nodes.failureDomains.push({ name: 'on' });
    s.spec.nodes.inventory[3]!.failureDomain = 'on';
    const inv = parse(renderAnsible(s).find((f) => f.path === 'ansible/inventory.yml')!.content, {
      version: '1.1',
    }) as {
      all: { hosts: Record<string, Task> };
    };
    assert.ok(Object.keys(inv.all.hosts).includes('no'));
    assert.equal(inv.all.hosts.no!.kubedos_failure_domain, 'on');
  });

  it('names disks like the kernel does', () => {
    assert.deepEqual([0, 1, 25, 26, 27, 701, 702].map(diskDevice), [
      '/dev/sda',
      '/dev/sdb',
      '/dev/sdz',
      '/dev/sdaa',
      '/dev/sdab',
      '/dev/sdzz',
      '/dev/sdaaa',
    ]);
  });

  it('is deterministic for 1,000 nodes', () => {
    const big = generatedSpec(1000);
    const a = renderAnsible(big);
    assert.deepEqual(renderAnsible(big), a);
    const inv = parse(a.find((f) => f.path === 'ansible/inventory.yml')!.content) as {
      all: { hosts: object };
    };
    assert.equal(Object.keys(inv.all.hosts).length, 1000);
  });
});

describe('toYaml', () => {
  it('round-trips plain data under YAML 1.1 and 1.2 readers', () => {
    for (const version of ['1.1', '1.2'] as const)
      assert.deepEqual(parse(toYaml(TRICKY_YAML), { version }), TRICKY_YAML, version);
    assert.equal(toYaml({}), '{}\n');
    assert.equal(toYaml([]), '[]\n');
    assert.equal(toYaml({ a: [{ b: 1, c: 2 }] }), 'a:\n  - b: 1\n    c: 2\n');
    assert.throws(() => toYaml({ a: Number.NaN }), /cannot write/);
  });
});
