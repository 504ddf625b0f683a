/** Unreadable snapshot input, naming the file (and line when known); the CLI exits 2 on it. */
export class SnapshotError extends Error {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'SnapshotError';
    this.file = file;
    this.line = line;
  }
}
