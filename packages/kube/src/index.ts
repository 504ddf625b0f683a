export * from './api/meta.ts';
export * from './cli/progress.ts';
export * from './client/index.ts';
export * from './metrics/registry.ts';
export * from './pki/index.ts';
export * from './workqueue/index.ts';
