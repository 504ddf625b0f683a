export { LeaderElectionLostError, LeaderElector } from './lease.ts';
export type { Lease, LeaseSpec, LeaderElectorOptions } from './lease.ts';
