export * from './errors.ts';
export * from './parse.ts';
export { loadSnapshot, snapshotLogs, type SnapshotOptions } from './snapshot.ts';
export * from './live.ts';
