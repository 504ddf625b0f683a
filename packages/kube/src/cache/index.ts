export * from './cache.ts';
export * from './informer.ts';
export * from './reflector.ts';
export * from './store.ts';
