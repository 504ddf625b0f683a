// What one run of the runtime benchmark measured, turned into the reported figures, the human table
// and the final JSON line. Pure: the harness does the measuring.

/** One throughput run of one implementation: a fresh controller, namespace and set of Widgets. */
export interface Round {
  /** Milliseconds from the first create to the last status observed. */
  wallMs: number;
  /** status.reconciledAtMs minus the time the harness saw the object's ADDED event, per object. */
  latenciesMs: number[];
  /** Controller CPU time (user + system) over the run. */
  cpuSeconds: number;
  /** Controller RSS once every object of the run is reconciled. */
  rssBytes: number;
}

/** Raw measurements of one implementation. */
export interface Measurement {
  /** Widgets in each round. */
  objects: number;
  rounds: Round[];
  /** RSS of one controller at two cache sizes; absent when the memory phase did not run. */
  memory?: { rssBytesSmall: number; rssBytesLarge: number; objectsLarge: number };
}

export interface Figures {
  wall_seconds: number;
  reconciles_per_second: number;
  latency_ms: { p50: number; p99: number };
  cpu_seconds_per_1000: number;
  rss_bytes_5k: number;
  rss_bytes_50k: number | null;
  bytes_per_object: number | null;
}

export interface Ratios {
  throughput: number;
  cpu_per_reconcile: number;
  bytes_per_object: number | null;
}

/** The goals the project tracks, each on a ratio ours ÷ controller-runtime's. */
export const GOALS = {
  throughput: { atLeast: 1.0 },
  cpu_per_reconcile: { atMost: 1.5 },
  bytes_per_object: { atMost: 1.5 },
} as const;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The median (the mean of the middle two for an even count); NaN when there are no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Medians over the rounds; RSS and bytes per object from the memory phase when it ran. */
export function figures(m: Measurement): Figures {
  const wallMs = median(m.rounds.map((r) => r.wallMs));
  const mem = m.memory;
  const bytesPerObject = mem && (mem.rssBytesLarge - mem.rssBytesSmall) / (mem.objectsLarge - m.objects);
  return {
    wall_seconds: round(wallMs / 1000, 3),
    reconciles_per_second: round(m.objects / (wallMs / 1000), 1),
    latency_ms: {
      p50: round(median(m.rounds.map((r) => percentile(r.latenciesMs, 50))), 1),
      p99: round(median(m.rounds.map((r) => percentile(r.latenciesMs, 99))), 1),
    },
    cpu_seconds_per_1000: round((median(m.rounds.map((r) => r.cpuSeconds)) / m.objects) * 1000, 4),
    rss_bytes_5k: mem?.rssBytesSmall ?? Math.round(median(m.rounds.map((r) => r.rssBytes))),
    rss_bytes_50k: mem?.rssBytesLarge ?? null,
    bytes_per_object: bytesPerObject === undefined ? null : Math.round(bytesPerObject),
  };
}

export function ratios(ours: Figures, peer: Figures): Ratios {
  return {
    throughput: round(ours.reconciles_per_second / peer.reconciles_per_second, 3),
    cpu_per_reconcile: round(ours.cpu_seconds_per_1000 / peer.cpu_seconds_per_1000, 3),
    bytes_per_object:
      ours.bytes_per_object === null || peer.bytes_per_object === null
        ? null
        : round(ours.bytes_per_object / peer.bytes_per_object, 3),
  };
}

/** The last line the benchmark prints, for scripts. */
export function resultLine(objects: number, ours: Figures, peer: Figures): string {
  return JSON.stringify({
    bench: 'runtime',
    objects,
    ours,
    controller_runtime: peer,
    ratios: ratios(ours, peer),
  });
}

function goalText(name: keyof typeof GOALS, ratio: number | null): string {
  if (ratio === null) return '';
  const goal: { atLeast?: number; atMost?: number } = GOALS[name];
  const met = goal.atLeast !== undefined ? ratio >= goal.atLeast : ratio <= goal.atMost!;
  const bound =
    goal.atLeast !== undefined ? `>= ${goal.atLeast.toFixed(1)}x` : `<= ${goal.atMost!.toFixed(1)}x`;
  return `${bound} ${met ? 'met' : 'MISSED'}`;
}

const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)}`);
const num = (x: number | null, digits: number) => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const times = (x: number | null) => (x === null ? '' : `${x.toFixed(2)}x`);

/** A fixed-width table of both implementations, their ratios and the goals; memory rows need `memoryObjects`. */
export function renderTable(
  objects: number,
  memoryObjects: number | undefined,
  ours: Figures,
  peer: Figures,
): string {
  const r = ratios(ours, peer);
  const rows: [string, string, string, string, string][] = [
    ['', 'ours', 'controller-runtime', 'ratio', 'goal'],
    ['wall (s)', num(ours.wall_seconds, 2), num(peer.wall_seconds, 2), '', ''],
    [
      'reconciles/s',
      num(ours.reconciles_per_second, 1),
      num(peer.reconciles_per_second, 1),
      times(r.throughput),
      goalText('throughput', r.throughput),
    ],
    ['latency p50 (ms)', num(ours.latency_ms.p50, 1), num(peer.latency_ms.p50, 1), '', ''],
    ['latency p99 (ms)', num(ours.latency_ms.p99, 1), num(peer.latency_ms.p99, 1), '', ''],
    [
      'CPU s / 1000 reconciles',
      num(ours.cpu_seconds_per_1000, 3),
      num(peer.cpu_seconds_per_1000, 3),
      times(r.cpu_per_reconcile),
      goalText('cpu_per_reconcile', r.cpu_per_reconcile),
    ],
    [`RSS @ ${objects} objects (MiB)`, mib(ours.rss_bytes_5k), mib(peer.rss_bytes_5k), '', ''],
  ];
  if (memoryObjects !== undefined) {
    rows.push(
      [`RSS @ ${memoryObjects} objects (MiB)`, mib(ours.rss_bytes_50k), mib(peer.rss_bytes_50k), '', ''],
      [
        'bytes / cached object',
        num(ours.bytes_per_object, 0),
        num(peer.bytes_per_object, 0),
        times(r.bytes_per_object),
        goalText('bytes_per_object', r.bytes_per_object),
      ],
    );
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
