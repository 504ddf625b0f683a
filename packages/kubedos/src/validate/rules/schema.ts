import { schemaFindings } from '../schema.ts';
import type { Rule } from '../types.ts';

export const schema: Rule = {
  id: 'schema',
  description:
    'Types, required fields, enums, formats and unknown fields against the ClusterSpec schema (deploy/schemas/clusterspec.schema.json), plus: substrate.proxmox when the substrate is Proxmox, ha.externalEtcd when etcd is external, exactly one os disk and at least one uplink NIC per node.',
  check: (spec) => schemaFindings(spec),
};
