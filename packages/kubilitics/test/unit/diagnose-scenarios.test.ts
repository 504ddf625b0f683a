// The scenario suite: every folder of test/scenarios is a cluster snapshot with one or more faults
// (or none) and expected.json; diagnosis must report exactly the expected {category, rootCause}
// set with the expected status, and none of the categories listed as absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose } from '../../src/diagnose/index.ts';
import { loadSnapshot } from '../../src/feed/snapshot.ts';
import { nodeId, type Finding, type ObjectRef } from '../../src/model/types.ts';

interface Expected {
  status: 'OK' | 'INCONCLUSIVE';
  findings: { category: Finding['category']; rootCause: ObjectRef }[];
  absent?: Finding['category'][];
}

const root = new URL('../scenarios/', import.meta.url).pathname;
const scenarios = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const key = (f: { category: string; rootCause: ObjectRef }) => `${f.category} ${nodeId(f.rootCause)}`;

for (const name of scenarios) {
  test(`scenario ${name}`, async () => {
    const expected = JSON.parse(readFileSync(join(root, name, 'expected.json'), 'utf8')) as Expected;
    const report = await diagnose(await loadSnapshot(join(root, name)));
    const got = report.findings.map(key).sort();
    assert.deepEqual(
      got,
      expected.findings.map(key).sort(),
      JSON.stringify(
        report.findings.map((f) => f.summary),
        null,
        1,
      ),
    );
    assert.equal(report.status, expected.status, JSON.stringify(report.unexplained));
    for (const category of expected.absent ?? [])
      assert.ok(!report.findings.some((f) => f.category === category), `${category} must not be reported`);
  });
}

test('the suite covers every category, a healthy cluster and an INCONCLUSIVE case', () => {
  const all = scenarios.map(
    (n) => JSON.parse(readFileSync(join(root, n, 'expected.json'), 'utf8')) as Expected,
  );
  const covered = new Set(all.flatMap((e) => e.findings.map((f) => f.category)));
  const categories: Finding['category'][] = [
    'OOMKilled',
    'CrashLoop',
    'ImagePull',
    'MissingConfig',
    'Unschedulable',
    'NodeFailure',
    'NoEndpoints',
    'ProbeFailure',
    'QuotaExceeded',
    'VolumePending',
    'UpstreamDependency',
    'CapacityExhaustion',
  ];
  assert.deepEqual(
    categories.filter((c) => !covered.has(c)),
    [],
  );
  assert.ok(all.some((e) => e.status === 'OK' && e.findings.length === 0));
  assert.ok(all.some((e) => e.status === 'INCONCLUSIVE'));
});
