export * from './edges.ts';
export * from './graph.ts';
