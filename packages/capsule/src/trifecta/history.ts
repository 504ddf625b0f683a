// The run history of each capsule on disk: <stateDir>/<name>/trajectories.jsonl (one trajectory a
// line, appended) and <stateDir>/<name>/playbook.json (rewritten atomically). Recording a run first
// checks its metrics against the history (ASAL), then appends it and merges its failure modes.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { asalCheck, type AsalOptions } from './asal.ts';
import { mergePlaybook, type Playbook } from './playbook.ts';
import type { Trajectory } from './trajectory.ts';

/** Where runs of capsules whose manifest could not be trusted are kept. */
export const UNVERIFIED = '_unverified';

/** $CAPSULE_STATE_DIR, else $XDG_STATE_HOME/capsule, else ~/.local/state/capsule. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAPSULE_STATE_DIR) return env.CAPSULE_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'capsule');
}

export function historyDir(stateDir: string, name: string | null): string {
  return join(stateDir, name ?? UNVERIFIED);
}

/** The trajectories of a capsule, oldest first; a line cut short by a crash is skipped. */
export async function readTrajectories(stateDir: string, name: string | null): Promise<Trajectory[]> {
  let text: string;
  try {
    text = await readFile(join(historyDir(stateDir, name), 'trajectories.jsonl'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const runs: Trajectory[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      runs.push(JSON.parse(line) as Trajectory);
    } catch {
      // an interrupted append leaves a partial last line
    }
  }
  return runs;
}

export async function readPlaybook(stateDir: string, name: string | null): Promise<Playbook | undefined> {
  try {
    return JSON.parse(await readFile(join(historyDir(stateDir, name), 'playbook.json'), 'utf8')) as Playbook;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Checks the run's metrics against the capsule's earlier runs with the same outcome (ASAL), appends the run to the
 * trajectories and merges its failure modes into the playbook. Returns the run with its ASAL report.
 */
export async function recordRun(
  stateDir: string,
  trajectory: Trajectory,
  opts: AsalOptions = {},
): Promise<{ trajectory: Trajectory; playbook: Playbook }> {
  const name = trajectory.capsule.name;
  const dir = historyDir(stateDir, name);
  await mkdir(dir, { recursive: true });
  const history = await readTrajectories(stateDir, name);
  const checked: Trajectory = {
    ...trajectory,
    // Runs that ended differently took different paths (a re-run that changes nothing skips the
    // first run), so a run is compared with the earlier runs that ended the same way.
    asal: asalCheck(
      trajectory.metrics,
      history.filter((t) => t.outcome === trajectory.outcome).map((t) => t.metrics),
      opts,
    ),
  };
  await appendFile(join(dir, 'trajectories.jsonl'), JSON.stringify(checked) + '\n');
  const playbook = mergePlaybook(await readPlaybook(stateDir, name), name ?? UNVERIFIED, checked);
  const tmp = join(dir, `.playbook.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(playbook, null, 2) + '\n');
  await rename(tmp, join(dir, 'playbook.json'));
  return { trajectory: checked, playbook };
}
