// Credentials never leave the server. Every tool answer passes through a Redactor that masks:
// Secret data, values under credential-looking keys (env vars, config maps, kubeconfigs), credential
// shapes in free text (Authorization headers, bearer tokens, JWTs, private keys, passwords in URLs,
// cloud keys), and the literal value of every known Secret wherever it shows up (a log line that
// prints a password, an env var copied from a Secret).
import type { KubeObject } from '@industriverse/kube';
import type { World } from '../model/types.ts';

export const REDACTED = '<redacted>';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Keys whose string value is a credential (env var names, config keys, kubeconfig fields). */
const CREDENTIAL_KEY =
  /(passw(?:or)?d|passwd|^pass$|[-_.]pass$|pwd$|secret$|secret[-_]?(?:access[-_]?)?key|token$|api[-_]?key|apikey|private[-_]?key|access[-_]?key|signing[-_]?key|encryption[-_]?key|client[-_]?key|key[-_]?data$|credentials?$|^auth$|authorization$|bearer|cookie$|^dsn$|connection[-_]?string)/i;

/** `password=…`, `"token": "…"`; not a path segment such as `Secret/shop/db-secret: …` (a name, not a key). */
const KEY_VALUE_IN_TEXT =
  /(?<![\w./-])([\w.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|client[-_]?key|key[-_]?data|credentials?))(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;

const TEXT_PATTERNS: [RegExp, string][] = [
  [
    /-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)/g,
    `${REDACTED} private key`,
  ],
  [
    /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate)\s+)?[^\s"',;]+/gi,
    `$1$2$3 ${REDACTED}`,
  ],
  [/\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, REDACTED],
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi, `$1$2:${REDACTED}@`],
  [KEY_VALUE_IN_TEXT, `$1$2${REDACTED}`],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, REDACTED],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED],
];

/** Secret values shorter than this are too common ("true", "admin") to hunt for in text. */
const MIN_LITERAL = 6;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Redactor {
  readonly #literals: RegExp | undefined;

  /** `literals`: exact strings to mask wherever they appear (the world's Secret values). */
  constructor(literals: Iterable<string> = []) {
    const unique = [...new Set([...literals].filter((l) => l.length >= MIN_LITERAL))];
    unique.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.#literals = unique.length
      ? new RegExp(unique.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
      : undefined;
  }

  text(s: string): string {
    let out = this.#literals ? s.replace(this.#literals, REDACTED) : s;
    for (const [re, replacement] of TEXT_PATTERNS) out = out.replace(re, replacement);
    return out;
  }

  /** A masked deep copy of any JSON value (tool answers, API objects, patches). */
  value(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => (isEnvVar(x) ? this.#envVar(x) : this.value(x)));
    if (!isRecord(v)) return v;
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === LAST_APPLIED && typeof x === 'string') out[k] = this.#embedded(x);
      else if (typeof x === 'string' && CREDENTIAL_KEY.test(k)) out[k] = REDACTED;
      else out[k] = this.value(x);
    }
    // A Secret keeps its keys (which are useful) and loses every value.
    if (v.kind === 'Secret' && isRecord(v.metadata))
      for (const field of ['data', 'stringData']) {
        const data = v[field];
        if (isRecord(data)) out[field] = Object.fromEntries(Object.keys(data).map((k) => [k, REDACTED]));
      }
    return out;
  }

  object<T extends KubeObject>(o: T): T {
    return this.value(o) as T;
  }

  /** An env var ({name, value}) masks its value when the name looks like a credential. */
  #envVar(e: Json): Json {
    const masked = this.value(e) as Json;
    if (typeof e.value === 'string' && CREDENTIAL_KEY.test(String(e.name))) masked.value = REDACTED;
    return masked;
  }

  /** JSON kept inside an annotation (last-applied-configuration repeats the whole object, Secret data too). */
  #embedded(text: string): string {
    try {
      return JSON.stringify(this.value(JSON.parse(text)));
    } catch {
      return this.text(text);
    }
  }
}

function isEnvVar(v: unknown): v is Json {
  return (
    isRecord(v) &&
    typeof v.name === 'string' &&
    ('value' in v || 'valueFrom' in v) &&
    Object.keys(v).length <= 3
  );
}

/** Every value of these Secrets, raw (base64) and decoded, line by line for multi-line values. */
export function secretLiterals(secrets: Iterable<KubeObject>): Set<string> {
  const out = new Set<string>();
  const add = (s: string) => {
    out.add(s);
    for (const line of s.split(/\r?\n/)) if (line.trim().length >= 12) out.add(line.trim());
  };
  for (const secret of secrets) {
    if (secret.kind !== 'Secret') continue;
    for (const field of ['data', 'stringData'] as const) {
      const data = secret[field];
      if (!isRecord(data)) continue;
      for (const v of Object.values(data)) {
        if (typeof v !== 'string' || v === '') continue;
        add(v);
        if (field === 'data') add(Buffer.from(v, 'base64').toString('utf8'));
      }
    }
  }
  return out;
}

/**
 * A Redactor for the world as it is now (a live world's Secrets change, so build one per answer),
 * also hunting `known` literals: Secret values read from the source, which the world itself drops.
 */
export function redactorFor(world: World, known: ReadonlySet<string> = new Set()): Redactor {
  return new Redactor([...known, ...secretLiterals(world.objects('Secret'))]);
}
