import { usePolled } from '../api/live.js';
import type { CollusionAnswer, SybilAnswer } from '../api/types.js';
import { Status } from '../components/Status.js';
import { shortAddress, timeAgo } from '../format.js';
import { hrefOf } from '../routing.js';

const POLL_MS = 5_000;

function Members({ members }: { members: string[] }) {
  return (
    <>
      {members.map((member, index) => (
        <span key={member}>
          {index > 0 && ', '}
          <a className="mono" href={hrefOf({ page: 'providers', address: member })}>
            {shortAddress(member)}
          </a>
        </span>
      ))}
    </>
  );
}

/** What the integrity detectors suspect, with the evidence each finding rests on (docs/integrity.md). */
export function IntegrityPage() {
  const sybil = usePolled<SybilAnswer>('/v1/integrity/sybil', POLL_MS);
  const collusion = usePolled<CollusionAnswer>('/v1/integrity/collusion', POLL_MS);
  return (
    <section aria-labelledby="integrity-title">
      <h1 id="integrity-title">Integrity</h1>
      <h2>Sybil clusters</h2>
      <Status error={sybil.error} loading={!sybil.data} />
      {sybil.data && (
        <>
          <p>
            Identities the sybil model believes run on one machine
            {sybil.data.at ? `, as of ${timeAgo(sybil.data.at)}` : ''}. A cluster gets the work of one
            machine.
          </p>
          {sybil.data.clusters.length === 0 && <p data-testid="sybil-none">No cluster suspected.</p>}
          {sybil.data.clusters.map((cluster) => (
            <article key={cluster.members.join()} className="panel" data-testid="sybil-cluster">
              <h3>
                {cluster.members.length} identities, probability {cluster.score.toFixed(3)}
              </h3>
              <p>
                <Members members={cluster.members} />
              </p>
              <ul>
                {cluster.evidence.map((item) => (
                  <li key={item.feature}>{item.reason}</li>
                ))}
              </ul>
            </article>
          ))}
          {sybil.data.challenged.length > 0 && (
            <div className="table-wrap">
              <table aria-label="Simultaneous challenges">
                <caption>Simultaneous proof-of-hardware challenges</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Identities</th>
                    <th scope="col">Missed their deadline</th>
                  </tr>
                </thead>
                <tbody>
                  {sybil.data.challenged.map((challenge) => (
                    <tr key={challenge.at}>
                      <td>{timeAgo(challenge.at)}</td>
                      <td>{challenge.members.length}</td>
                      <td>{challenge.failed.length}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <h2>Colluding rings and wash trading</h2>
      <Status error={collusion.error} loading={!collusion.data} />
      {collusion.data && (
        <>
          {collusion.data.rings.length + collusion.data.washTrading.length === 0 && (
            <p data-testid="collusion-none">No ring or wash trader suspected.</p>
          )}
          {collusion.data.rings.map((ring) => (
            <article key={ring.id} className="panel" data-testid="collusion-ring">
              <h3>Ring of {ring.members.length}</h3>
              <p>
                <Members members={ring.members} />
              </p>
              <p>{ring.evidence}</p>
            </article>
          ))}
          {collusion.data.washTrading.map((trader) => (
            <article key={trader.client} className="panel" data-testid="wash-trader">
              <h3 className="mono">Client {shortAddress(trader.client)}</h3>
              <p>{trader.evidence}</p>
            </article>
          ))}
        </>
      )}
    </section>
  );
}
