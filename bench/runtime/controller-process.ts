// A controller under measurement, run as a child process with its output in a log file. It is
// killed when the harness exits, however the harness exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

const live = new Set<ChildProcess>();
let hooked = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ControllerProcess {
  readonly pid: number;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private stopping = false;
  private startError: Error | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rejects when the process ends before stop() asked it to; never resolves. */
  readonly crashed: Promise<never>;

  constructor(file: string, args: string[], logFile: string) {
    this.logFile = logFile;
    const fd = openSync(logFile, 'a');
    try {
      this.child = spawn(file, args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (!hooked) {
      hooked = true;
      process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
      });
    }
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      });
      this.child.once('error', (err) => {
        live.delete(this.child);
        this.startError = err;
        resolve({ code: null, signal: null });
      });
    });
    this.crashed = this.exited.then(({ code, signal }) => {
      if (this.stopping) return new Promise<never>(() => {});
      throw new Error(
        this.startError
          ? `${file} could not be started: ${this.startError.message}`
          : `${file} exited unexpectedly (${signal ?? `status ${code}`})`,
      );
    });
    // Observed through crashed by whoever waits on the process; never an unhandled rejection.
    this.crashed.catch(() => {});
    this.pid = this.child.pid ?? -1;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the ready file the controller writes once its cache has synced and it runs. */
  async waitReady(readyFile: string, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const ready = (async () => {
      while (!existsSync(readyFile)) {
        if (performance.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s`);
        await sleep(20);
      }
    })();
    await Promise.race([ready, this.crashed]);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status (null when killed). */
  async stop(graceMs = 10_000): Promise<number | null> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** The last lines of the controller's output, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}
