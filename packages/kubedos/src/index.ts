export * from './api/clusterspec.ts';
export * from './api/defaults.ts';
export * from './explain.ts';
export * from './init.ts';
export * from './plan/index.ts';
export * from './render/index.ts';
export * from './validate/index.ts';
