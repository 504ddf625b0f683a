// Recommendations: the formal output of a diagnosis, kept for a human (or a later autonomy level) to
// act on. The id is a digest of the content, so drafting the same advice twice stores it once.
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectRef } from '../model/types.ts';

export interface ProposedAction {
  action: string;
  target?: ObjectRef;
  detail: string;
  patch?: string;
}

export interface Recommendation {
  id: string;
  title: string;
  severity: string;
  rationale: string;
  proposedActions: ProposedAction[];
  /** What the recommendation is about: as given, else the first action's target. */
  target?: ObjectRef;
  evidence: string[];
  explanation_trace: { step: string; detail: string }[];
  createdAt: string;
  status: 'draft';
}

export type RecommendationDraft = Omit<Recommendation, 'id' | 'status'>;

export function recommendationId(draft: RecommendationDraft): string {
  const { createdAt: _time, ...content } = draft;
  return `rec-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16)}`;
}

export interface RecommendationStore {
  /** Keeps the recommendation; answers where (a file path, or "memory"). */
  save(rec: Recommendation): Promise<string>;
}

/** One JSON file per recommendation, `<id>.json`, written atomically. */
export class FileRecommendationStore implements RecommendationStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async save(rec: Recommendation): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${rec.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
    return file;
  }
}

/** For a server started without a directory: recommendations live as long as the process. */
export class MemoryRecommendationStore implements RecommendationStore {
  readonly items = new Map<string, Recommendation>();

  async save(rec: Recommendation): Promise<string> {
    this.items.set(rec.id, rec);
    return 'memory';
  }
}
