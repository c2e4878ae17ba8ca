import {
  castVote,
  delegateVotes,
  executeProposal,
  listProposals,
  PARAMETER_HELP,
  PARAMETER_NAMES,
  type ProposalSummary,
  proposeParameter,
  queueProposal,
  readNetworkParameters,
  type Support,
  votesOf,
} from '@idlegrid/node';
import { IdlegridError } from '@idlegrid/protocol/light';
import { connect, loadKey, readNetworkConfig } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { getAddress, isAddress } from 'viem';
import { contextOf } from '../context.js';
import { formatTokens, table } from '../format.js';

const KEY_OPTION = [
  '--key <name>',
  'key file that signs (default funder: the treasury of a localnet)',
  'funder',
] as const;

/** The signer's chain context from its key file and the data directory's network. */
async function signerOf(command: Command, keyName: string) {
  const { config, out } = await contextOf(command);
  const network = await readNetworkConfig(config.dataDir);
  const account = await loadKey(config.dataDir, keyName);
  return { ctx: connect(network, account), account, out };
}

function proposalIdOf(text: string): bigint {
  if (!/^\d+$/.test(text)) {
    throw new IdlegridError('INVALID_ARGUMENT', `a proposal id is a decimal number, got "${text}"`, {
      details: { hint: 'list them with: idlegrid gov list' },
    });
  }
  return BigInt(text);
}

export function registerGovCommands(gov: Command): void {
  gov.description(
    `vote on the network's parameters with GRID: ${PARAMETER_NAMES.join(', ')} (docs/governance.md)`,
  );

  gov
    .command('params')
    .description('the governed parameters in force')
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const values = await readNetworkParameters(await readNetworkConfig(config.dataDir));
      out.result(values, () =>
        table(
          Object.entries(values).map(([name, value]) => [
            name,
            typeof value === 'object' ? JSON.stringify(value) : String(value),
          ]),
        ),
      );
    });

  gov
    .command('delegate')
    .description('count your GRID as votes (yours, or lent to --to); do it before voting on a proposal opens')
    .option('--to <address>', 'who votes with your tokens (default: yourself)')
    .option(...KEY_OPTION)
    .action(async (options: { to?: string; key: string }, command: Command) => {
      const { ctx, account, out } = await signerOf(command, options.key);
      if (options.to !== undefined && !isAddress(options.to)) {
        throw new IdlegridError('INVALID_ARGUMENT', `--to must be an address, got "${options.to}"`);
      }
      const to = options.to === undefined ? account.address : getAddress(options.to);
      const sent = await delegateVotes(ctx, to);
      const votes = await votesOf(ctx, to);
      out.result(
        { delegate: to, votes, transactionHash: sent.hash },
        () => `${to} now votes with ${formatTokens(votes)}`,
      );
    });

  gov
    .command('propose')
    .description(
      'propose a parameter change; the simulators forecast it, and the forecast goes in the proposal',
    )
    .requiredOption(
      '--param <name>',
      `one of: ${PARAMETER_NAMES.map((n) => `${n} (${PARAMETER_HELP[n]})`).join('; ')}`,
    )
    .requiredOption('--value <value>', 'the new value')
    .option('--description <text>', 'why: what voters read above the forecast', '')
    .option(...KEY_OPTION)
    .action(
      async (
        options: { param: string; value: string; description: string; key: string },
        command: Command,
      ) => {
        const { ctx, out } = await signerOf(command, options.key);
        out.step(
          `forecasting ${options.param} = ${options.value} with the marketplace and verification simulators`,
        );
        const proposal = await proposeParameter(ctx, {
          param: options.param,
          value: options.value,
          text: options.description,
        });
        out.result(proposal, () =>
          [
            `proposed ${proposal.proposalId}`,
            '',
            proposal.description.replace(/\n<!-- idlegrid-forecast[\s\S]*$/, ''),
            '',
            `vote once it opens: idlegrid gov vote ${proposal.proposalId} --support for`,
          ].join('\n'),
        );
      },
    );

  gov
    .command('vote')
    .description('vote on an open proposal with the votes you had when it opened')
    .argument('<proposal-id>')
    .option('--support <choice>', 'for, against or abstain', 'for')
    .option('--reason <text>', 'said with the vote, on-chain', '')
    .option(...KEY_OPTION)
    .action(
      async (id: string, options: { support: string; reason: string; key: string }, command: Command) => {
        if (!['for', 'against', 'abstain'].includes(options.support)) {
          throw new IdlegridError(
            'INVALID_ARGUMENT',
            `--support is for, against or abstain, got "${options.support}"`,
          );
        }
        const { ctx, out } = await signerOf(command, options.key);
        const { weight, sent } = await castVote(
          ctx,
          proposalIdOf(id),
          options.support as Support,
          options.reason,
        );
        out.result(
          { proposalId: id, support: options.support, weight, transactionHash: sent.hash },
          () => `voted ${options.support} on ${id} with ${formatTokens(weight)}`,
        );
      },
    );

  for (const [name, action, description] of [
    ['queue', queueProposal, 'queue a passed proposal in the timelock'],
    ['execute', executeProposal, 'apply a queued proposal once its timelock delay is over'],
  ] as const) {
    gov
      .command(name)
      .description(description)
      .argument('<proposal-id>')
      .option(...KEY_OPTION)
      .action(async (id: string, options: { key: string }, command: Command) => {
        const { ctx, out } = await signerOf(command, options.key);
        const sent = await action(ctx, proposalIdOf(id));
        out.result(
          { proposalId: id, transactionHash: sent.hash },
          () => `${name === 'queue' ? 'queued' : 'executed'} ${id}`,
        );
      });
  }

  gov
    .command('list')
    .description('proposals, newest first, with their state, votes and forecast')
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const proposals = await listProposals(connect(await readNetworkConfig(config.dataDir)));
      out.result(
        proposals.map(({ forecast, ...rest }) => ({
          ...rest,
          ...(forecast
            ? { forecast: { hash: forecast.hash, intact: forecast.intact, data: forecast.data } }
            : {}),
        })),
        () => (proposals.length === 0 ? 'no proposals yet' : proposals.map(describe).join('\n\n')),
      );
    });
}

function describe(proposal: ProposalSummary): string {
  const { votes } = proposal;
  const lines = [
    `${proposal.id}  ${proposal.state}  ${proposal.title}`,
    `  votes: for ${formatTokens(votes.for)}, against ${formatTokens(votes.against)}, abstain ${formatTokens(votes.abstain)} (quorum ${formatTokens(votes.quorum)})`,
    `  voting: ${iso(proposal.voteStart)} to ${iso(proposal.voteEnd)}${votes.eta > 0n ? `; executable from ${iso(votes.eta)}` : ''}`,
  ];
  if (!proposal.forecast) lines.push('  no forecast attached');
  else {
    lines.push(
      `  forecast sha256 ${proposal.forecast.hash} (${proposal.forecast.intact ? 'intact' : 'DOES NOT MATCH: tampered'})`,
      ...proposal.forecast.table.split('\n').map((line) => `  ${line}`),
    );
  }
  return lines.join('\n');
}

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();
