import { usePolled } from '../api/live.js';
import type { FlRun, Provider } from '../api/types.js';
import { LineChart } from '../components/LineChart.js';
import { StateBadge } from '../components/StateBadge.js';
import { Status } from '../components/Status.js';
import { WorldMap } from '../components/WorldMap.js';
import { formatGrid, shortAddress } from '../format.js';
import { hrefOf } from '../routing.js';

function modeOf(run: FlRun): string {
  const parts = [run.settings.strategy];
  if (run.settings.secureAggregation) parts.push('secure aggregation');
  if (run.settings.dp) parts.push(`DP (${run.settings.dp.level}, ε ≤ ${run.settings.dp.epsilon})`);
  return parts.join(' · ');
}

/** Federated runs, newest first. */
export function FederatedPage() {
  const runs = usePolled<{ runs: FlRun[] }>('/v1/fl/runs', 3_000);
  return (
    <section aria-labelledby="fl-title">
      <h1 id="fl-title">Federated runs</h1>
      <p className="muted">
        Models trained where the data lives: each round, providers that hold the dataset train on their own
        records and send only their update.
      </p>
      <Status error={runs.error} loading={!runs.data} />
      {runs.data && runs.data.runs.length === 0 && (
        <p className="muted">None yet: npx idlegrid fl run --model mnist-mlp --dataset mnist</p>
      )}
      {runs.data && runs.data.runs.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Federated runs" data-testid="fl-runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">State</th>
                <th scope="col">Rounds</th>
                <th scope="col">Dataset</th>
                <th scope="col">Mode</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((run) => (
                <tr key={run.id}>
                  <td>
                    <a href={hrefOf({ page: 'federated', id: run.id })}>{run.id.slice(0, 10)}…</a>
                  </td>
                  <td>
                    <StateBadge state={run.state} />
                  </td>
                  <td>
                    {run.roundsDone}/{run.settings.rounds}
                  </td>
                  <td>{run.dataset}</td>
                  <td>{modeOf(run)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One run: its rounds, who took part (on the map), the accuracy curve and the privacy spent. */
export function FederatedRunDetail({ id }: { id: string }) {
  const run = usePolled<{ run: FlRun }>(`/v1/fl/runs/${id}`, 2_000);
  const providers = usePolled<{ providers: Provider[] }>('/v1/providers', 10_000);
  const data = run.data?.run;
  const participants = new Set(data?.rounds.flatMap((r) => r.participants.map((p) => p.provider)) ?? []);
  const evaluated = data?.rounds.filter((r) => r.evaluation) ?? [];
  const spent = data?.rounds.filter((r) => r.epsilon !== null) ?? [];
  return (
    <section aria-labelledby="fl-run-title">
      <h1 id="fl-run-title">Federated run {id.slice(0, 10)}…</h1>
      <Status error={run.error} loading={!data} />
      {data && (
        <>
          <p>
            <StateBadge state={data.state} /> {data.roundsDone} of {data.settings.rounds} rounds on{' '}
            <strong>{data.dataset}</strong> · {modeOf(data)} · {formatGrid(data.pricePerUpdate)} an update
            {data.reason && <span className="muted"> · {data.reason}</span>}
          </p>
          <h2>Participants</h2>
          <WorldMap
            providers={(providers.data?.providers ?? []).filter((p) => participants.has(p.address))}
          />
          <h2>Accuracy</h2>
          {evaluated.length > 0 ? (
            <LineChart
              label="Accuracy of the global model on the client's test set, by round"
              xLabel="round"
              unit="%"
              series={[{ label: 'accuracy', values: evaluated.map((r) => 100 * r.evaluation!.accuracy) }]}
            />
          ) : (
            <p className="muted">The client has not reported its evaluation of any round.</p>
          )}
          {spent.length > 0 && (
            <>
              <h2>Privacy spent</h2>
              <LineChart
                label="ε spent after each round"
                xLabel="round"
                series={[{ label: 'ε', values: spent.map((r) => r.epsilon!) }]}
              />
            </>
          )}
          <h2>Rounds</h2>
          <div className="table-wrap">
            <table aria-label="Rounds" data-testid="fl-rounds">
              <thead>
                <tr>
                  <th scope="col">Round</th>
                  <th scope="col">Took part</th>
                  <th scope="col">Dropped</th>
                  <th scope="col">Rejected</th>
                  <th scope="col">Outliers</th>
                  <th scope="col">Training loss</th>
                  <th scope="col">Accuracy</th>
                  <th scope="col">ε</th>
                </tr>
              </thead>
              <tbody>
                {data.rounds.map((r) => (
                  <tr key={r.round}>
                    <td>{r.round}</td>
                    <td>{r.participants.length}</td>
                    <td>{r.dropped.map(shortAddress).join(', ') || '-'}</td>
                    <td>
                      {r.rejected.map((x) => `${shortAddress(x.provider)} (${x.code})`).join(', ') || '-'}
                    </td>
                    <td>{r.outliers.map(shortAddress).join(', ') || '-'}</td>
                    <td>{r.loss === null ? '-' : r.loss.toFixed(3)}</td>
                    <td>{r.evaluation ? `${(100 * r.evaluation.accuracy).toFixed(1)}%` : '-'}</td>
                    <td>{r.epsilon === null ? '-' : r.epsilon.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
