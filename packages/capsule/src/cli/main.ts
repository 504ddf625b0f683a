#!/usr/bin/env node
// capsule: signed capsule packages, the registry, proofs and the deploy loop.
// Exit codes: 0 ok, 1 the check or operation failed, 2 bad usage or unreadable input.
import { Command, CommanderError } from 'commander';
import { registerDeployCommands } from './commands/deploy.ts';
import { registerPackageCommands } from './commands/package.ts';
import { registerRegistryCommands } from './commands/registry.ts';
import { EXIT_FAILED, EXIT_USAGE, UsageError } from './exit.ts';

const program = new Command('capsule')
  .description('Signed capsule packages: pack, verify, push, prove and deploy')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

registerPackageCommands(program);
registerRegistryCommands(program);
registerDeployCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  process.stderr.write(`capsule: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED);
}
