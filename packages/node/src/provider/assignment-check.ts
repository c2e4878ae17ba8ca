import {
  type Assignment,
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  type ReplayGuard,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Address, isAddressEqual } from 'viem';
import { type JobAssign, jobAssignSchema } from '../jobs/wire.js';

/** Job specs may be signed well ahead of their expiry (a long batch): allow 30 days. */
const SPEC_MAX_LIFETIME_SECONDS = 30 * 86_400;

export interface CheckedAssignment {
  assignment: Assignment;
  spec: JobSpec;
  /** The client's spec exactly as signed, kept for the record. */
  signedSpec: SignedMessage<'JobSpec'>;
}

export function parseJobAssign(body: unknown): JobAssign {
  const parsed = jobAssignSchema.safeParse(body);
  if (!parsed.success)
    throw new IdlegridError('MESSAGE_INVALID', `invalid job.assign: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Checks an assignment before any work: signed by the coordinator we joined (still active in
 * the registry), for us, for the
 * job the client signed, lease and deadline ahead, and a runtime we run. Throws with a stable code.
 */
export interface AssignmentExpectations {
  domain: NetworkDomain;
  coordinator: Address;
  provider: Address;
  replayGuard: ReplayGuard;
  /** The runtimes this provider offers. */
  runtimes: readonly string[];
  /** Whether the coordinator is active in the CoordinatorRegistry; unchecked when absent (no chain). */
  coordinatorActive?: (coordinator: Address) => Promise<boolean>;
  /** Accepts a spec signed by another key than its client's: a session key the client authorized. */
  acceptDelegate?: (signer: Address, spec: JobSpec) => Promise<boolean>;
}

export async function checkAssignment(
  body: JobAssign,
  expect: AssignmentExpectations,
  nowSeconds = BigInt(Math.floor(Date.now() / 1000)),
): Promise<CheckedAssignment> {
  const spec = await verifySignedMessage(expect.domain, body.spec, {
    kind: 'JobSpec',
    nowSeconds,
    maxLifetimeSeconds: SPEC_MAX_LIFETIME_SECONDS,
    ...(expect.acceptDelegate ? { acceptDelegate: expect.acceptDelegate } : {}),
  });
  const signed = await verifySignedMessage(expect.domain, body.assignment, {
    kind: 'Assignment',
    nowSeconds,
  });
  const assignment = signed.message;
  const refuse = (why: string) =>
    new IdlegridError('ASSIGNMENT_INVALID', why, { details: { jobId: assignment.jobId } });
  if (!isAddressEqual(assignment.coordinator, expect.coordinator))
    throw refuse(
      `assignment is from ${assignment.coordinator}, not from our coordinator ${expect.coordinator}`,
    );
  if (expect.coordinatorActive && !(await expect.coordinatorActive(assignment.coordinator)))
    throw new IdlegridError(
      'COORDINATOR_UNREGISTERED',
      `coordinator ${assignment.coordinator} is not active in the CoordinatorRegistry`,
      { details: { jobId: assignment.jobId, coordinator: assignment.coordinator } },
    );
  if (!isAddressEqual(assignment.provider, expect.provider))
    throw refuse(`assignment is for ${assignment.provider}, not for us`);
  if (assignment.jobId !== spec.message.jobId) throw refuse('assignment and spec name different jobs');
  if (assignment.leaseExpiry <= nowSeconds) throw refuse(`lease expired at ${assignment.leaseExpiry}`);
  if (spec.message.deadline <= nowSeconds) throw refuse(`job deadline ${spec.message.deadline} has passed`);
  if (!expect.runtimes.includes(spec.message.runtime)) {
    throw new IdlegridError('RUNTIME_UNSUPPORTED', `runtime ${spec.message.runtime} is not offered here`, {
      details: { runtime: spec.message.runtime, offered: [...expect.runtimes] },
    });
  }
  // Last, so that a refused assignment does not burn the coordinator's nonce.
  expect.replayGuard.accept(
    'Assignment',
    assignment.coordinator,
    assignment.nonce,
    assignment.expiry,
    nowSeconds,
  );
  return {
    assignment,
    spec: spec.message,
    signedSpec: { kind: 'JobSpec', message: spec.message, signature: spec.signature },
  };
}
