export * from './admission.ts';
export * from './certs.ts';
export * from './configuration.ts';
export * from './server.ts';
