import { usePolled } from '../api/live.js';
import type { Provider } from '../api/types.js';
import { StateBadge } from '../components/StateBadge.js';
import { Status } from '../components/Status.js';
import { formatGrid, modelName, shortAddress, timeAgo } from '../format.js';
import { hrefOf } from '../routing.js';
import { availabilityOf, hardwareOf, providerState } from './provider-view.js';

export function ProvidersPage() {
  const { data, error } = usePolled<{ providers: Provider[] }>('/v1/providers', 2_000);
  const providers = data?.providers ?? [];
  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Providers</h1>
      <Status error={error} loading={!data} />
      {data && providers.length === 0 && <p>No provider has made an offer yet.</p>}
      {providers.length > 0 && (
        <div className="table-wrap">
          <table aria-labelledby="providers-title">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">State</th>
                <th scope="col">Region</th>
                <th scope="col">Hardware</th>
                <th scope="col">Runtimes</th>
                <th scope="col">Models</th>
                <th scope="col">Price / CPU-s</th>
                <th scope="col">Reputation</th>
                <th scope="col">Stake</th>
                <th scope="col">Earned</th>
                <th scope="col">Jobs done / failed</th>
                <th scope="col">Available</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((provider) => (
                <tr key={provider.address} data-testid="provider-row" data-address={provider.address}>
                  <td>
                    <a href={hrefOf({ page: 'providers', address: provider.address })} className="mono">
                      {shortAddress(provider.address)}
                    </a>
                  </td>
                  <td data-testid="provider-state">
                    <StateBadge state={providerState(provider)} />
                  </td>
                  <td>{provider.offer.region}</td>
                  <td>{hardwareOf(provider)}</td>
                  <td>{provider.offer.runtimes.join(', ')}</td>
                  <td title={provider.offer.models.join('\n')}>
                    {provider.offer.models.map(modelName).join(', ') || '—'}
                  </td>
                  <td>{formatGrid(provider.offer.pricePerCpuSecond)}</td>
                  <td>{provider.reputation.toFixed(3)}</td>
                  <td>{formatGrid(provider.stake)}</td>
                  <td data-testid="provider-earned">{formatGrid(provider.earned)}</td>
                  <td>
                    {provider.jobsCompleted} / {provider.jobsFailed}
                  </td>
                  <td>{availabilityOf(provider)}</td>
                  <td>{timeAgo(provider.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
