import {
  IdlegridError,
  localAccount,
  networkDomain,
  type SignedMessage,
  signMessage,
} from '@idlegrid/protocol';
import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { JOB_MESSAGES } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import { PaymentForwarder, type PaymentForwarderDeps } from './payment-forwarder.js';

const domain = networkDomain(31337, '0x0000000000000000000000000000000000000003');
const client = localAccount(generatePrivateKey());
const provider = localAccount(generatePrivateKey()).address;

const voucher = (nonce: bigint) =>
  signMessage(client, domain, 'Voucher', {
    client: client.address,
    provider,
    cumulativeAmount: 100n * nonce,
    nonce,
    expiry: BigInt(Math.floor(Date.now() / 1000) + 600),
  });

/**
 * A provider whose first payment request is lost on the way (its connection closed under it),
 * holding `held` afterwards: the fault is injected here, the forwarder is the real one.
 */
function forwarderWith(held: () => SignedMessage<'Voucher'> | null) {
  const sent: string[] = [];
  let failed = false;
  const channel = {
    request: async (_peer: string, type: string) => {
      sent.push(type);
      if (type === JOB_MESSAGES.heldVoucher) return { voucher: held() };
      if (!failed) {
        failed = true;
        throw new IdlegridError('P2P_UNREACHABLE', 'stream reset');
      }
      return { accepted: true };
    },
  } as unknown as MessageChannel;
  const recorded: SignedMessage<'Voucher'>[] = [];
  const forwarder = new PaymentForwarder({
    channel,
    domain,
    registry: { get: () => ({ peer: 'peer-1' }) },
    payments: {
      latest: async () => ({ cumulativeAmount: 0n, nonce: 0n }),
      record: async (v: SignedMessage<'Voucher'>) => void recorded.push(v),
    },
  } as unknown as PaymentForwarderDeps);
  return { forwarder, sent, recorded };
}

describe('relaying a voucher whose request is lost on the way', () => {
  it('counts it delivered when the provider holds it already, without sending it again', async () => {
    const paid = await voucher(1n);
    const { forwarder, sent, recorded } = forwarderWith(() => paid);
    await forwarder.relay(client.address, [{ provider, amount: '100' }], { vouchers: [paid] });
    expect(sent).toEqual([JOB_MESSAGES.payment, JOB_MESSAGES.heldVoucher]);
    expect(recorded).toHaveLength(1);
  });

  it('sends it once more when the provider holds only an older one', async () => {
    const paid = await voucher(2n);
    const older = await voucher(1n);
    const { forwarder, sent, recorded } = forwarderWith(() => older);
    await forwarder.relay(client.address, [{ provider, amount: '100' }], { vouchers: [paid] });
    expect(sent).toEqual([JOB_MESSAGES.payment, JOB_MESSAGES.heldVoucher, JOB_MESSAGES.payment]);
    expect(recorded).toHaveLength(1);
  });
});
