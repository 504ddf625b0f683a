// Running the real checkers (wg-quick, nft, ansible) from the integration tests.
import { spawnSync } from 'node:child_process';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Run {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) return { code: null, stdout: '', stderr: String(r.error) };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Why a tool cannot be used, or undefined when every command is on the PATH. */
export function missing(...cmds: string[]): string | undefined {
  const absent = cmds.filter((c) => run('sh', ['-c', `command -v "$0"`, c]).code !== 0);
  return absent.length === 0
    ? undefined
    : `not installed: ${absent.join(', ')} (scripts/debian-packages.txt)`;
}
