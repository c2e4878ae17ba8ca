import { toWireJson } from '@idlegrid/protocol';
import type { ChainContext } from '@idlegrid/sdk';
import type { FastifyInstance } from 'fastify';
import { forecastRows } from '../../governance/forecast/forecast-table.js';
import { listProposals } from '../../governance/list-proposals.js';
import { readNetworkParameters } from '../../governance/read-parameters.js';

/**
 * `/v1/governance`: the parameters in force and every proposal with its state, votes and
 * forecast (whether it still matches its hash), for the dashboard. Read from the chain.
 */
export function governanceRoutes(app: FastifyInstance, deps: { chain: ChainContext }): void {
  app.get('/v1/governance', async (_request, reply) => {
    const [parameters, proposals] = await Promise.all([
      readNetworkParameters(deps.chain.network),
      listProposals(deps.chain),
    ]);
    return reply.type('application/json').send(
      toWireJson({
        governor: deps.chain.network.governor,
        timelock: deps.chain.network.timelock,
        parameters,
        proposals: proposals.map(({ description: _text, forecast, ...proposal }) => ({
          ...proposal,
          ...(forecast
            ? {
                forecast: {
                  hash: forecast.hash,
                  intact: forecast.intact,
                  settings: forecast.data.settings,
                  rows: forecastRows(forecast.data),
                },
              }
            : {}),
        })),
      }),
    );
  });
}
