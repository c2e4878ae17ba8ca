import { usePolled } from '../api/live.js';
import type { GovernanceInfo, GovernanceProposal } from '../api/types.js';
import { Status } from '../components/Status.js';
import { formatGrid, shortAddress } from '../format.js';

const POLL_MS = 5_000;

function policyOf(policy: GovernanceInfo['parameters']['defaultVerification']): string {
  if (policy.replicas !== undefined) return `${policy.kind}(${policy.replicas})`;
  return policy.probability === undefined ? policy.kind : `${policy.kind}(${policy.probability})`;
}

/** The badge of a proposal's state: passed or applied, turned down, or still running. */
const BADGE: Record<string, string> = {
  succeeded: 'good',
  queued: 'good',
  executed: 'good',
  defeated: 'bad',
  canceled: 'bad',
  expired: 'bad',
};

const when = (seconds: string) => new Date(Number(seconds) * 1000).toLocaleString();

function Proposal({ proposal }: { proposal: GovernanceProposal }) {
  const { votes, forecast } = proposal;
  return (
    <article className="panel" data-testid="proposal">
      <h2>{proposal.title}</h2>
      <p>
        <span className={`badge ${BADGE[proposal.state] ?? 'busy'}`}>{proposal.state}</span> proposed by{' '}
        {shortAddress(proposal.proposer)}; voting {when(proposal.voteStart)} to {when(proposal.voteEnd)}
        {votes.eta !== '0' && `; executable from ${when(votes.eta)}`}
      </p>
      <p>
        For {formatGrid(votes.for)} · against {formatGrid(votes.against)} · abstain{' '}
        {formatGrid(votes.abstain)} (quorum {formatGrid(votes.quorum)})
      </p>
      {forecast ? (
        <div className="table-wrap">
          <table aria-label={`Forecast of ${proposal.title}`}>
            <caption>
              Forecast by the simulators,{' '}
              {forecast.intact ? 'matching its hash' : <strong>not matching its hash: tampered</strong>}
            </caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Now</th>
                <th scope="col">Proposed</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {forecast.rows.map((row) => (
                <tr key={row.label}>
                  <th scope="row">{row.label}</th>
                  <td>{row.now}</td>
                  <td>{row.proposed}</td>
                  <td>{row.change}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No forecast attached.</p>
      )}
    </article>
  );
}

/** The parameters governance owns, and its proposals with their votes and forecasts. */
export function GovernancePage() {
  const governance = usePolled<GovernanceInfo>('/v1/governance', POLL_MS);
  const g = governance.data;
  return (
    <section aria-labelledby="governance-title">
      <h1 id="governance-title">Governance</h1>
      <Status error={governance.error} loading={!g} />
      {g && (
        <>
          <div className="panel">
            <h2>Parameters in force</h2>
            <dl className="facts" data-testid="governed-parameters">
              <dt>protocol fee</dt>
              <dd>{(g.parameters.feeBps / 100).toFixed(2)}%</dd>
              <dt>stake floor</dt>
              <dd>{g.parameters.stakeFloorMultiplier}× job value</dd>
              <dt>unbonding delay</dt>
              <dd>{(g.parameters.unbondingDelaySeconds / 3600).toFixed(1)} h</dd>
              <dt>challenger share of a slash</dt>
              <dd>{(g.parameters.challengerShareBps / 100).toFixed(0)}%</dd>
              <dt>default verification</dt>
              <dd>{policyOf(g.parameters.defaultVerification)}</dd>
            </dl>
            <p className="muted">
              Owned by the timelock {shortAddress(g.timelock)}; proposals go through the governor{' '}
              {shortAddress(g.governor)} (<code>idlegrid gov propose</code>).
            </p>
          </div>
          {g.proposals.length === 0 ? (
            <p className="muted">No proposals yet.</p>
          ) : (
            g.proposals.map((proposal) => <Proposal key={proposal.id} proposal={proposal} />)
          )}
        </>
      )}
    </section>
  );
}
