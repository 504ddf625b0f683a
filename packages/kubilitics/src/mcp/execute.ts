// Tier 4, the red button. The tools are always listed with their full contract, but a call does
// nothing unless the server runs at autonomy ACTIVE or above and has an executor for a live cluster;
// otherwise it is refused, says why, and points at the read-only way forward.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ObjectRef } from '../model/types.ts';
import { error } from './budget.ts';

/** Lowest to highest; each level allows what the previous ones do. */
export const AUTONOMY_LEVELS = ['OBSERVE', 'RECOMMEND', 'ACTIVE', 'AUTONOMOUS'] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** The level execution tools need. */
export const EXECUTION_LEVEL: AutonomyLevel = 'ACTIVE';

export function atLeast(level: AutonomyLevel, min: AutonomyLevel): boolean {
  return AUTONOMY_LEVELS.indexOf(level) >= AUTONOMY_LEVELS.indexOf(min);
}

export function parseAutonomy(text: string): AutonomyLevel {
  const level = text.toUpperCase();
  if (!(AUTONOMY_LEVELS as readonly string[]).includes(level))
    throw new Error(`autonomy: one of ${AUTONOMY_LEVELS.join(', ')} (got ${text})`);
  return level as AutonomyLevel;
}

/** Carries out execution tools against a live cluster (supplied by whoever owns the write path). */
export interface ActionExecutor {
  patch(ref: ObjectRef, patch: unknown, type: 'strategic' | 'merge' | 'json'): Promise<unknown>;
  restart(ref: ObjectRef): Promise<unknown>;
  rollback(ref: ObjectRef, revision?: number): Promise<unknown>;
}

/** The refusal for an execution tool, or undefined when it may run. */
export function refusal(
  tool: string,
  level: AutonomyLevel,
  executor: ActionExecutor | undefined,
): CallToolResult | undefined {
  if (!atLeast(level, EXECUTION_LEVEL))
    return error(
      `Refused: ${tool} is an execution tool (Tier 4) and needs autonomy ${EXECUTION_LEVEL} or higher; ` +
        `this server runs at ${level}. Nothing was changed. Use simulate_impact to see what the change would ` +
        'disrupt, and draft_recommendation to propose it to a human.',
    );
  if (!executor)
    return error(
      `Refused: ${tool} needs a live cluster to act on and this server has none (a snapshot is read-only). ` +
        'Nothing was changed. Use draft_recommendation to propose the change.',
    );
  return undefined;
}
