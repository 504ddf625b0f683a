#!/usr/bin/env node
// Builds (or finds in the cache) the pinned control-plane binaries and cosign: `npm run setup`.
import { createProgress } from '@industriverse/kube';
import { buildBinaries } from '../build.ts';
import { ensureCosign } from '../cosign.ts';

const json = process.argv.includes('--json');
const force = process.argv.includes('--force');
try {
  const progress = createProgress({ json: json || undefined });
  const result = await buildBinaries(progress, { force });
  const cosign = await ensureCosign(progress);
  if (json) process.stdout.write(JSON.stringify({ ...result, cosign }) + '\n');
  else {
    process.stdout.write(
      `${result.cached ? 'cached' : `built in ${result.manifest.buildSeconds}s`}: ${result.dir}\n` +
        Object.entries(result.manifest.sha256)
          .map(([name, sum]) => `  ${sum}  ${name}\n`)
          .join('') +
        `cosign: ${cosign}\n`,
    );
  }
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
