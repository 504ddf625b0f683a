export * from './api/clusterspec.ts';
