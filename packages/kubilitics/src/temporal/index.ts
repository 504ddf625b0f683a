export * from './patch.ts';
export * from './store.ts';
