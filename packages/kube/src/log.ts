// Structured JSON logs (pino): one object a line on stderr, with the component in `logger`.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { name?: string; level?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'kube',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything, for libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
