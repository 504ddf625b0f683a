// Durations ("90s", "15m", "1h", "7d", "2w") and instants ("now", RFC 3339, or a duration meaning
// that long before the world's now): the forms tools accept for windows and points in time.

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

export const DURATION = /^([1-9]\d{0,5})(s|m|h|d|w)$/;

export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (e.g. 30m, 1h, 1d)`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** An instant relative to `now`: "now", an RFC 3339 time, or a duration ago ("1h" = an hour before now). */
export function parseInstant(text: string, now: Date): Date {
  const t = text.trim();
  if (t === 'now') return now;
  if (DURATION.test(t)) return new Date(now.getTime() - parseDuration(t));
  const ms = Date.parse(t);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(t))
    throw new Error(`not a time: "${text}" (now, RFC 3339, or 1h for an hour ago)`);
  return new Date(ms);
}
