import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { addressPlan } from '../../src/addressing.ts';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { renderCloudInit, sshKeyPlaceholder } from '../../src/render/cloudinit.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function rendered(spec: ClusterSpec): Map<string, string> {
  return new Map(renderCloudInit(spec).map((f) => [f.path, f.content]));
}

/** user-data as its readers see it (YAML 1.1, like PyYAML). */
function userData(spec: ClusterSpec, node: string): Doc {
  return parse(rendered(spec).get(`cloud-init/${node}/user-data`)!, { version: '1.1' }) as Doc;
}

function writeFile(doc: Doc, path: string): Doc {
  const f = (doc.write_files as Doc[]).find((w) => w.path === path);
  assert.ok(f, path);
  return f;
}

test('user-data and meta-data for every node', () => {
  const files = rendered(seedSpec());
  assert.deepEqual(
    [...files.keys()],
    ['cp-1', 'cp-2', 'cp-3', 'w-1'].flatMap((n) => [
      `cloud-init/${n}/user-data`,
      `cloud-init/${n}/meta-data`,
    ]),
  );
  for (const [path, content] of files)
    if (path.endsWith('user-data')) assert.ok(content.startsWith('#cloud-config\n'), path);
  assert.deepEqual(parse(files.get('cloud-init/cp-2/meta-data')!), {
    'instance-id': 'kubedos-lab-01-cp-2',
    'local-hostname': 'cp-2',
  });
});

test('identity, users from allowUsers with a key placeholder, SSH and package policy', () => {
  const doc = userData(seedSpec(), 'cp-1');
  assert.equal(doc.hostname, 'cp-1');
  assert.equal(doc.fqdn, 'cp-1.lab-01.internal');
  assert.equal(doc.ssh_pwauth, false);
  assert.equal(doc.disable_root, true);
  assert.equal(doc.package_update, false);
  assert.equal(doc.package_upgrade, false);
  assert.deepEqual(
    (doc.users as Doc[]).map((u) => [u.name, u.lock_passwd, u.ssh_authorized_keys]),
    [['ops', true, ['${SSH_AUTHORIZED_KEY_OPS}']]],
  );
  assert.deepEqual(doc.runcmd, ['/usr/local/sbin/kubedos-firstboot']);
  const sshd = writeFile(doc, '/etc/ssh/sshd_config.d/10-kubedos.conf').content as string;
  assert.match(sshd, /^PasswordAuthentication no$/m);
  assert.match(sshd, /^AuthenticationMethods publickey$/m);
  assert.match(sshd, /^PermitRootLogin no$/m);
  assert.match(sshd, /^AllowUsers ops$/m);
  assert.match(
    writeFile(doc, '/etc/sysctl.d/90-kubedos.conf').content as string,
    /^net\.ipv4\.ip_forward = 1$/m,
  );
  assert.equal(writeFile(doc, '/usr/local/sbin/kubedos-firstboot').permissions, '0755');
});

test('backplane references carry the node plane addresses; enrollment material is 0600 with a placeholder', () => {
  const spec = seedSpec();
  const plan = addressPlan(spec).get('w-1')!;
  const doc = userData(spec, 'w-1');
  assert.deepEqual(
    (writeFile(doc, '/etc/kubedos/backplanes').content as string).trim().split('\n').slice(1),
    [
      `wg1 ${plan.get('wg1')}/24 /etc/wireguard/wg1.conf /etc/wireguard/keys/wg1.key`,
      `wg2 ${plan.get('wg2')}/24 /etc/wireguard/wg2.conf /etc/wireguard/keys/wg2.key`,
      `wg3 ${plan.get('wg3')}/24 /etc/wireguard/wg3.conf /etc/wireguard/keys/wg3.key`,
    ],
  );
  const enrollment = writeFile(doc, '/etc/kubedos/enrollment.env');
  assert.equal(enrollment.permissions, '0600');
  assert.match(enrollment.content as string, /^KUBEDOS_ENROLLMENT_TOKEN=\$\{KUBEDOS_ENROLLMENT_TOKEN\}$/m);
  assert.match(enrollment.content as string, /^KUBEDOS_CA_FINGERPRINT=sha256:REDACTED$/m);
  assert.match(writeFile(doc, '/etc/kubedos/node.env').content as string, /^KUBEDOS_ROLE=worker$/m);
});

test('the only ${...} in user-data are the declared placeholders', () => {
  const spec = seedSpec();
  spec.spec.security.ssh.allowUsers = ['ops', 'break-glass'];
  const allowed = new Set([
    sshKeyPlaceholder('ops'),
    sshKeyPlaceholder('break-glass'),
    'KUBEDOS_ENROLLMENT_TOKEN',
  ]);
  assert.equal(sshKeyPlaceholder('break-glass'), 'SSH_AUTHORIZED_KEY_BREAK_GLASS');
  for (const [path, content] of rendered(spec))
    for (const m of content.matchAll(/\$\{([^}]*)\}/g)) assert.ok(allowed.has(m[1]!), `${path}: ${m[0]}`);
});

test('password authentication follows the spec', () => {
  const spec = seedSpec();
  spec.spec.security.ssh.passwordAuth = true;
  const doc = userData(spec, 'cp-1');
  assert.equal(doc.ssh_pwauth, true);
  const sshd = writeFile(doc, '/etc/ssh/sshd_config.d/10-kubedos.conf').content as string;
  assert.match(sshd, /^PasswordAuthentication yes$/m);
  assert.doesNotMatch(sshd, /AuthenticationMethods/);
});

test('names YAML 1.1 would read as booleans stay strings', () => {
  const spec = seedSpec();
  spec.spec.nodes.inventory[3]!.name = 'no';
  const doc = userData(spec, 'no');
  assert.equal(doc.hostname, 'no');
  assert.equal(
    parse(rendered(spec).get('cloud-init/no/meta-data')!, { version: '1.1' })['local-hostname'],
    'no',
  );
});

test('deterministic, and each node differs only in its own values', () => {
  const spec = generatedSpec(30);
  const a = renderCloudInit(spec);
  assert.deepEqual(renderCloudInit(spec), a);
  const one = userData(spec, 'w-1');
  const two = userData(spec, 'w-2');
  assert.deepEqual(one.users, two.users);
  assert.notEqual(
    writeFile(one, '/etc/kubedos/backplanes').content,
    writeFile(two, '/etc/kubedos/backplanes').content,
  );
});
