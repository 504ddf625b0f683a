// A small PKI for local control planes and webhook servers: an ECDSA P-256 CA that issues
// serving and client certificates. ECDSA keeps key generation in the millisecond range, which
// matters because every test control plane and every dev webhook makes fresh keys.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 is typed against the DOM's WebCrypto; Node's webcrypto is the same API.
type DomCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
type KeyPair = webcrypto.CryptoKeyPair;
x509.cryptoProvider.set(webcrypto as unknown as DomCrypto);

const ALG: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};
const DAY_MS = 24 * 3600 * 1000;

/** A certificate with its private key, both PEM. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends KeyPairPem {
  issue(opts: IssueOptions): Promise<KeyPairPem>;
}

export interface IssueOptions {
  commonName: string;
  /** Organizations: Kubernetes reads them as the client's groups. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'both';
  validDays?: number;
}

function subjectName(cn: string, orgs: string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${esc(cn)}`, ...orgs.map((o) => `O=${esc(o)}`)].join(', ');
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return pem('PRIVATE KEY', der);
}

/** Wraps DER bytes in PEM armour. */
export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function generateKeys(): Promise<KeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

/** Creates a fresh self-signed CA. */
export async function createCertificateAuthority(
  commonName: string,
  validDays = 3650,
): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subjectName(commonName),
    keys: keys as never,
    signingAlgorithm: ALG,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + validDays * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const certPem = caCert.toString('pem') + '\n';
  return {
    certPem,
    keyPem: await privateKeyPem(keys.privateKey),
    async issue(opts: IssueOptions): Promise<KeyPairPem> {
      const leaf = await generateKeys();
      const usages: string[] = [];
      if (opts.usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
      if (opts.usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
      const names = [
        ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ];
      const cert = await x509.X509CertificateGenerator.create({
        subject: subjectName(opts.commonName, opts.organizations),
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + (opts.validDays ?? 365) * DAY_MS),
        signingKey: keys.privateKey as never,
        publicKey: leaf.publicKey as never,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
            true,
          ),
          new x509.ExtendedKeyUsageExtension(usages),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
          ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(leaf.privateKey) };
    },
  };
}

/** A bare key pair (PEM), e.g. for signing service-account tokens. */
export async function createSigningKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const keys = await generateKeys();
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return { publicKeyPem: pem('PUBLIC KEY', spki), privateKeyPem: await privateKeyPem(keys.privateKey) };
}
