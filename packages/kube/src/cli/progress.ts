// Progress for long operations: a stage list on a TTY, one JSON object a line otherwise, always
// on stderr so that stdout stays machine-readable.
export interface Progress {
  stage<T>(name: string, work: () => Promise<T>): Promise<T>;
  info(message: string): void;
}

export function createProgress(opts: { json?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !stream.isTTY;
  const emit = (event: Record<string, unknown>) =>
    stream.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  return {
    async stage(name, work) {
      const started = performance.now();
      const seconds = () => Math.round(performance.now() - started) / 1000;
      if (json) emit({ stage: name, status: 'start' });
      else stream.write(`  … ${name}\r`);
      try {
        const result = await work();
        if (json) emit({ stage: name, status: 'done', seconds: seconds() });
        else stream.write(`\x1b[2K  ✔ ${name} (${seconds()}s)\n`);
        return result;
      } catch (err) {
        if (json) emit({ stage: name, status: 'failed', seconds: seconds(), error: String(err) });
        else stream.write(`\x1b[2K  ✖ ${name} (${seconds()}s)\n`);
        throw err;
      }
    },
    info(message) {
      if (json) emit({ message });
      else stream.write(`  ${message}\n`);
    },
  };
}
