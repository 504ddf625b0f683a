#!/usr/bin/env node
// Builds (or finds in the cache) the pinned control-plane binaries: `npm run setup`.
import { createProgress } from '@industriverse/kube';
import { buildBinaries } from '../build.ts';

const json = process.argv.includes('--json');
const force = process.argv.includes('--force');
try {
  const result = await buildBinaries(createProgress({ json: json || undefined }), { force });
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      `${result.cached ? 'cached' : `built in ${result.manifest.buildSeconds}s`}: ${result.dir}\n` +
        Object.entries(result.manifest.sha256)
          .map(([name, sum]) => `  ${sum}  ${name}\n`)
          .join(''),
    );
  }
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
