// Comment headers of rendered files: what the file is, where it comes from, what fills it in.

/** `lines` as `# ` comment lines (YAML, shell, sshd, sysctl and wg-quick share the syntax). */
export function hashComment(lines: readonly string[]): string {
  return lines.map((line) => (line ? `# ${line}\n` : '#\n')).join('');
}
