// Development serving certificates for webhook servers: a throwaway CA (its PEM becomes the webhook
// configuration's caBundle) and a serving certificate it signs.
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, type CertificateAuthority } from '../pki/index.ts';

export interface DevServingCertOptions {
  /** Default ['localhost']. */
  dnsNames?: string[];
  /** Default ['127.0.0.1']. */
  ipAddresses?: string[];
  /** Signs with this CA instead of a fresh one, e.g. to rotate the serving certificate under one caBundle. */
  ca?: CertificateAuthority;
  validDays?: number;
  /** Also writes the PEMs to this directory (see {@link writeServingCert}). */
  dir?: string;
}

export interface ServingCertPems {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ServingCertFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export type DevServingCert = ServingCertPems & { ca: CertificateAuthority } & Partial<ServingCertFiles>;

export async function devServingCert(options: DevServingCertOptions = {}): Promise<DevServingCert> {
  const dnsNames = options.dnsNames ?? ['localhost'];
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1'];
  const ca = options.ca ?? (await createCertificateAuthority('webhook-dev-ca'));
  const leaf = await ca.issue({
    commonName: dnsNames[0] ?? ipAddresses[0] ?? 'webhook',
    dnsNames,
    ipAddresses,
    usage: 'server',
    ...(options.validDays !== undefined && { validDays: options.validDays }),
  });
  const pems: ServingCertPems = { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
  const files = options.dir ? await writeServingCert(options.dir, pems) : {};
  return { ...pems, ca, ...files };
}

/**
 * Writes `ca.crt`, `tls.crt` and `tls.key` (mode 0600) into `dir`, named as in a kubernetes.io/tls
 * Secret. Each file is replaced by a rename, so a server watching them never reads a partial file.
 */
export async function writeServingCert(dir: string, pems: ServingCertPems): Promise<ServingCertFiles> {
  await mkdir(dir, { recursive: true });
  const files: ServingCertFiles = {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
  await replaceFile(files.caFile, pems.caPem, 0o644);
  await replaceFile(files.keyFile, pems.keyPem, 0o600);
  await replaceFile(files.certFile, pems.certPem, 0o644);
  return files;
}

async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode); // `mode` only applies when the file is created
  await rename(tmp, path);
}
