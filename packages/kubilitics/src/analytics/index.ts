// Analytics without ML (seed §5): pure functions over metrics, watch history and the graph.
export * from './series.ts';
export * from './forecast.ts';
export * from './transitions.ts';
export * from './baselines.ts';
export * from './baselines-file.ts';
export * from './patterns.ts';
