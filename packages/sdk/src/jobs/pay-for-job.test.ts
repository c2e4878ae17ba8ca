import { networkDomain, verifySignedMessage } from '@idlegrid/protocol';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../http/coordinator-client.js';
import { sendJson, startStubServer } from '../http/stub-server.js';
import type { JobsContext } from './context.js';
import type { JobState } from './job.js';
import { payForJob } from './pay-for-job.js';
import { sampleJob } from './test-jobs.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const client = privateKeyToAccount(generatePrivateKey());
const provider = privateKeyToAccount(generatePrivateKey()).address;
const auditor = privateKeyToAccount(generatePrivateKey()).address;
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

/** A coordinator that knows one earlier voucher per pair and settles the job on payment. */
async function coordinator(
  previous: { cumulativeAmount: string; nonce: string },
  state: JobState = 'accepted',
  payees = [{ provider, amount: '2500', paid: false }],
) {
  const job = sampleJob({
    client: client.address,
    provider,
    price: '2500',
    state,
    resultCid: 'x',
    version: 7,
  });
  const stub = await startStubServer({
    [`GET /v1/jobs/${job.id}`]: (_request, response) => sendJson(response, 200, { job }),
    [`GET /v1/jobs/${job.id}/payees`]: (_request, response) => sendJson(response, 200, { payees }),
    [`GET /v1/payments/${client.address}/${provider}`]: (_request, response) =>
      sendJson(response, 200, previous),
    [`GET /v1/payments/${client.address}/${auditor}`]: (_request, response) =>
      sendJson(response, 200, { cumulativeAmount: '7', nonce: '3' }),
    [`POST /v1/jobs/${job.id}/payment`]: (_request, response) =>
      sendJson(response, 200, { job: { ...job, state: 'settled', version: 8 } }),
  });
  close = stub.close;
  const ctx: JobsContext = { coordinator: new CoordinatorClient({ url: stub.url }), signer: client, domain };
  return { ctx, job, requests: stub.requests };
}

describe('payForJob', () => {
  it('signs the next cumulative voucher on top of the last one and posts it', async () => {
    const { ctx, job, requests } = await coordinator({
      cumulativeAmount: '100000000000000000000',
      nonce: '41',
    });
    const paid = await payForJob(ctx, job);
    expect(paid.job.state).toBe('settled');

    const posted = requests.find((request) => request.method === 'POST');
    expect(posted?.path).toBe(`/v1/jobs/${job.id}/payment`);
    const {
      vouchers: [voucher],
    } = JSON.parse(posted!.body);
    const verified = await verifySignedMessage(domain, voucher, { kind: 'Voucher' });
    expect(verified.signer).toBe(client.address);
    expect(verified.message).toMatchObject({
      client: client.address,
      provider,
      cumulativeAmount: 100_000_000_000_000_002_500n,
      nonce: 42n,
    });
    const inADay = BigInt(Math.floor(Date.now() / 1000)) + 86_400n;
    expect(verified.message.expiry > inADay - 600n && verified.message.expiry <= inADay).toBe(true);
  });

  it('starts the channel at nonce 1 when nothing was paid before', async () => {
    const { ctx, job } = await coordinator({ cumulativeAmount: '0', nonce: '0' });
    const {
      vouchers: [voucher],
    } = await payForJob(ctx, job);
    expect([voucher!.message.cumulativeAmount, voucher!.message.nonce]).toEqual([2500n, 1n]);
  });

  it('pays each run of a verified job that is not yet paid, one voucher per provider', async () => {
    const { ctx, job } = await coordinator({ cumulativeAmount: '0', nonce: '0' }, 'accepted', [
      { provider, amount: '2500', paid: true },
      { provider: auditor, amount: '1200', paid: false },
    ]);
    const { vouchers } = await payForJob(ctx, job);
    expect(vouchers.map((v) => [v.message.provider, v.message.cumulativeAmount, v.message.nonce])).toEqual([
      [auditor, 1207n, 4n],
    ]);
  });

  it('refuses to pay a job that is not accepted, without signing anything', async () => {
    const { ctx, job, requests } = await coordinator({ cumulativeAmount: '0', nonce: '0' }, 'settled');
    await expect(payForJob(ctx, { ...job, state: 'accepted' })).rejects.toMatchObject({
      code: 'JOB_INVALID_TRANSITION',
    });
    expect(requests.map((request) => request.method)).toEqual(['GET']);
  });
});
