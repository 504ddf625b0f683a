// Exit codes shared by every capsule command.
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad usage or unreadable input: the CLI exits 2 with this message. */
export class UsageError extends Error {}
