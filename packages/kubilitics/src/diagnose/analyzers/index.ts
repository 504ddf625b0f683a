// Every analyzer, one per category, in the order of the diagnosis contract's table.
import type { Analyzer } from '../types.ts';
import { capacityExhaustionAnalyzer } from './capacity-exhaustion.ts';
import { crashLoopAnalyzer } from './crash-loop.ts';
import { imagePullAnalyzer } from './image-pull.ts';
import { missingConfigAnalyzer } from './missing-config.ts';
import { noEndpointsAnalyzer } from './no-endpoints.ts';
import { nodeFailureAnalyzer } from './node-failure.ts';
import { oomKilledAnalyzer } from './oom-killed.ts';
import { probeFailureAnalyzer } from './probe-failure.ts';
import { quotaExceededAnalyzer } from './quota-exceeded.ts';
import { unschedulableAnalyzer } from './unschedulable.ts';
import { upstreamDependencyAnalyzer } from './upstream-dependency.ts';
import { volumePendingAnalyzer } from './volume-pending.ts';

export const ANALYZERS: readonly Analyzer[] = [
  oomKilledAnalyzer,
  crashLoopAnalyzer,
  imagePullAnalyzer,
  missingConfigAnalyzer,
  unschedulableAnalyzer,
  nodeFailureAnalyzer,
  noEndpointsAnalyzer,
  probeFailureAnalyzer,
  quotaExceededAnalyzer,
  volumePendingAnalyzer,
  upstreamDependencyAnalyzer,
  capacityExhaustionAnalyzer,
];
