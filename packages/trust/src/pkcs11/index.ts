export * from './uri.ts';
export { openPkcs11Signer } from './signer.ts';
