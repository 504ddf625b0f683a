export * from './dev/devcluster.ts';
