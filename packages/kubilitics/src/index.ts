export * from './model/types.ts';
export * from './model/world.ts';
export * from './graph/index.ts';
export * from './temporal/index.ts';
export * from './feed/index.ts';
export * from './analytics/index.ts';
export * from './diagnose/index.ts';
export * from './mcp/index.ts';
