// Renderers of the Kubernetes bring-up and the substrate: kubeadm, Cilium, observability, cloud-init
// and Proxmox VM definitions. Each returns the files it renders; none writes.
export {
  renderKubeadm,
  resolveKubernetesVersion,
  kubeadmSecretsFromDir,
  parseKubeadmSecrets,
  generateKubeadmSecrets,
  KUBEADM_SECRETS_FILE,
  KUBEADM_PLACEHOLDERS,
  type KubeadmSecrets,
  type RenderKubeadmOptions,
} from './kubeadm.ts';
export { renderCilium, type RenderCiliumOptions } from './cilium.ts';
export { renderObservability, observabilityHost, type RenderObservabilityOptions } from './observability.ts';
export {
  renderCloudInit,
  sshKeyPlaceholder,
  ENROLLMENT_TOKEN_PLACEHOLDER,
  type RenderCloudInitOptions,
} from './cloudinit.ts';
export { renderProxmox, PROXMOX_VMS_FILE } from './proxmox.ts';
