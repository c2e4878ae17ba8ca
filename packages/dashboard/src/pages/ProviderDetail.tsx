import { describeClaim, describeRisk } from '@idlegrid/sdk/browser';
import { Fragment } from 'react';
import { usePolled } from '../api/live.js';
import type { ProviderDetail as Detail, Job } from '../api/types.js';
import { LineChart } from '../components/LineChart.js';
import { StateBadge } from '../components/StateBadge.js';
import { Status } from '../components/Status.js';
import { formatGrid, formatMb, shortId, timeAgo } from '../format.js';
import { hrefOf } from '../routing.js';
import { availabilityOf, hardwareOf, providerState } from './provider-view.js';

export function ProviderDetail({ address }: { address: string }) {
  const { data, error } = usePolled<{ provider: Detail }>(`/v1/providers/${address}`, 2_000);
  const jobs = usePolled<{ jobs: Job[] }>(`/v1/jobs?provider=${address}&limit=20`, 5_000);
  const provider = data?.provider;
  const telemetry = provider?.telemetry ?? [];
  return (
    <section aria-labelledby="provider-title">
      <p>
        <a href={hrefOf({ page: 'providers' })}>← All providers</a>
      </p>
      <h1 id="provider-title" className="mono">
        {address}
      </h1>
      <Status error={error} loading={!provider} />
      {provider && (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="provider-state">
              <StateBadge state={providerState(provider)} />
            </dd>
            <dt>Region</dt>
            <dd>{provider.offer.region}</dd>
            <dt>Hardware</dt>
            <dd>{hardwareOf(provider)}</dd>
            {provider.claims.map((claim) => (
              <Fragment key={claim.resource}>
                <dt>{claim.resource === 'cpu' ? 'CPU claim' : 'GPU claim'}</dt>
                <dd
                  data-testid={`claim-${claim.resource}`}
                  data-status={claim.status}
                  className={claim.status === 'failed' ? 'error' : ''}
                >
                  {describeClaim(claim)}
                </dd>
              </Fragment>
            ))}
            <dt>Runtimes</dt>
            <dd>{provider.offer.runtimes.join(', ')}</dd>
            <dt>Price per CPU-second</dt>
            <dd>{formatGrid(provider.offer.pricePerCpuSecond)}</dd>
            <dt>Reputation</dt>
            <dd>{provider.reputation.toFixed(3)}</dd>
            <dt>Stake</dt>
            <dd>{formatGrid(provider.stake)}</dd>
            <dt>Earned</dt>
            <dd>{formatGrid(provider.earned)}</dd>
            <dt>Round trip</dt>
            <dd>{provider.rttMs === null ? '—' : `${provider.rttMs.toFixed(1)} ms`}</dd>
            <dt>Available</dt>
            <dd>{availabilityOf(provider)}</dd>
            <dt>Last seen</dt>
            <dd>{timeAgo(provider.lastSeen)}</dd>
            <dt>Drop-out risk</dt>
            <dd
              data-testid="provider-risk"
              data-rising={provider.risk.rising}
              className={provider.risk.rising ? 'error' : ''}
            >
              {describeRisk(provider.risk)}
            </dd>
          </dl>
          <div className="grid-2">
            <div className="panel">
              <h2>CPU load and jobs</h2>
              <LineChart
                label="CPU load (percent) and running jobs, one point per heartbeat"
                xLabel={`last ${telemetry.length} heartbeats`}
                series={[
                  { label: 'CPU load %', values: telemetry.map((t) => t.cpuLoadPermille / 10) },
                  {
                    label: 'running jobs',
                    values: telemetry.map((t) => t.activeJobs),
                    color: 'var(--accent-2)',
                  },
                ]}
              />
            </div>
            <div className="panel">
              <h2>Free memory</h2>
              <LineChart
                label="Free memory in GiB, one point per heartbeat"
                xLabel={`last ${telemetry.length} heartbeats`}
                unit=" GiB"
                series={[{ label: 'free memory', values: telemetry.map((t) => t.memoryFreeMb / 1024) }]}
              />
              <p className="muted">
                Now: {telemetry.length > 0 ? formatMb(telemetry[telemetry.length - 1]!.memoryFreeMb) : '—'}{' '}
                free on the whole machine, of which the provider offers {formatMb(provider.offer.memoryMb)} to
                jobs
              </p>
            </div>
          </div>
          <h2>Recent jobs</h2>
          {jobs.data?.jobs.length === 0 && <p className="muted">None yet.</p>}
          <ul className="plain">
            {(jobs.data?.jobs ?? []).map((job) => (
              <li key={job.id}>
                <a href={hrefOf({ page: 'jobs', id: job.id })} className="mono">
                  {shortId(job.id)}
                </a>{' '}
                <StateBadge state={job.state} /> {formatGrid(job.price)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
