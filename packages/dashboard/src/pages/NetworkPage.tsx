import { usePolled } from '../api/live.js';
import type { Provider, Stats } from '../api/types.js';
import { LineChart } from '../components/LineChart.js';
import { StatCard } from '../components/StatCard.js';
import { Status } from '../components/Status.js';
import { WorldMap } from '../components/WorldMap.js';
import { formatGrid } from '../format.js';

const POLL_MS = 2_000;

export function NetworkPage() {
  const stats = usePolled<Stats>('/v1/stats', POLL_MS);
  const providers = usePolled<{ providers: Provider[] }>('/v1/providers', POLL_MS);
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
    </section>
  );
}
