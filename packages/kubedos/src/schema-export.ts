// The published JSON Schema of the ClusterSpec (deploy/schemas/clusterspec.schema.json), generated
// from the TypeBox schema so editors check exactly what `kubedos validate`'s schema rule checks.
// Run `node packages/kubedos/src/schema-export.ts` to rewrite it; a unit test fails on drift.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterSpecSchema } from './api/clusterspec.ts';

export const SCHEMA_DIR = new URL('../../../deploy/schemas/', import.meta.url).pathname;
export const SCHEMA_FILE = 'clusterspec.schema.json';
/** Draft-07: the dialect every YAML/JSON editor and Ajv's default class understand. */
export const SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** The ClusterSpec as plain JSON Schema (TypeBox's symbol-keyed metadata dropped). */
export function clusterSpecJsonSchema(): Record<string, unknown> {
  return {
    $schema: SCHEMA_DIALECT,
    ...(JSON.parse(JSON.stringify(ClusterSpecSchema)) as Record<string, unknown>),
  };
}

/** The file's text, formatted as the repository's prettier check expects. */
export async function renderSchema(dir: string = SCHEMA_DIR): Promise<string> {
  const prettier = await import('prettier');
  const filepath = join(dir, SCHEMA_FILE);
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(JSON.stringify(clusterSpecJsonSchema()), { ...options, filepath });
}

/** Writes the schema file into `dir` when its content changed; true when it was (re)written. */
export async function writeSchema(dir: string = SCHEMA_DIR): Promise<boolean> {
  const text = await renderSchema(dir);
  if ((await current(dir)) === text) return false;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, SCHEMA_FILE), text);
  return true;
}

/** What writeSchema would change: 'ok', 'missing' or 'drifted'. */
export async function checkSchema(dir: string = SCHEMA_DIR): Promise<'ok' | 'missing' | 'drifted'> {
  const actual = await current(dir);
  if (actual === undefined) return 'missing';
  return actual === (await renderSchema(dir)) ? 'ok' : 'drifted';
}

async function current(dir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, SCHEMA_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

if (import.meta.main) {
  const written = await writeSchema();
  process.stdout.write(`${join(SCHEMA_DIR, SCHEMA_FILE)} ${written ? 'written' : 'is up to date'}\n`);
}
