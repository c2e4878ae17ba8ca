import { latestPlacement } from '@idlegrid/sdk/browser';
import { usePolled } from '../api/live.js';
import type { Job, JobEvent, Placement } from '../api/types.js';
import { ErasureReceipts } from '../components/ErasureReceipts.js';
import { PrivacyMark } from '../components/PrivacyMark.js';
import { StateBadge } from '../components/StateBadge.js';
import { Status } from '../components/Status.js';
import { clockTime, formatGrid, shortAddress } from '../format.js';
import { hrefOf } from '../routing.js';
import { outcomeOf, verificationLabel } from './verification.js';

const FINAL = new Set(['settled', 'failed', 'expired', 'cancelled']);

/** Detail keys that hold token amounts in base units (price, cumulativeAmount...): shown in GRID. */
const AMOUNT_KEY = /price|amount|fee|paid|earned/i;

/** A job event's detail in one line: the keys that say why, not the whole record. */
function summary(event: JobEvent): string {
  const { placement: _placement, ...rest } = event.detail;
  const text = JSON.stringify(rest, (key, value) =>
    AMOUNT_KEY.test(key) && typeof value === 'string' && /^\d+$/.test(value) ? formatGrid(value) : value,
  );
  return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function ScoreBreakdown({ placement }: { placement: Placement }) {
  const rows = [placement.chosen, ...placement.runnersUp];
  return (
    <>
      <h2>Why this provider</h2>
      <p className="muted">
        Policy <strong>{placement.policy}</strong>, {placement.considered} providers considered; lower scores
        win.
      </p>
      <div className="table-wrap">
        <table aria-label="Scheduler score breakdown" data-testid="score-breakdown">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Score</th>
              <th scope="col">Cost term</th>
              <th scope="col">Time term</th>
              <th scope="col">Risk term</th>
              <th scope="col">Load term</th>
              <th scope="col">Expected completion</th>
              <th scope="col">Failure risk</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={row.provider} className={index === 0 ? 'chosen' : undefined}>
                <td className="mono">
                  {shortAddress(row.provider)}
                  {index === 0 && ' (chosen)'}
                </td>
                <td>{row.score.toFixed(3)}</td>
                <td>{row.terms.cost.toFixed(3)}</td>
                <td>{row.terms.time.toFixed(3)}</td>
                <td>{row.terms.risk.toFixed(3)}</td>
                <td>{row.terms.load.toFixed(3)}</td>
                <td>{row.expectedCompletionSeconds.toFixed(2)} s</td>
                <td>{(row.failureProbability * 100).toFixed(2)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function JobDetail({ id }: { id: string }) {
  const job = usePolled<{ job: Job }>(`/v1/jobs/${id}`, 1_000);
  const done = job.data !== undefined && FINAL.has(job.data.job.state);
  // A finished job's events no longer change: read them once more, then stop.
  const events = usePolled<{ events: JobEvent[] }>(`/v1/jobs/${id}/events`, done ? 3_600_000 : 1_000);
  const record = job.data?.job;
  const list = events.data?.events ?? [];
  const placement = latestPlacement(list);
  const outcome = outcomeOf(list);
  return (
    <section aria-labelledby="job-title">
      <p>
        <a href={hrefOf({ page: 'jobs' })}>← All jobs</a>
      </p>
      <h1 id="job-title" className="mono">
        Job {id}
      </h1>
      <Status error={job.error} loading={!record} />
      {record && (
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="job-state">
            <StateBadge state={record.state} />
          </dd>
          <dt>Runtime</dt>
          <dd>
            {record.spec.message.runtime} <PrivacyMark privacy={record.spec.message.privacy} />
          </dd>
          <dt>Privacy</dt>
          <dd data-testid="job-privacy">
            {record.spec.message.privacy === 'private'
              ? 'Private: inputs and outputs are sealed; the coordinator relays and compares them without reading them'
              : 'Standard: the coordinator and its providers can read the inputs and outputs'}
          </dd>
          <dt>Arguments</dt>
          <dd className="mono">{record.spec.message.args.join(' ') || '—'}</dd>
          <dt>Client</dt>
          <dd className="mono">{record.client}</dd>
          <dt>Provider</dt>
          <dd className="mono">
            {record.provider ? (
              <a href={hrefOf({ page: 'providers', address: record.provider })}>{record.provider}</a>
            ) : (
              '—'
            )}
          </dd>
          <dt>Price</dt>
          <dd>
            {formatGrid(record.price)} (at most {formatGrid(record.spec.message.maxPrice)})
          </dd>
          <dt>Verification</dt>
          <dd data-testid="job-verification">{verificationLabel(record, outcome)}</dd>
          <dt>Attempt</dt>
          <dd>
            {record.attempt} of {record.maxAttempts}
          </dd>
          <dt>Result</dt>
          <dd className="mono">
            {record.resultCid ? <a href={`/v1/artifacts/${record.resultCid}`}>{record.resultCid}</a> : '—'}
          </dd>
          {record.error && (
            <>
              <dt>Error</dt>
              <dd className="error">
                {record.error.code}: {record.error.message}
              </dd>
            </>
          )}
        </dl>
      )}
      <h2>Timeline</h2>
      <ol className="timeline" data-testid="job-timeline">
        {list.map((event) => (
          <li key={event.seq}>
            <time dateTime={new Date(event.at).toISOString()}>{clockTime(event.at)}</time>{' '}
            {event.from ?? 'new'} → <StateBadge state={event.to} />{' '}
            <span className="mono muted">{summary(event)}</span>
          </li>
        ))}
      </ol>
      {record && record.spec.message.inputCids.length > 0 && (
        <>
          <h2>Erasure</h2>
          {record.spec.message.inputCids.map((cid) => (
            <ErasureReceipts key={cid} cid={cid} />
          ))}
        </>
      )}
      {placement && <ScoreBreakdown placement={placement} />}
    </section>
  );
}
