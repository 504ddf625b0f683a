import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ATTESTED_LABEL,
  checkRequirements,
  formatRefusal,
  manifestRequirements,
  type NodeLike,
  type Requirement,
} from '../../src/loader/requirements.ts';

function node(
  name: string,
  opts: {
    gpu?: string;
    cpu?: string;
    memory?: string;
    attested?: boolean;
    ready?: boolean;
    unschedulable?: boolean;
    taint?: string;
  } = {},
): NodeLike {
  return {
    metadata: { name, labels: opts.attested ? { [ATTESTED_LABEL]: 'true' } : {} },
    spec: {
      ...(opts.unschedulable ? { unschedulable: true } : {}),
      ...(opts.taint ? { taints: [{ key: opts.taint, effect: 'NoSchedule' }] } : {}),
    },
    status: {
      allocatable: {
        cpu: opts.cpu ?? '4',
        memory: opts.memory ?? '16Gi',
        pods: '110',
        ...(opts.gpu ? { 'nvidia.com/gpu': opts.gpu } : {}),
      },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

const gpu: Requirement = { kind: 'gpu', value: true, text: 'gpu:true' };
const hw: Requirement = { kind: 'utid', value: 'hardware-bound', text: 'utid:hardware-bound' };

it('accepts when one schedulable Ready node satisfies every requirement', () => {
  const report = checkRequirements(
    [
      gpu,
      hw,
      { kind: 'cpu', value: 8, text: 'cpu:8' },
      { kind: 'memory', value: 32 * 2 ** 30, text: 'memory:32Gi' },
    ],
    [
      node('small', { gpu: '1', attested: true }),
      node('big', { gpu: '2', attested: true, cpu: '31500m', memory: '64Gi' }),
    ],
  );
  assert.deepEqual(report, { ok: true, nodes: ['big'], failures: [] });
});

it('ignores requirements that do not constrain nodes', () => {
  const report = checkRequirements(
    [
      { kind: 'gpu', value: false, text: 'gpu:false' },
      { kind: 'utid', value: 'soft', text: 'utid:soft' },
    ],
    [],
  );
  assert.equal(report.ok, true);
});

it('refuses gpu:true on a cluster without GPUs, naming what it has', () => {
  const report = checkRequirements(
    [gpu],
    [node('a'), node('b', { gpu: '0' }), node('c', { gpu: '4', ready: false })],
  );
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.failures.map((f) => f.requirement),
    ['gpu:true'],
  );
  assert.match(
    formatRefusal(report),
    /^requirement gpu:true: no schedulable Ready node has allocatable nvidia.com\/gpu > 0 \(the cluster has 2 schedulable Ready nodes, none with GPUs\)$/,
  );
});

it('does not count cordoned or tainted GPU nodes, but tolerates the GPU taint', () => {
  assert.equal(checkRequirements([gpu], [node('a', { gpu: '1', unschedulable: true })]).ok, false);
  assert.equal(checkRequirements([gpu], [node('a', { gpu: '1', taint: 'dedicated' })]).ok, false);
  assert.equal(checkRequirements([gpu], [node('a', { gpu: '1', taint: 'nvidia.com/gpu' })]).ok, true);
});

it('refuses a hardware-bound UTID without attested nodes', () => {
  const report = checkRequirements([hw], [node('a', { gpu: '1' })]);
  assert.match(formatRefusal(report), /utid:hardware-bound: .*label utid.industriverse.ai\/attested=true/);
});

it('compares cpu and memory as Kubernetes quantities', () => {
  const nodes = [node('a', { cpu: '3500m', memory: '7Gi' })];
  assert.equal(checkRequirements([{ kind: 'cpu', value: 3.5, text: 'cpu:3500m' }], nodes).ok, true);
  const report = checkRequirements(
    [
      { kind: 'cpu', value: 4, text: 'cpu:4' },
      { kind: 'memory', value: 8 * 2 ** 30, text: 'memory:8Gi' },
    ],
    nodes,
  );
  assert.deepEqual(
    report.failures.map((f) => f.message),
    [
      'no schedulable Ready node has 4 cpu allocatable (the largest is 3.5 on a)',
      'no schedulable Ready node has 8Gi memory allocatable (the largest is 7Gi on a)',
    ],
  );
});

it('refuses when each requirement is met on some node but none meets all', () => {
  const report = checkRequirements(
    [gpu, hw],
    [node('gpu', { gpu: '1' }), node('attested', { attested: true })],
  );
  assert.equal(report.ok, false);
  assert.equal(report.failures[0]!.requirement, 'gpu:true, utid:hardware-bound');
});

it('says so when no node is usable at all', () => {
  const report = checkRequirements([gpu], [node('a', { ready: false })]);
  assert.match(
    report.failures[0]!.message,
    /no schedulable Ready node \(1 node, 1 not Ready, 0 cordoned or tainted\)/,
  );
});

it('reads the manifest requirement strings', () => {
  assert.deepEqual(manifestRequirements(['gpu:true', 'utid:hardware-bound', 'cpu:500m', 'memory:1.5Gi']), [
    { kind: 'gpu', value: true, text: 'gpu:true' },
    { kind: 'utid', value: 'hardware-bound', text: 'utid:hardware-bound' },
    { kind: 'cpu', value: 0.5, text: 'cpu:500m' },
    { kind: 'memory', value: 1.5 * 2 ** 30, text: 'memory:1.5Gi' },
  ]);
  assert.deepEqual(manifestRequirements(), []);
});
