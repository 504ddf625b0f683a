export { diagnose } from './engine.ts';
export { ANALYZERS } from './analyzers/index.ts';
export { confidence, THRESHOLD, WEIGHT } from './confidence.ts';
export { DEFAULT_WINDOW_SECONDS } from './context.ts';
export { generateLargeSnapshot, type LargeSnapshotOptions, type SyntheticFault } from './synthetic.ts';
export type * from './types.ts';
