export * from './builder.ts';
export * from './controller.ts';
export * from './predicates.ts';
export * from './reconcile.ts';
