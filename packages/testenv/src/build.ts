// Builds the pinned control-plane binaries, and kubeadm (which checks rendered configurations), from
// the Go module proxy into the cache folder.
// Kubernetes and etcd come from tools/k8s (whose go.mod pins every staging module); kwok is
// `go install`ed at its tag. The build goes to a temporary folder that is renamed into place, so
// an interrupted build never leaves a half-filled cache.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Progress } from '@industriverse/kube';
import { binariesDir, complete, KWOK_STAGES_FILE, readManifest, sha256File, type Manifest } from './cache.ts';
import { COMPONENTS, ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from './versions.ts';

const run = promisify(execFile);
const toolsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../tools/k8s');

export interface BuildResult {
  dir: string;
  cached: boolean;
  manifest: Manifest;
}

function versionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const values = {
    gitVersion: KUBERNETES_VERSION,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
  };
  const pkgs = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'];
  return Object.entries(values)
    .flatMap(([k, v]) => pkgs.map((p) => `-X ${p}.${k}=${v}`))
    .join(' ');
}

/** Runs the Go toolchain (CGO off: static binaries) and returns its stdout; errors carry Go's stderr. */
export async function go(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; code?: string };
    if (e.code === 'ENOENT')
      throw new Error('the Go toolchain (`go`) is not on PATH; it is needed to build the control plane', {
        cause: err,
      });
    throw new Error(`go ${args.join(' ')} failed:\n${e.stderr ?? String(err)}`, { cause: err });
  }
}

/** kwok's own default stages (node initialize + heartbeat with lease, pod ready/complete/delete), from its pinned module. */
const KWOK_STAGE_FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

async function kwokStages(): Promise<string> {
  const info = JSON.parse(
    await go(['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], toolsDir),
  ) as { Dir: string };
  const docs = await Promise.all(
    KWOK_STAGE_FILES.map((f) => readFile(join(info.Dir, 'kustomize/stage', f), 'utf8')),
  );
  return docs.map((d) => d.trim() + '\n').join('---\n');
}

/** Ensures the pinned binaries are in the cache, building them when missing or when `force` is set. */
export async function buildBinaries(
  progress: Progress,
  opts: { force?: boolean } = {},
): Promise<BuildResult> {
  const dir = binariesDir();
  const existing = readManifest();
  if (existing && !opts.force && complete(dir)) {
    return { dir, cached: true, manifest: existing };
  }
  const started = performance.now();
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const goVersion = (await go(['env', 'GOVERSION'], toolsDir)).trim();
    const ldflags = `-s -w ${versionLdflags()}`;
    await progress.stage(
      `build kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm, kubectl ${KUBERNETES_VERSION} and etcd ${ETCD_VERSION}`,
      () =>
        go(
          [
            'build',
            '-trimpath',
            '-buildvcs=false',
            '-ldflags',
            ldflags,
            '-o',
            staging + '/',
            'k8s.io/kubernetes/cmd/kube-apiserver',
            'k8s.io/kubernetes/cmd/kube-controller-manager',
            'k8s.io/kubernetes/cmd/kube-scheduler',
            'k8s.io/kubernetes/cmd/kubeadm',
            'k8s.io/kubernetes/cmd/kubectl',
            './etcd',
          ],
          toolsDir,
        ),
    );
    await progress.stage(`build kwok ${KWOK_VERSION}`, () =>
      go(
        ['install', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
        toolsDir,
        {
          GOBIN: staging,
        },
      ),
    );
    await progress.stage('collect kwok stages', async () => {
      await writeFile(join(staging, KWOK_STAGES_FILE), await kwokStages(), 'utf8');
    });
    const sha256 = Object.fromEntries(
      await Promise.all(COMPONENTS.map(async (c) => [c, await sha256File(join(staging, c))] as const)),
    ) as Manifest['sha256'];
    const manifest: Manifest = {
      kubernetes: KUBERNETES_VERSION,
      etcd: ETCD_VERSION,
      kwok: KWOK_VERSION,
      go: goVersion,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round(performance.now() - started) / 1000,
      sha256,
    };
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(staging, dir);
    return { dir, cached: false, manifest };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
