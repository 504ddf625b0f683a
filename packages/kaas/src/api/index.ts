export * from './proof-types.ts';
export * from './resources.ts';
