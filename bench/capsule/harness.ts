// `npm run bench -- capsule`: pack and verify a capsule with a 1 GiB payload, and hash the same
// archive with sha256sum in the same run. Figures: pack throughput, verify throughput against
// sha256sum (goal ≥ 0.9×), peak RSS of `capsule verify` (goal < 150 MB).
//
// Verify is the real CLI (`capsule verify FILE --key PUB --json`) in a process of its own, under
// /usr/bin/time for its peak RSS; its time is the whole process, start-up included, as a user
// sees it. The payload is incompressible (8 MiB of random bytes repeated: deflate's 32 KiB window
// cannot see the repetition), as model weights and compressed images are; pack stores such data
// (deflate level 0), so verify's inflate is a copy and the work left is hashing.
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packCapsule } from '@industriverse/capsule';
import { generateKeyPair, openSigner } from '@industriverse/trust';
import { numberFlag, parseFlags, UsageError } from '../flags.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const CLI = join(import.meta.dirname, '../../packages/capsule/src/cli/main.ts');
const TIME = '/usr/bin/time';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function writePayload(file: string, size: number): void {
  const block = Buffer.allocUnsafe(8 * MiB);
  randomFillSync(block);
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(block.length, size - done);
      for (let at = 0; at < n;) at += writeSync(fd, block, at, n - at);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

async function sha256sumSeconds(file: string): Promise<number> {
  const t = performance.now();
  await run('sha256sum', [file]);
  return (performance.now() - t) / 1000;
}

interface VerifyRun {
  seconds: number;
  maxRssKb: number;
}

/** One `capsule verify --json` under /usr/bin/time; throws unless the capsule verifies. */
async function verifyRun(file: string, pub: string, rssFile: string): Promise<VerifyRun> {
  const t = performance.now();
  const { stdout } = await run(
    TIME,
    ['-f', '%M', '-o', rssFile, process.execPath, CLI, 'verify', file, '--key', pub, '--json'],
    {
      maxBuffer: MiB,
    },
  );
  const seconds = (performance.now() - t) / 1000;
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    ok: boolean;
    error?: { code: string; message: string };
  };
  if (!r.ok) throw new Error(`verify failed: ${r.error?.code}: ${r.error?.message}`);
  return { seconds, maxRssKb: Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) };
}

export async function main(args: string[]): Promise<number> {
  let size: number;
  let runs: number;
  try {
    if (args.includes('--help')) {
      process.stdout.write(
        'npm run bench -- capsule [--size BYTES] [--runs N]   (payload size, default 1 GiB; median of N verifies, default 3)\n',
      );
      return 0;
    }
    const flags = parseFlags(args, ['size', 'runs']);
    size = numberFlag(flags, 'size', 1024 * MiB, { min: 1, integer: true });
    runs = numberFlag(flags, 'runs', 3, { min: 1, integer: true });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'capsule-bench-'));
  try {
    const src = join(scratch, 'src');
    mkdirSync(join(src, 'weights'), { recursive: true });
    writeFileSync(
      join(src, 'capsule.json'),
      JSON.stringify({ name: 'bench', version: '1.0.0', entrypoint: 'run.sh', requirements: ['gpu:false'] }),
    );
    writeFileSync(join(src, 'run.sh'), '#!/bin/sh\nexec true\n');
    chmodSync(join(src, 'run.sh'), 0o755);
    process.stderr.write(`writing a ${round(size / MiB, 1)} MiB payload\n`);
    writePayload(join(src, 'weights', 'model.bin'), size);
    const pair = generateKeyPair('ecdsa-p256');
    writeFileSync(join(scratch, 'key.pem'), pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(scratch, 'pub.pem'), pair.publicKeyPem);
    const signer = await openSigner({ key: join(scratch, 'key.pem') });

    const out = join(scratch, 'bench.tar.gz');
    const t = performance.now();
    await packCapsule(src, { out, signer });
    const packSeconds = (performance.now() - t) / 1000;
    const archive = statSync(out).size;
    process.stderr.write(`packed in ${round(packSeconds)} s\n`);

    const verify: VerifyRun[] = [];
    const sums: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so that both see the same machine load and page cache.
      verify.push(await verifyRun(out, join(scratch, 'pub.pem'), join(scratch, 'rss')));
      sums.push(await sha256sumSeconds(out));
      process.stderr.write(
        `run ${i + 1}/${runs}: verify ${round(verify.at(-1)!.seconds)} s, sha256sum ${round(sums.at(-1)!)} s\n`,
      );
    }
    const verifyS = median(verify.map((v) => v.seconds));
    const sumS = median(sums);
    const mbs = (s: number) => archive / 1e6 / s;
    const peakRss = (Math.max(...verify.map((v) => v.maxRssKb)) * 1024) / 1e6;
    const ratio = mbs(verifyS) / mbs(sumS);
    process.stdout.write(
      [
        `payload ${round(size / MiB, 1)} MiB (incompressible), archive ${round(archive / MiB, 1)} MiB`,
        `pack       ${round(size / 1e6 / packSeconds, 1)} MB/s`,
        `verify     ${round(mbs(verifyS), 1)} MB/s (median of ${runs}; the capsule verify process)`,
        `sha256sum  ${round(mbs(sumS), 1)} MB/s (median of ${runs})`,
        `goals: verify ≥ 0.9× sha256sum: ${round(ratio)}× (${ratio >= 0.9 ? 'met' : 'missed'}); ` +
          `peak RSS < 150 MB: ${round(peakRss, 1)} MB (${peakRss < 150 ? 'met' : 'missed'})`,
      ].join('\n') + '\n',
    );
    process.stdout.write(
      JSON.stringify({
        bench: 'capsule',
        payload_bytes: size,
        archive_bytes: archive,
        runs,
        pack_s: round(packSeconds, 3),
        pack_mb_s: round(size / 1e6 / packSeconds, 1),
        verify_s: round(verifyS, 3),
        verify_mb_s: round(mbs(verifyS), 1),
        sha256sum_s: round(sumS, 3),
        sha256sum_mb_s: round(mbs(sumS), 1),
        ratios: { verify_vs_sha256sum: round(ratio) },
        peak_rss_mb: round(peakRss, 1),
      }) + '\n',
    );
    await signer.close();
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
