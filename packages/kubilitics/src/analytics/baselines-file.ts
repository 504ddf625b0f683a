// Keeping baselines across restarts of a live deployment: the store as one JSON file.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { BaselineStore, type BaselineOptions } from './baselines.ts';

/** The store in `file`, or an empty one when the file does not exist yet. A corrupt file throws. */
export async function loadBaselines(file: string, opts: BaselineOptions = {}): Promise<BaselineStore> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new BaselineStore(opts);
    throw err;
  }
  return BaselineStore.fromJSON(JSON.parse(text), opts);
}

/** Writes the store beside `file` then renames it over, so a crash mid-write never leaves half a file. */
export async function saveBaselines(store: BaselineStore, file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(store));
  await rename(tmp, file);
}
