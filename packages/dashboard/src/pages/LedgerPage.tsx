import { usePolled } from '../api/live.js';
import type { Ledger, LedgerEvent, NetworkInfo, Provider } from '../api/types.js';
import { Status } from '../components/Status.js';
import { formatGrid, shortAddress } from '../format.js';

const AMOUNT_KEYS = new Set(['amount', 'cumulativeAmount', 'gross', 'fee', 'challengerReward', 'cap']);

/** An event's arguments in one line, amounts in GRID. */
function argsOf(event: LedgerEvent): string {
  return Object.entries(event.args)
    .map(([key, value]) => {
      if (AMOUNT_KEYS.has(key)) return `${key} ${formatGrid(value)}`;
      if (typeof value === 'string' && value.startsWith('0x') && value.length === 42)
        return `${key} ${shortAddress(value)}`;
      if (typeof value === 'string' && value.startsWith('0x')) return `${key} ${value.slice(0, 10)}…`;
      return `${key} ${value}`;
    })
    .join(', ');
}

function EventTable({
  events,
  label,
  testId,
}: {
  events: readonly LedgerEvent[];
  label: string;
  testId: string;
}) {
  if (events.length === 0) return <p className="muted">None yet.</p>;
  return (
    <div className="table-wrap">
      <table aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Block</th>
            <th scope="col">Contract</th>
            <th scope="col">Event</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {[...events].reverse().map((event) => (
            <tr key={`${event.transactionHash}:${event.name}:${argsOf(event)}`} data-event={event.name}>
              <td>{event.blockNumber}</td>
              <td>{event.contract === 'staking' ? 'Staking' : 'PaymentChannels'}</td>
              <td>{event.name}</td>
              <td>{argsOf(event)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LedgerPage() {
  const ledger = usePolled<{ ledger: Ledger }>('/v1/ledger', 5_000);
  const network = usePolled<NetworkInfo>('/v1/network', 60_000);
  const providers = usePolled<{ providers: Provider[] }>('/v1/providers', 10_000);
  const providerSet = new Set(providers.data?.providers.map((p) => p.address));
  const roleOf = (address: string) =>
    address === network.data?.coordinator
      ? 'coordinator'
      : providerSet.has(address as `0x${string}`)
        ? 'provider'
        : 'client';
  const data = ledger.data?.ledger;
  const events = data?.events ?? [];
  return (
    <section aria-labelledby="ledger-title">
      <h1 id="ledger-title">Ledger</h1>
      <p className="muted">
        Read from the chain
        {network.data &&
          ` (chain ${network.data.chainId}, token ${shortAddress(network.data.token)}, staking ${shortAddress(network.data.staking)}, channels ${shortAddress(network.data.paymentChannels)})`}
        {data && ` at block ${data.blockNumber}`}.
      </p>
      <Status error={ledger.error} loading={!data} />
      {data && (
        <>
          <h2>Accounts</h2>
          <div className="table-wrap">
            <table aria-label="Token balances, stakes and channel deposits" data-testid="ledger-accounts">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Role</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Stake bonded</th>
                  <th scope="col">Unbonding</th>
                  <th scope="col">Channel deposit</th>
                </tr>
              </thead>
              <tbody>
                {data.accounts.map((account) => (
                  <tr key={account.address} data-address={account.address}>
                    <td className="mono">{account.address}</td>
                    <td>{roleOf(account.address)}</td>
                    <td>{formatGrid(account.tokens)}</td>
                    <td>{formatGrid(account.stakeBonded)}</td>
                    <td>{formatGrid(account.stakeUnbonding)}</td>
                    <td>{formatGrid(account.deposit)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Vouchers</h2>
          <p className="muted">
            The latest voucher of each client to each provider (signed off-chain), against what the provider
            has redeemed on-chain.
          </p>
          {data.channels.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <div className="table-wrap">
              <table aria-label="Vouchers and redemptions per channel" data-testid="ledger-vouchers">
                <thead>
                  <tr>
                    <th scope="col">Client</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Vouchered</th>
                    <th scope="col">Redeemed on-chain</th>
                    <th scope="col">Not yet redeemed</th>
                  </tr>
                </thead>
                <tbody>
                  {data.channels.map((channel) => (
                    <tr key={`${channel.client}:${channel.provider}`}>
                      <td className="mono">{shortAddress(channel.client)}</td>
                      <td className="mono">{shortAddress(channel.provider)}</td>
                      <td>
                        {formatGrid(channel.vouchered)} (nonce {channel.voucherNonce})
                      </td>
                      <td>
                        {formatGrid(channel.redeemed)} (nonce {channel.redeemedNonce})
                      </td>
                      <td>{formatGrid((BigInt(channel.vouchered) - BigInt(channel.redeemed)).toString())}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Voucher redemptions</h2>
          <EventTable
            label="Vouchers redeemed on-chain"
            testId="ledger-redemptions"
            events={events.filter((e) => e.name === 'VoucherRedeemed' || e.name === 'Paid')}
          />
          <h2>Slashing</h2>
          <EventTable
            label="Slashing events"
            testId="ledger-slashes"
            events={events.filter((e) => e.name === 'Slashed')}
          />
          <h2>All events</h2>
          <EventTable
            label="Every Staking and PaymentChannels event"
            testId="ledger-events"
            events={events}
          />
        </>
      )}
    </section>
  );
}
