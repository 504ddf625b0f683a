// cloud-init NoCloud seed per node: the firstboot of the target bootstrap contract (seed 004 §9.3).
// user-data sets the identity (hostname, fqdn, the spec's SSH users only), the SSH policy and the
// kernel baseline, references the node's WireGuard planes and enrollment material, and runs one
// re-runnable firstboot script. Nothing is downloaded at boot: the artifact carries every package.
//
// The files hold no secret. Two kinds of `${NAME}` placeholder are filled when stage 1 uploads the
// seed to the substrate (and nowhere else, so the script's shell variables are written without braces):
//   ${SSH_AUTHORIZED_KEY_<USER>}    the public key line of each allowed user (USER upper-cased, - as _),
//                                  from the operator's keys file;
//   ${KUBEDOS_ENROLLMENT_TOKEN}     the node's enrollment token, minted at provisioning time because it
//                                  is only valid for security.enrollment.joinWindowMinutes.
import type { ClusterSpec, NodeSpecT } from '../api/clusterspec.ts';
import { addressPlan, planeNames, planePrefix, type AddressPlan } from '../addressing.ts';
import type { Rendered } from './files.ts';
import { NODE_KEY_DIR } from './wireguard.ts';
import { hashComment } from './comment.ts';
import { toYaml } from './yaml.ts';

export const ENROLLMENT_TOKEN_PLACEHOLDER = 'KUBEDOS_ENROLLMENT_TOKEN';
const FIRSTBOOT = '/usr/local/sbin/kubedos-firstboot';
const BACKPLANES = '/etc/kubedos/backplanes';
const SYSCTL_FILE = '/etc/sysctl.d/90-kubedos.conf';
const SSHD_DROP_IN = '/etc/ssh/sshd_config.d/10-kubedos.conf';

export interface RenderCloudInitOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

/** The placeholder of a user's SSH public key. */
export function sshKeyPlaceholder(user: string): string {
  return `SSH_AUTHORIZED_KEY_${user.toUpperCase().replace(/-/g, '_')}`;
}

/** A node's fully qualified name: the spec has no DNS domain, so names live under <cluster>.internal. */
export function nodeFqdn(spec: ClusterSpec, node: string): string {
  return `${node}.${spec.metadata.name}.internal`;
}

function sshdPolicy(spec: ClusterSpec): string {
  const { allowUsers, passwordAuth } = spec.spec.security.ssh;
  return [
    '# kubedos SSH policy (seed 004 §7.4); rendered from the ClusterSpec, do not edit.',
    'PermitRootLogin no',
    `PasswordAuthentication ${passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    'PubkeyAuthentication yes',
    ...(passwordAuth ? [] : ['AuthenticationMethods publickey']),
    `AllowUsers ${allowUsers.join(' ')}`,
    'X11Forwarding no',
    'AllowAgentForwarding no',
    'AllowTcpForwarding no',
    'MaxAuthTries 3',
    'LoginGraceTime 30',
    'ClientAliveInterval 300',
    'ClientAliveCountMax 2',
    'Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com',
    'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com',
    'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org',
    '',
  ].join('\n');
}

const SYSCTL_BASELINE = [
  '# kubedos kernel baseline (seed 004 §7.4); rendered from the ClusterSpec, do not edit.',
  '# Routing between planes and pods (Kubernetes requires forwarding).',
  'net.ipv4.ip_forward = 1',
  '# No redirects or source routes: routes come from the planes only.',
  'net.ipv4.conf.all.accept_redirects = 0',
  'net.ipv4.conf.default.accept_redirects = 0',
  'net.ipv4.conf.all.send_redirects = 0',
  'net.ipv4.conf.default.send_redirects = 0',
  'net.ipv4.conf.all.accept_source_route = 0',
  'net.ipv4.conf.default.accept_source_route = 0',
  'net.ipv6.conf.all.accept_redirects = 0',
  'net.ipv6.conf.default.accept_redirects = 0',
  'net.ipv4.conf.all.log_martians = 1',
  'net.ipv4.icmp_echo_ignore_broadcasts = 1',
  'net.ipv4.tcp_syncookies = 1',
  '# Kernel information and debugging surfaces closed to unprivileged users.',
  'kernel.kptr_restrict = 2',
  'kernel.dmesg_restrict = 1',
  'kernel.unprivileged_bpf_disabled = 1',
  'kernel.yama.ptrace_scope = 1',
  'fs.protected_hardlinks = 1',
  'fs.protected_symlinks = 1',
  'fs.suid_dumpable = 0',
  '',
].join('\n');

// Shell variables are written without braces, so stage 1's placeholder substitution cannot touch them.
const FIRSTBOOT_SCRIPT = `#!/bin/bash
# kubedos firstboot (seed 004 §9.3), run once per instance by cloud-init and safe to re-run: every step
# asserts a state. One JSON object per step on stdout (cloud-init keeps it in
# /var/log/cloud-init-output.log). Exit 0 when every step holds, 1 when one failed.
set -euo pipefail

status=0
log() {
  printf '{"component":"kubedos-firstboot","step":"%s","result":"%s","detail":"%s"}\\n' "$1" "$2" "$3"
}

# 1. Identity and SSH policy: cloud-init set hostname and users; sshd must accept the policy drop-in.
if sshd -t && systemctl reload-or-restart ssh.service; then
  log ssh-policy ok "$(hostname --fqdn)"
else
  log ssh-policy failed "sshd rejected ${SSHD_DROP_IN}"
  status=1
fi

# 2. Kernel baseline.
if sysctl --system >/dev/null; then
  log sysctl ok ${SYSCTL_FILE}
else
  log sysctl failed "sysctl --system"
  status=1
fi

# 3. Backplanes: wg-quick configurations and keys are installed with the node (stage 1).
while read -r plane address config key; do
  if [[ -z $plane || $plane == \\#* ]]; then
    continue
  fi
  if [[ ! -f $config || ! -f $key ]]; then
    log "backplane-$plane" missing "$config $key"
    status=1
  elif systemctl enable --now "wg-quick@$plane.service"; then
    log "backplane-$plane" up "$address"
  else
    log "backplane-$plane" failed "wg-quick@$plane.service"
    status=1
  fi
done <${BACKPLANES}

# 4. Readiness: enrollment (stage 4) starts once this marker exists.
install -d -m 0755 /var/lib/kubedos
if [[ $status -eq 0 ]]; then
  touch /var/lib/kubedos/firstboot.done
  log firstboot ok /var/lib/kubedos/firstboot.done
else
  log firstboot failed "see the steps above"
fi
exit "$status"
`;

function file(path: string, content: string, permissions = '0644') {
  return { path, owner: 'root:root', permissions, content };
}

/** A node's own files: identity, WireGuard plane references and enrollment material. */
function nodeFiles(
  spec: ClusterSpec,
  plan: AddressPlan,
  node: NodeSpecT,
  prefixes: ReadonlyMap<string, number>,
) {
  const mine = plan.get(node.name)!;
  const planes = [...prefixes.keys()];
  const identity = [
    `KUBEDOS_CLUSTER=${spec.metadata.name}`,
    `KUBEDOS_NODE=${node.name}`,
    `KUBEDOS_ROLE=${node.role}`,
    `KUBEDOS_FAILURE_DOMAIN=${node.failureDomain}`,
    `KUBEDOS_ARTIFACT_VERSION=${spec.metadata.artifactVersion}`,
    ...planes.map((p) => `KUBEDOS_${p.toUpperCase()}_ADDRESS=${mine.get(p)}`),
    '',
  ].join('\n');
  const backplanes = [
    '# plane address config private-key',
    ...planes.map(
      (p) => `${p} ${mine.get(p)}/${prefixes.get(p)} /etc/wireguard/${p}.conf ${NODE_KEY_DIR}/${p}.key`,
    ),
    '',
  ].join('\n');
  const { enrollment, bootstrap } = spec.spec.security;
  const enrollmentEnv = [
    `KUBEDOS_ENROLLMENT_MODE=${enrollment.mode}`,
    `KUBEDOS_JOIN_WINDOW_MINUTES=${enrollment.joinWindowMinutes}`,
    `KUBEDOS_TRUST_MODEL=${bootstrap.model}`,
    `KUBEDOS_CA_FINGERPRINT=${bootstrap.caFingerprint}`,
    `KUBEDOS_ENROLLMENT_TOKEN=\${${ENROLLMENT_TOKEN_PLACEHOLDER}}`,
    '',
  ].join('\n');
  return [
    file('/etc/kubedos/node.env', identity),
    file(BACKPLANES, backplanes),
    file('/etc/kubedos/enrollment.env', enrollmentEnv, '0600'),
  ];
}

/** The parts of user-data every node shares, built once. */
function sharedParts(spec: ClusterSpec) {
  const { allowUsers, passwordAuth } = spec.spec.security.ssh;
  const policy = {
    disable_root: true,
    ssh_pwauth: passwordAuth,
    // Fresh host keys per instance: a clone of the template never shares them.
    ssh_deletekeys: true,
    ssh_genkeytypes: ['ed25519', 'ecdsa'],
    users: allowUsers.map((name) => ({
      name,
      shell: '/bin/bash',
      lock_passwd: true,
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      ssh_authorized_keys: [`\${${sshKeyPlaceholder(name)}}`],
    })),
    // Air-gapped: nothing is fetched at boot.
    package_update: false,
    package_upgrade: false,
    package_reboot_if_required: false,
    runcmd: [FIRSTBOOT],
  };
  const files = [
    file(SSHD_DROP_IN, sshdPolicy(spec), '0600'),
    file(SYSCTL_FILE, SYSCTL_BASELINE),
    file(FIRSTBOOT, FIRSTBOOT_SCRIPT, '0755'),
  ];
  return { policy, files };
}

/** `cloud-init/<node>/user-data` and `cloud-init/<node>/meta-data` for every node. */
export function renderCloudInit(spec: ClusterSpec, opts: RenderCloudInitOptions = {}): Rendered {
  const plan = opts.plan ?? addressPlan(spec);
  const prefixes = new Map(planeNames(spec).map((p) => [p, planePrefix(spec, p)]));
  const shared = sharedParts(spec);
  const cluster = spec.metadata.name;
  // Named without the ${} syntax, so filling them never writes a key or token into a comment.
  const placeholders = [
    ...spec.spec.security.ssh.allowUsers.map(sshKeyPlaceholder),
    ENROLLMENT_TOKEN_PLACEHOLDER,
  ].join(', ');
  const out: Rendered = [];
  for (const node of spec.spec.nodes.inventory) {
    const identity = {
      hostname: node.name,
      fqdn: nodeFqdn(spec, node.name),
      prefer_fqdn_over_hostname: false,
      manage_etc_hosts: true,
    };
    const comment = [
      `kubedos firstboot of node ${node.name}, cluster ${cluster}; rendered from the ClusterSpec, do not edit.`,
      `Placeholders filled at stage 1: ${placeholders}`,
    ];
    const doc = {
      ...identity,
      ...shared.policy,
      write_files: [...shared.files, ...nodeFiles(spec, plan, node, prefixes)],
    };
    out.push({
      path: `cloud-init/${node.name}/user-data`,
      content: '#cloud-config\n' + hashComment(comment) + toYaml(doc),
    });
    out.push({
      path: `cloud-init/${node.name}/meta-data`,
      content: toYaml({ 'instance-id': `kubedos-${cluster}-${node.name}`, 'local-hostname': node.name }),
    });
  }
  return out;
}
