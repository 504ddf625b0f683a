// Host firewall per node (seed 004 §7.4, §10): one complete nftables ruleset, loaded as
// /etc/nftables.conf. Inbound is default deny; what is accepted, in order:
//   - established/related traffic and loopback;
//   - SSH (22/tcp) only over the control plane (controlPlaneName: wg1 in the reference plane set),
//     dropped on every other interface first; without a control plane SSH is closed;
//   - the planes' WireGuard UDP ports on the uplink (any interface that is not a plane);
//   - IPv6 neighbour discovery, so the uplink keeps working when it has IPv6;
//   - intra-plane traffic: from a plane's CIDR, on that plane's interface, to this node's address in it;
//   - inter-plane traffic: only what networking.policy.allow names (from-plane CIDR on the from-plane
//     interface to this node's to-plane address, on those ports), or everything when
//     defaultInterPlane is allow;
//   - with Kubernetes on, Cilium's own devices (cilium_*, lxc*): Cilium enforces policy there.
// Forwarding is default deny too, except the allowed inter-plane flows and Cilium's devices.
// The plane interface is named after the plane (wg-quick@wg1 creates wg1).
import type { ClusterSpec } from '../api/clusterspec.ts';
import { addressPlan, controlPlaneName, planeNames, type AddressPlan } from '../addressing.ts';
import type { Rendered } from './files.ts';
import { planeListenPort } from './wireguard.ts';

const SSH_PORT = 22;

export interface RenderNftablesOptions {
  /** A precomputed address plan of the spec. */
  plan?: AddressPlan;
}

interface Allow {
  from: string;
  to: string;
  /** Port expressions by protocol, e.g. tcp -> ['6443', '2379-2380']. */
  ports: Map<string, string[]>;
}

function parseAllow(spec: ClusterSpec): Allow[] {
  return spec.spec.networking.policy.allow.map((rule, i) => {
    const ports = new Map<string, string[]>();
    rule.ports.forEach((p, j) => {
      const m = /^([0-9]{1,5}(?:-[0-9]{1,5})?)\/(tcp|udp)$/.exec(p);
      if (!m) throw new Error(`/spec/networking/policy/allow/${i}/ports/${j}: invalid port ${p}`);
      const list = ports.get(m[2]!) ?? [];
      list.push(m[1]!);
      ports.set(m[2]!, list);
    });
    return { from: rule.from, to: rule.to, ports };
  });
}

function portMatch(proto: string, ports: readonly string[]): string {
  return ports.length === 1 ? `${proto} dport ${ports[0]}` : `${proto} dport { ${ports.join(', ')} }`;
}

/** `nftables/<node>.nft` for every node. */
export function renderNftables(spec: ClusterSpec, opts: RenderNftablesOptions = {}): Rendered {
  const plan = opts.plan ?? addressPlan(spec);
  const planes = planeNames(spec);
  const cidrs = new Map(planes.map((p) => [p, spec.spec.networking.planes[p]!.cidr]));
  const allows = parseAllow(spec).filter((a) => cidrs.has(a.from) && cidrs.has(a.to));
  const interPlaneAllowed = spec.spec.networking.policy.defaultInterPlane === 'allow';
  const kubernetes = spec.spec.kubernetes.enabled;
  const wgPorts = [...new Set(planes.map((p) => planeListenPort(spec, p)))].sort((a, b) => a - b);
  const cluster = spec.metadata.name;
  const control = controlPlaneName(spec);

  // The forward chain is the same on every node.
  const forward: string[] = ['\t\tct state established,related accept', '\t\tct state invalid drop'];
  if (interPlaneAllowed) {
    forward.push('\t\t# inter-plane traffic: defaultInterPlane is allow');
    for (const from of planes)
      for (const to of planes)
        if (from !== to)
          forward.push(
            `\t\tiifname "${from}" oifname "${to}" ip saddr ${cidrs.get(from)} ip daddr ${cidrs.get(to)} accept`,
          );
  } else if (allows.length > 0) {
    forward.push('\t\t# inter-plane allow rules (networking.policy.allow)');
    for (const a of allows)
      for (const [proto, ports] of a.ports)
        forward.push(
          `\t\tiifname "${a.from}" oifname "${a.to}" ip saddr ${cidrs.get(a.from)} ip daddr ${cidrs.get(a.to)} ${portMatch(proto, ports)} accept`,
        );
  }
  if (kubernetes) forward.push(...ciliumRules('forward'));

  return spec.spec.nodes.inventory.map((node) => {
    const mine = plan.get(node.name)!;
    const input: string[] = [
      '\t\tct state established,related accept',
      '\t\tct state invalid drop',
      '\t\tiif "lo" accept',
      ...(control
        ? [
            `\t\t# SSH only over the control plane ${control}`,
            `\t\tiifname != "${control}" tcp dport ${SSH_PORT} drop`,
          ]
        : ['\t\t# SSH closed: the spec declares no control plane', `\t\ttcp dport ${SSH_PORT} drop`]),
    ];
    if (wgPorts.length > 0) {
      input.push('\t\t# WireGuard transport: on the uplink, never through a plane');
      input.push(`\t\tiifname != "wg*" ${portMatch('udp', wgPorts.map(String))} accept`);
    }
    input.push('\t\t# IPv6 neighbour discovery on the uplink');
    input.push(
      '\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } ip6 hoplimit 255 accept',
    );
    if (planes.length > 0) input.push('\t\t# intra-plane traffic');
    for (const p of planes)
      input.push(`\t\tiifname "${p}" ip saddr ${cidrs.get(p)} ip daddr ${mine.get(p)} accept`);
    if (interPlaneAllowed) {
      input.push('\t\t# inter-plane traffic: defaultInterPlane is allow');
      for (const from of planes)
        for (const to of planes)
          if (from !== to)
            input.push(`\t\tiifname "${from}" ip saddr ${cidrs.get(from)} ip daddr ${mine.get(to)} accept`);
    } else if (allows.length > 0) {
      input.push(
        '\t\t# inter-plane allow rules (networking.policy.allow); other inter-plane traffic is denied',
      );
      for (const a of allows)
        for (const [proto, ports] of a.ports)
          input.push(
            `\t\tiifname "${a.from}" ip saddr ${cidrs.get(a.from)} ip daddr ${mine.get(a.to)} ${portMatch(proto, ports)} accept`,
          );
    }
    if (kubernetes) input.push(...ciliumRules('input'));
    const planeList = planes.map((p) => `${p} ${mine.get(p)}`).join(', ');
    const content =
      '#!/usr/sbin/nft -f\n' +
      `# kubedos: firewall of node ${node.name}, cluster ${cluster}${planeList ? ` (${planeList})` : ''}.\n` +
      '# Rendered from the ClusterSpec; do not edit. Default deny inbound on non-plane interfaces and between planes.\n' +
      'flush ruleset\n\n' +
      'table inet kubedos {\n' +
      '\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n' +
      input.join('\n') +
      '\n\t}\n\n' +
      '\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n' +
      forward.join('\n') +
      '\n\t}\n\n' +
      '\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t}\n' +
      '}\n';
    return { path: `nftables/${node.name}.nft`, content };
  });
}

function ciliumRules(chain: 'input' | 'forward'): string[] {
  const rules = [
    '\t\t# Cilium devices: pod traffic, policed by Cilium',
    '\t\tiifname "cilium_*" accept',
    '\t\tiifname "lxc*" accept',
  ];
  if (chain === 'forward') rules.push('\t\toifname "cilium_*" accept', '\t\toifname "lxc*" accept');
  return rules;
}
