import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { type Address, getAddress, isAddress } from 'viem';
import type { PaymentForwarder } from '../../coordinator/payment-forwarder.js';
import type { PaymentLedger } from '../../store/payment-ledger.js';
import type { RequestLimits } from '../limits/request-limits.js';

function addressParam(value: string, name: string): Address {
  if (!isAddress(value)) throw new IdlegridError('INVALID_ARGUMENT', `${name} is not an address`);
  return getAddress(value);
}

export function paymentRoutes(
  app: FastifyInstance,
  deps: { forwarder: PaymentForwarder; payments: PaymentLedger; limits: RequestLimits },
): void {
  app.post<{ Params: { id: string }; Body: { voucher?: unknown; vouchers?: unknown } }>(
    '/v1/jobs/:id/payment',
    async (request, reply) => {
      // Counted for the job's client once its vouchers are verified: a forged one counts for no one.
      const job = await deps.forwarder.pay(request.params.id, request.body ?? undefined, {
        admit: (client) => deps.limits.chargeClients(new Map([[client, { messages: 1, jobs: 0 }]])),
      });
      return reply.type('application/json').send(toWireJson({ job }));
    },
  );

  /** Who the accepted job pays and how much: its provider, or each run that gave its verified answer. */
  app.get<{ Params: { id: string } }>('/v1/jobs/:id/payees', async (request, reply) => {
    const payees = await deps.forwarder.payees(request.params.id);
    return reply.type('application/json').send(toWireJson({ payees }));
  });

  app.get<{ Params: { client: string; provider: string } }>(
    '/v1/payments/:client/:provider',
    async (request, reply) => {
      const latest = await deps.forwarder.latest(
        addressParam(request.params.client, 'client'),
        addressParam(request.params.provider, 'provider'),
      );
      return reply.type('application/json').send(toWireJson(latest));
    },
  );
}
