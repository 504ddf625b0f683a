// Runs a program of a capsule under bubblewrap: every namespace unshared (no network, own PIDs,
// IPC, UTS and user), all capabilities dropped, uid/gid nobody, the capsule folder read-only at
// /capsule, a fresh tmpfs at /tmp as the only writable place, /usr (and the merged-/usr links)
// read-only for an interpreter, a cleared environment, and a timeout and output limit enforced
// from outside.
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { DeployError } from '../loader/errors.ts';

export const SANDBOX_CAPSULE_DIR = '/capsule';
export const SANDBOX_RUN_DIR = '/run/capsule';

export interface SandboxOptions {
  /** Host folder bound read-only at /capsule (the verified, extracted capsule). */
  capsuleDir: string;
  /** Host folder bound read-only at /run/capsule (what the first run left for the hooks). */
  runDir?: string;
  /** The whole environment of the program (the host's is cleared). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Limit on stdout and on stderr, each; the program is killed when it writes more. */
  maxOutputBytes: number;
  /** The bwrap binary (default: `bwrap` on PATH). */
  bwrap?: string;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Which stream went over maxOutputBytes, if any. */
  outputLimited: 'stdout' | 'stderr' | null;
  durationMs: number;
}

// Top-level folders that merged-/usr systems make symlinks into /usr; elsewhere they are bound.
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

function systemDirArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
    } catch {
      // absent on this system
    }
  }
  return args;
}

/** The bwrap command line that runs `command` (a path inside the sandbox and its arguments). */
export function bwrapArgs(
  command: string[],
  opts: Omit<SandboxOptions, 'timeoutMs' | 'maxOutputBytes'>,
): string[] {
  const args = [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--cap-drop',
    'ALL',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'capsule',
    '--ro-bind',
    '/usr',
    '/usr',
    ...systemDirArgs(),
    // Debian resolves some interpreters (awk, editors) through /etc/alternatives.
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    opts.capsuleDir,
    SANDBOX_CAPSULE_DIR,
    ...(opts.runDir ? ['--ro-bind', opts.runDir, SANDBOX_RUN_DIR] : []),
    '--chdir',
    SANDBOX_CAPSULE_DIR,
  ];
  for (const [key, value] of Object.entries(opts.env).sort(([a], [b]) => a.localeCompare(b))) {
    args.push('--setenv', key, value);
  }
  args.push('--', ...command);
  return args;
}

/** Runs `command` in the sandbox; resolves when it ends, is killed at the timeout or over the output limit. */
export function runSandboxed(command: string[], opts: SandboxOptions): Promise<SandboxResult> {
  const started = performance.now();
  // Its own process group, so that a timeout kills bwrap and (through --die-with-parent) the sandbox.
  const child = spawn(opts.bwrap ?? 'bwrap', bwrapArgs(command, opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sizes = { stdout: 0, stderr: 0 };
  let timedOut = false;
  let outputLimited: SandboxResult['outputLimited'] = null;
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const collect = (stream: 'stdout' | 'stderr', chunks: Buffer[]) => (chunk: Buffer) => {
    if (outputLimited) return;
    sizes[stream] += chunk.length;
    if (sizes[stream] > opts.maxOutputBytes) {
      outputLimited = stream;
      kill();
      return;
    }
    chunks.push(chunk);
  };
  child.stdout.on('data', collect('stdout', out));
  child.stderr.on('data', collect('stderr', err));
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, opts.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new DeployError(
          'SANDBOX_UNAVAILABLE',
          `cannot start bubblewrap (${opts.bwrap ?? 'bwrap'}): ${e.message}`,
        ),
      );
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        outputLimited,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}
