// Every error rule, in the order `kubedos validate --rules` lists them (seed 004 §15.3).
import type { Rule, RuleInfo } from '../types.ts';
import { cephReplication } from './ceph-replication.ts';
import { destructiveFlagExplicit } from './destructive-flag-explicit.ts';
import { duplicateName } from './duplicate-name.ts';
import { haInventory } from './ha-inventory.ts';
import { haQuorum } from './ha-quorum.ts';
import { interPlaneDefault } from './inter-plane-default.ts';
import { interPlaneRule } from './inter-plane-rule.ts';
import { planeCidrCapacity } from './plane-cidr-capacity.ts';
import { planeCidrOverlap } from './plane-cidr-overlap.ts';
import { schema } from './schema.ts';
import { unknownReference } from './unknown-reference.ts';
import { vlanTrunk } from './vlan-trunk.ts';
import { vmidRange } from './vmid-range.ts';

/** The schema rule first: the others are told whether it passed. */
export const SCHEMA_RULE: Rule = schema;

export const SEMANTIC_RULES: readonly Rule[] = [
  haQuorum,
  haInventory,
  planeCidrOverlap,
  planeCidrCapacity,
  interPlaneDefault,
  interPlaneRule,
  destructiveFlagExplicit,
  vlanTrunk,
  cephReplication,
  unknownReference,
  duplicateName,
  vmidRange,
];

export const RULES: readonly RuleInfo[] = [SCHEMA_RULE, ...SEMANTIC_RULES].map(({ id, description }) => ({
  id,
  description,
}));
