import type { NetworkDomain, TypedDataSigner } from '@idlegrid/protocol';
import type { CoordinatorClient } from '../http/coordinator-client.js';

/** What the job functions need: the coordinator, the client's key and the network it signs for. */
export interface JobsContext {
  coordinator: CoordinatorClient;
  /** The client's key: signs JobSpecs, JobCancels and vouchers. */
  signer: TypedDataSigner;
  /** The network's EIP-712 domain (`connect(network).domain` or `networkDomain(...)`). */
  domain: NetworkDomain;
}

/** Read-only calls need only the coordinator. */
export type ReadContext = Pick<JobsContext, 'coordinator'>;
