export * from './versions.ts';
export * from './cache.ts';
export * from './build.ts';
export * from './controlplane.ts';
export { stopPid } from './process.ts';
export * from './eventually.ts';
export * from './softhsm.ts';
export * from './cosign.ts';
