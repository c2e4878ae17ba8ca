import { useJobFeed } from '../api/live.js';
import type { Job } from '../api/types.js';
import { PrivacyMark } from '../components/PrivacyMark.js';
import { StateBadge } from '../components/StateBadge.js';
import { formatGrid, shortAddress, shortId, timeAgo } from '../format.js';
import { hrefOf } from '../routing.js';
import { useVerification } from './verification.js';

function JobRow({ job }: { job: Job }) {
  const verification = useVerification(job);
  return (
    <tr data-testid="job-row" data-job-id={job.id} data-state={job.state}>
      <td>
        <a href={hrefOf({ page: 'jobs', id: job.id })} className="mono">
          {shortId(job.id)}
        </a>
      </td>
      <td>
        <StateBadge state={job.state} />
      </td>
      <td>
        {job.spec.message.runtime} <PrivacyMark privacy={job.spec.message.privacy} />
      </td>
      <td className="mono">
        {job.provider ? (
          <a href={hrefOf({ page: 'providers', address: job.provider })}>{shortAddress(job.provider)}</a>
        ) : (
          '—'
        )}
      </td>
      <td>{job.price === null ? `≤ ${formatGrid(job.spec.message.maxPrice)}` : formatGrid(job.price)}</td>
      <td data-testid="job-verification">{verification}</td>
      <td className="mono">{shortAddress(job.client)}</td>
      <td>{timeAgo(job.createdAt)}</td>
    </tr>
  );
}

export function JobsPage() {
  const { jobs, connected, loaded } = useJobFeed();
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <p className="muted" aria-live="polite">
        {connected ? 'Live: changes appear as they happen.' : 'Connecting to the event stream…'} Submit one
        from the <a href={hrefOf({ page: 'wallet' })}>Wallet</a> page.
      </p>
      {jobs.length === 0 ? (
        <p data-testid="jobs-empty">{loaded ? 'No jobs yet.' : 'Loading jobs…'}</p>
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="jobs-title">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Runtime</th>
                <th scope="col">Provider</th>
                <th scope="col">Price</th>
                <th scope="col">Verification</th>
                <th scope="col">Client</th>
                <th scope="col">Submitted</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
