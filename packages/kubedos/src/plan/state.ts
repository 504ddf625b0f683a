// `--state DIR`: what an apply recorded, as `DIR/state.json` = { specHash, steps: { stepId: inputsHash } }.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plan, PlanState } from './types.ts';

export const STATE_FILE = 'state.json';

export class StateError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'StateError';
    this.file = file;
  }
}

const STEP_ID = /^[0-7]\/[a-z][a-z0-9-]*(\/[^/\s]+)*$/;
const HASH = /^[0-9a-f]{64}$/;

/** Checks parsed state.json; `file` names it in errors. */
export function parseState(value: unknown, file: string): PlanState {
  const record = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!record(value)) throw new StateError(file, 'expected an object { specHash, steps }');
  const { specHash, steps } = value as Record<string, unknown>;
  if (typeof specHash !== 'string' || !HASH.test(specHash))
    throw new StateError(file, 'specHash must be a sha256 hex digest');
  if (!record(steps)) throw new StateError(file, 'steps must be an object of step id -> inputs hash');
  for (const [id, hash] of Object.entries(steps as Record<string, unknown>)) {
    if (!STEP_ID.test(id)) throw new StateError(file, `steps: "${id}" is not a step id`);
    if (typeof hash !== 'string' || !HASH.test(hash))
      throw new StateError(file, `steps["${id}"] must be a sha256 hex digest`);
  }
  return { specHash, steps: { ...(steps as Record<string, string>) } };
}

/** The state recorded in `dir`, or undefined when nothing was applied yet (no state.json). */
export async function readState(dir: string): Promise<PlanState | undefined> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(file, (err as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StateError(file, `not JSON: ${(err as Error).message}`);
  }
  return parseState(value, file);
}

/** The bytes of state.json: keys sorted, two-space indent, trailing newline. */
export function stateToJson(state: PlanState): string {
  const steps = Object.fromEntries(
    Object.keys(state.steps)
      .sort()
      .map((id) => [id, state.steps[id]]),
  );
  return `${JSON.stringify({ specHash: state.specHash, steps }, null, 2)}\n`;
}

/** Records that `plan` was applied: writes plan.after to `dir/state.json` (atomically). */
export async function recordApply(plan: Plan, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, stateToJson(plan.after));
  await rename(tmp, file);
}
