import { ARTIFACT_CONTRACTS } from './artifact-contracts.js';
import { FEED_CONTRACTS } from './feed-contracts.js';
import { FL_CONTRACTS } from './fl-contracts.js';
import { INTEGRITY_CONTRACTS } from './integrity-contracts.js';
import { JOB_CONTRACTS } from './job-contracts.js';
import { NETWORK_CONTRACTS } from './network-contracts.js';
import { OPENAI_CONTRACTS } from './openai-contracts.js';
import type { RouteContract } from './route-contract.js';

/** Every route of the coordinator's HTTP API: the one table the OpenAPI document and the request checks come from. */
export const ROUTE_CONTRACTS: readonly RouteContract[] = [
  ...NETWORK_CONTRACTS,
  ...JOB_CONTRACTS,
  ...ARTIFACT_CONTRACTS,
  ...FEED_CONTRACTS,
  ...FL_CONTRACTS,
  ...INTEGRITY_CONTRACTS,
  ...OPENAI_CONTRACTS,
];

const byRoute = new Map(ROUTE_CONTRACTS.map((contract) => [`${contract.method} ${contract.path}`, contract]));

/** The contract of a registered route (HEAD routes are their GET's). */
export function contractOf(method: string, path: string): RouteContract | undefined {
  return byRoute.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
}
