import { stringify } from 'yaml';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with one cluster, one user authenticated by client certificate, one context. */
export function renderKubeconfig(opts: {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
  cluster?: string;
}): string {
  const cluster = opts.cluster ?? 'kaas-dev';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } },
    ],
    users: [
      {
        name: opts.user,
        user: { 'client-certificate-data': b64(opts.certPem), 'client-key-data': b64(opts.keyPem) },
      },
    ],
    contexts: [{ name: cluster, context: { cluster, user: opts.user } }],
    'current-context': cluster,
  });
}
