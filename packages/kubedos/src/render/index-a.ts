// Renderers for addressing-derived node configuration: WireGuard planes, nftables, Ansible.
export { renderAnsible, type RenderAnsibleOptions } from './ansible/index.ts';
export { renderNftables, type RenderNftablesOptions } from './nftables.ts';
export {
  renderWireguard,
  wireguardKeys,
  wireguardKeysFromDir,
  type KeyPair,
  type RenderWireguardOptions,
  type WireguardKeyLoader,
  type WireguardKeys,
} from './wireguard.ts';
export { sortFiles, writeRendered, type Rendered, type RenderedFile } from './files.ts';
