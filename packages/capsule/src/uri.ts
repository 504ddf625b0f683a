// capsule://name:version[?proof=true] — how clients name a capsule in a registry. The parser is
// strict so that a typo is an error rather than a different capsule.
import semver from 'semver';

export interface CapsuleRef {
  name: string;
  version: string;
  /** Resolve only when a valid proof bundle exists for the capsule's digest. */
  proof: boolean;
}

export class CapsuleUriError extends Error {
  override name = 'CapsuleUriError';
}

const SCHEME = 'capsule://';
// DNS-1123 label, as for the manifest's name.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUERY_KEYS = new Set(['proof']);

/** A strict semantic version: no leading "v" or "=", no spaces; pre-release and build allowed. */
function isSemver(version: string): boolean {
  return /^\d/.test(version) && !/\s/.test(version) && semver.parse(version) !== null;
}

export function isCapsuleUri(text: string): boolean {
  return text.startsWith(SCHEME);
}

export function parseCapsuleUri(uri: string): CapsuleRef {
  const fail = (what: string): never => {
    throw new CapsuleUriError(`invalid capsule URI "${uri}": ${what}`);
  };
  if (!uri.startsWith(SCHEME)) fail(`it must start with ${SCHEME}`);
  if (uri.includes('#')) fail('fragments are not allowed');
  const rest = uri.slice(SCHEME.length);
  const q = rest.indexOf('?');
  const ref = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? undefined : rest.slice(q + 1);

  const colon = ref.indexOf(':');
  if (colon < 0) fail('expected name:version');
  const name = ref.slice(0, colon);
  const version = ref.slice(colon + 1);
  if (!name) fail('the name is empty');
  if (name.length > 63 || !NAME.test(name)) {
    fail(
      `name "${name}" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
  if (!version) fail('the version is empty');
  if (!isSemver(version)) fail(`version "${version}" is not a semantic version (e.g. 1.2.3)`);

  let proof = false;
  if (query !== undefined) {
    if (query === '') fail('the query is empty');
    const seen = new Set<string>();
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? undefined : pair.slice(eq + 1);
      if (!QUERY_KEYS.has(key)) fail(`unknown query parameter "${key}" (allowed: proof)`);
      if (seen.has(key)) fail(`query parameter "${key}" is repeated`);
      seen.add(key);
      if (value !== 'true' && value !== 'false')
        fail(`proof must be "true" or "false", not "${value ?? ''}"`);
      proof = value === 'true';
    }
  }
  return { name, version, proof };
}

export function formatCapsuleUri(ref: CapsuleRef): string {
  return `${SCHEME}${ref.name}:${ref.version}${ref.proof ? '?proof=true' : ''}`;
}
