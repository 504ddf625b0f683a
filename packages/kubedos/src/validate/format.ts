// Human output of `kubedos validate`: one line per finding, file:line:column first so editors and
// terminals can jump to it.
import type { Finding, ValidationReport } from './types.ts';

function line(file: string, severity: 'error' | 'warning', f: Finding): string {
  const where = [file, f.line, f.column].filter((x) => x !== undefined).join(':');
  return `${where}: ${severity} [${f.rule}] ${f.path || '(root)'}: ${f.message}`;
}

export function formatReport(report: ValidationReport, file = '<input>'): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = `${file}: ${report.valid ? 'valid' : 'invalid'} (${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')})`;
  return (
    [
      ...report.errors.map((f) => line(file, 'error', f)),
      ...report.warnings.map((f) => line(file, 'warning', f)),
      summary,
    ].join('\n') + '\n'
  );
}
