// ACE playbook: the failure modes of a capsule's runs, grouped by step and by error code plus a
// message signature (the message with its variable parts masked), counted across runs. ASAL
// outliers are recorded the same way, as the step `asal` with the metric as signature.
import { createHash } from 'node:crypto';
import type { Trajectory } from './trajectory.ts';

export interface FailureMode {
  /** Stable id: the first 12 hex digits of sha256(step, code, signature). */
  id: string;
  step: string;
  code: string;
  signature: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Trajectory id of the latest run that showed it. */
  lastRun: string;
  /** The latest message in full. */
  example: string;
  advice?: string;
}

export interface Playbook {
  schema: 'capsule.playbook/v1';
  capsule: string;
  failureModes: FailureMode[];
}

// What to do next, for the codes a deploy commonly fails with.
const ADVICE: Record<string, string> = {
  SIGNATURE_MISSING: 'Sign the capsule (capsule pack --key or capsule sign) before deploying it.',
  SIGNATURE_INVALID: 'Deploy with the public key that signed the capsule (--key), or re-sign it.',
  CHECKSUM_MISMATCH: 'The capsule was modified after signing: rebuild it with capsule pack.',
  REQUIREMENTS_UNMET:
    'Add nodes that satisfy the requirement (GPU allocatable, attested UTID label) or relax it.',
  HOOK_FAILED:
    'Run the proof hook locally under the same sandbox (no network, read-only capsule) and fix it.',
  HOOK_TIMEOUT: 'Make the proof hook finish within the timeout or raise --hook-timeout.',
  CLAIM_INVALID: 'Make the proof hook print one JSON claim {type, inputs, result, cost} on stdout.',
  FIRST_RUN_FAILED: 'Run the entrypoint locally without network and with a read-only capsule folder.',
  ASAL_OUTLIER: 'Compare this run with the history (capsule history NAME) before trusting its results.',
};

/** The message with digests, paths, quoted values, hex strings and numbers masked. */
export function messageSignature(message: string): string {
  return message
    .replace(/sha256:[0-9a-f]{8,}/gi, 'sha256:<digest>')
    .replace(/"[^"]*"|'[^']*'/g, '<value>')
    .replace(/(?:^|(?<=[\s(=:]))\/[^\s,;:)]+/g, '<path>')
    .replace(/\b[0-9a-f]{8,}\b/gi, '<hex>')
    .replace(/\b\d+(?:\.\d+)?\b/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

function modeId(step: string, code: string, signature: string): string {
  return createHash('sha256').update(`${step}\n${code}\n${signature}`).digest('hex').slice(0, 12);
}

interface Occurrence {
  step: string;
  code: string;
  message: string;
  signature: string;
}

/** The failure modes one run shows: its failed steps and its ASAL outliers. */
export function extractFailureModes(trajectory: Trajectory): Occurrence[] {
  const found: Occurrence[] = [];
  for (const step of trajectory.steps) {
    if (step.outcome !== 'failed' || !step.error) continue;
    const { code, message } = step.error;
    found.push({ step: step.name, code, message, signature: messageSignature(message) });
  }
  for (const o of trajectory.asal?.outliers ?? []) {
    const message =
      o.z === null
        ? `${o.metric} = ${o.value}, history constant at ${o.mean} over ${o.n} runs`
        : `${o.metric} = ${o.value}, z = ${o.z} against mean ${o.mean} ± ${o.stddev} over ${o.n} runs`;
    found.push({ step: 'asal', code: 'ASAL_OUTLIER', message, signature: `metric ${o.metric}` });
  }
  return found;
}

/** Adds the failure modes of `trajectory` to `playbook` (a new one when undefined), in a stable order. */
export function mergePlaybook(
  playbook: Playbook | undefined,
  capsule: string,
  trajectory: Trajectory,
): Playbook {
  const modes = new Map((playbook?.failureModes ?? []).map((m) => [m.id, { ...m }]));
  for (const o of extractFailureModes(trajectory)) {
    const id = modeId(o.step, o.code, o.signature);
    const seen = trajectory.finishedAt;
    const mode = modes.get(id);
    if (mode) {
      mode.count += 1;
      mode.lastSeen = seen;
      mode.lastRun = trajectory.id;
      mode.example = o.message;
    } else {
      const advice = ADVICE[o.code];
      modes.set(id, {
        id,
        step: o.step,
        code: o.code,
        signature: o.signature,
        count: 1,
        firstSeen: seen,
        lastSeen: seen,
        lastRun: trajectory.id,
        example: o.message,
        ...(advice ? { advice } : {}),
      });
    }
  }
  const failureModes = [...modes.values()].sort(
    (a, b) =>
      a.step.localeCompare(b.step) || a.code.localeCompare(b.code) || a.signature.localeCompare(b.signature),
  );
  return { schema: 'capsule.playbook/v1', capsule, failureModes };
}
