import { usePolled } from '../api/live.js';
import type { NetworkInfo, Provider, Stats } from '../api/types.js';
import { LineChart } from '../components/LineChart.js';
import { StatCard } from '../components/StatCard.js';
import { Status } from '../components/Status.js';
import { WorldMap } from '../components/WorldMap.js';
import { formatGrid } from '../format.js';

const POLL_MS = 2_000;

export function NetworkPage() {
  const stats = usePolled<Stats>('/v1/stats', POLL_MS);
  const providers = usePolled<{ providers: Provider[] }>('/v1/providers', POLL_MS);
  const network = usePolled<NetworkInfo>('/v1/network', POLL_MS);
  const s = stats.data;
  return (
    <section aria-labelledby="network-title">
      <h1 id="network-title">Network</h1>
      <Status error={stats.error ?? providers.error} loading={!s} />
      {s && (
        <div className="stats">
          <StatCard
            label="providers online"
            value={`${s.providers.online} / ${s.providers.known}`}
            testId="providers-online"
          />
          <StatCard
            label="jobs running"
            value={(s.jobs.running ?? 0) + (s.jobs.verifying ?? 0)}
            testId="jobs-running"
          />
          <StatCard label="jobs/s (10 s)" value={s.jobsPerSecond.toFixed(1)} testId="jobs-per-second" />
          <StatCard
            label="jobs accepted"
            value={(s.jobs.accepted ?? 0) + (s.jobs.settled ?? 0)}
            testId="jobs-accepted"
          />
          <StatCard label="tokens paid" value={formatGrid(s.tokensPaid)} testId="tokens-paid" />
        </div>
      )}
      <div className="grid-2">
        <div className="panel">
          <h2>Providers by region</h2>
          <WorldMap providers={providers.data?.providers ?? []} />
        </div>
        <div className="panel">
          <h2>Throughput</h2>
          {s && (
            <LineChart
              label="Jobs accepted per second over the last five minutes"
              series={[{ label: 'accepted jobs/s', values: s.acceptedPerSecond }]}
              xLabel="last 5 min"
            />
          )}
        </div>
      </div>
      {network.data && <MeshPanel network={network.data} />}
    </section>
  );
}

/** The coordinators this one hears of through the mesh: where clients and providers fail over to. */
function MeshPanel({ network }: { network: NetworkInfo }) {
  const { coordinators, providers } = network.mesh;
  return (
    <div className="panel" data-testid="mesh">
      <h2>Mesh</h2>
      <p>
        This coordinator and {coordinators.length} other{coordinators.length === 1 ? '' : 's'};{' '}
        {providers.length} provider{providers.length === 1 ? '' : 's'} joined to them.
      </p>
      {coordinators.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">coordinator</th>
              <th scope="col">API</th>
              <th scope="col">providers</th>
            </tr>
          </thead>
          <tbody>
            {coordinators.map((coordinator) => (
              <tr key={coordinator.address}>
                <td className="mono">{coordinator.address}</td>
                <td>
                  <a href={coordinator.apiUrl}>{coordinator.apiUrl}</a>
                </td>
                <td>{coordinator.providers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
