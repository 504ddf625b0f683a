// Log lines relevant to a plain-words hint ("look for database connection timeouts"), found by a fast
// heuristic instead of a model: the hint's words, widened with synonyms, score each line; the best
// lines come back in file order with a little context, and repeats of one message fold into one.

/** Words that say nothing about which lines matter. */
const STOPWORDS = new Set(
  `a an and any are as at be been being but by can could did do does for from had has have how i if in into is it its
  look looking me my of on or please show find search check see get give list logs log lines line related regarding
  about that the their there these this those to was were what when where which while who why will with would you your
  all some there's happened happen happening going`.split(/\s+/),
);

/** Groups of words that mean the same thing in logs. A hint word pulls in its whole group. */
const SYNONYMS: string[][] = [
  [
    'error',
    'errors',
    'err',
    'fail',
    'failed',
    'failure',
    'failing',
    'fatal',
    'exception',
    'panic',
    'critical',
    'crit',
    'severe',
    'traceback',
  ],
  ['timeout', 'timeouts', 'timed', 'deadline', 'exceeded', 'slow', 'latency', 'hang', 'hung'],
  [
    'connection',
    'connections',
    'connect',
    'connecting',
    'refused',
    'reset',
    'unreachable',
    'econnrefused',
    'econnreset',
    'dial',
    'broken',
    'pipe',
    'eof',
  ],
  [
    'database',
    'db',
    'postgres',
    'postgresql',
    'pg',
    'mysql',
    'mariadb',
    'mongo',
    'mongodb',
    'redis',
    'sql',
    'jdbc',
    'cassandra',
    'elasticsearch',
    '5432',
    '3306',
    '6379',
    '27017',
  ],
  ['memory', 'oom', 'oomkilled', 'heap', 'allocation', 'alloc', 'outofmemory', 'gc'],
  [
    'crash',
    'crashed',
    'panic',
    'segfault',
    'sigsegv',
    'sigkill',
    'killed',
    'terminated',
    'exit',
    'exited',
    'abort',
    'aborted',
  ],
  ['dns', 'resolve', 'resolving', 'lookup', 'nxdomain', 'host', 'hostname'],
  [
    'auth',
    'authentication',
    'authorization',
    'unauthorized',
    'forbidden',
    'denied',
    'permission',
    '401',
    '403',
    'credentials',
    'login',
  ],
  ['disk', 'space', 'enospc', 'volume', 'filesystem', 'mount', 'readonly', 'quota'],
  ['tls', 'ssl', 'x509', 'certificate', 'cert', 'handshake', 'expired'],
  ['config', 'configuration', 'missing', 'env', 'variable', 'invalid', 'undefined', 'required', 'notfound'],
  ['http', 'status', '500', '502', '503', '504', '5xx', 'upstream', 'gateway', 'unavailable'],
  ['warn', 'warning', 'warnings', 'deprecated'],
  ['start', 'started', 'starting', 'startup', 'listening', 'ready', 'boot', 'initialized'],
  ['retry', 'retrying', 'retries', 'backoff', 'attempt'],
];

const ERROR_LEVEL = /\b(error|err|fatal|panic|critical|crit|severe|exception)\b|\blevel=(error|fatal)\b/i;
const WARN_LEVEL = /\b(warn|warning)\b|\blevel=warn/i;
const ERRORISH = new Set(SYNONYMS[0]);

/** Lines longer than this are cut: a single JSON log record can be megabytes. */
const MAX_LINE = 500;
const MAX_SCAN_LINES = 200_000;

export interface LogLine {
  n: number;
  text: string;
  match: boolean;
  repeats?: number;
}

export interface LogSearch {
  total_lines: number;
  matched_lines: number;
  lines: LogLine[];
}

const tokenize = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** The words a hint expands to: its meaningful words and their synonyms. */
export function hintTerms(hint: string | undefined): string[] {
  const words = tokenize(hint ?? '').filter((w) => !STOPWORDS.has(w) && w.length > 1);
  const terms = new Set<string>();
  for (const w of words) {
    terms.add(w);
    for (const group of SYNONYMS)
      if (group.some((g) => stem(g) === stem(w))) for (const g of group) terms.add(g);
  }
  return [...terms].sort();
}

/** Crude stemming, applied alike to hint and log words, so "timeouts" meets "timeout" and "failed" "fail". */
function stem(w: string): string {
  if (w.length <= 4 || /^\d+$/.test(w)) return w;
  return w.replace(/(ions|ion|ing|ed|es|s)$/, '') || w;
}

/** A template of a line for folding repeats: numbers, hex ids and quoted values vary between repeats. */
const template = (s: string) => s.replace(/0x[0-9a-f]+|[0-9a-f]{8,}|\d+(\.\d+)?/gi, '#');

/**
 * The lines of `text` relevant to `hint`, best `maxLines` of them, in file order, each with `context`
 * neighbours. With no usable hint: the last `maxLines` lines.
 */
export function searchLog(
  text: string,
  hint: string | undefined,
  maxLines: number,
  context: number,
): LogSearch {
  let all = text.split(/\r?\n/);
  if (all.at(-1) === '') all.pop();
  const offset = Math.max(0, all.length - MAX_SCAN_LINES);
  if (offset) all = all.slice(offset);
  const terms = hintTerms(hint);
  const errorHint = terms.some((t) => ERRORISH.has(t));
  const cut = (s: string) => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s);

  if (!terms.length) {
    const from = Math.max(0, all.length - maxLines);
    const tail = all.slice(from).map((t, i) => ({ n: offset + from + i + 1, text: cut(t), match: false }));
    return { total_lines: offset + all.length, matched_lines: 0, lines: tail };
  }

  const stems = new Set(terms.map(stem));
  const scored: { i: number; score: number }[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    let score = 0;
    for (const t of new Set(tokenize(line).map(stem))) if (stems.has(t)) score += 1;
    if (score === 0) continue;
    if (ERROR_LEVEL.test(line)) score += errorHint ? 2 : 0.5;
    else if (WARN_LEVEL.test(line)) score += 0.25;
    scored.push({ i, score });
  }

  // Fold repeats: the best-scoring line of each template stands for all of them.
  const byTemplate = new Map<string, { i: number; score: number; repeats: number }>();
  for (const s of scored) {
    const key = template(all[s.i]!);
    const seen = byTemplate.get(key);
    if (!seen) byTemplate.set(key, { ...s, repeats: 1 });
    else {
      seen.repeats++;
      // The newest occurrence is the one worth showing.
      seen.i = s.i;
    }
  }
  const best = [...byTemplate.values()].sort((a, b) => b.score - a.score || b.i - a.i).slice(0, maxLines);
  const chosen = new Map<number, LogLine>();
  for (const b of best) {
    for (let j = Math.max(0, b.i - context); j <= Math.min(all.length - 1, b.i + context); j++)
      if (!chosen.has(j)) chosen.set(j, { n: offset + j + 1, text: cut(all[j]!), match: false });
    const line = chosen.get(b.i)!;
    line.match = true;
    if (b.repeats > 1) line.repeats = b.repeats;
  }
  const lines = [...chosen.entries()].sort(([a], [b]) => a - b).map(([, l]) => l);
  return { total_lines: offset + all.length, matched_lines: scored.length, lines };
}
