import { gridTokenAbi, ONE_TOKEN, paymentChannelsAbi, sendContractTx } from '@idlegrid/contracts';
import { channelDriver, startTestChain, type TestChain } from '@idlegrid/contracts/testing';
import type { Voucher } from '@idlegrid/protocol';
import { deposit } from '@idlegrid/sdk';
import type { Hex } from 'viem';
import { governanceGasSection } from './governance-gas.js';
import { machineLine, markdownTable, writeSection } from './report.js';

/**
 * Gas of paying providers through cumulative vouchers against the baseline of paying
 * every job with a plain ERC-20 transfer, measured on a real chain in the same run.
 */
const JOB_PRICE = ONE_TOKEN / 100n;
const BATCHES = [1, 10, 100, 1000];
const MANY = [1, 10, 50];
/** The 1,000-job row of this section before GridToken gained ERC20Votes and the fee became a governed storage value (commit 8268a8a). */
const BEFORE_VOTES = { transfer: 34_354n, laterRedeem: 70_235n };

/** Gas of the provider's first redemption from a client (cold storage) and of a later one, each covering `jobs` jobs. */
async function voucherRedeemGas(chain: TestChain, jobs: number): Promise<{ first: bigint; later: bigint }> {
  const channels = channelDriver(chain);
  const client = await chain.fundedActor(2n * BigInt(jobs) * JOB_PRICE);
  const provider = await chain.newActor();
  await channels.deposit(client, 2n * BigInt(jobs) * JOB_PRICE);
  // Warm the provider's token balance, as for any provider that was paid before.
  await chain.transferTokens(chain.treasury, provider.address, 1n);
  const expiry = (await chain.now()) + 3_600n;
  const gas: bigint[] = [];
  let job = 0;
  for (const _round of [1, 2]) {
    let latest: { voucher: Voucher; signature: Hex } | undefined;
    for (let i = 0; i < jobs; i++) {
      job++;
      // The client signs one voucher per job; only the latest is ever redeemed.
      const voucher = {
        client: client.address,
        provider: provider.address,
        cumulativeAmount: BigInt(job) * JOB_PRICE,
        nonce: BigInt(job),
        expiry,
      };
      latest = { voucher, signature: await chain.signVoucher(client, voucher) };
    }
    gas.push((await channels.redeem(provider, latest!.voucher, latest!.signature)).receipt.gasUsed);
  }
  return { first: gas[0]!, later: gas[1]! };
}

async function transferBaselineGas(chain: TestChain, jobs: number): Promise<bigint> {
  const client = await chain.fundedActor(BigInt(jobs) * JOB_PRICE);
  const provider = await chain.newActor();
  await chain.transferTokens(chain.treasury, provider.address, 1n);
  let total = 0n;
  for (let job = 0; job < jobs; job++) {
    const sent = await sendContractTx(chain.clientsOf(client), {
      address: chain.contracts.token,
      abi: gridTokenAbi,
      functionName: 'transfer',
      args: [provider.address, JOB_PRICE],
    });
    total += sent.receipt.gasUsed;
  }
  return total;
}

async function redeemManyGas(chain: TestChain, clients: number): Promise<bigint> {
  const channels = channelDriver(chain);
  const provider = await chain.newActor();
  await chain.transferTokens(chain.treasury, provider.address, 1n);
  const expiry = (await chain.now()) + 3_600n;
  const vouchers = [];
  const signatures: Hex[] = [];
  for (let i = 0; i < clients; i++) {
    const client = await chain.fundedActor(JOB_PRICE);
    await channels.deposit(client, JOB_PRICE);
    const voucher = {
      client: client.address,
      provider: provider.address,
      cumulativeAmount: JOB_PRICE,
      nonce: 1n,
      expiry,
    };
    vouchers.push(voucher);
    signatures.push(await chain.signVoucher(client, voucher));
  }
  return (await channels.redeemMany(provider, vouchers, signatures)).receipt.gasUsed;
}

async function depositGas(chain: TestChain) {
  const approveThenDeposit = await chain.fundedActor(ONE_TOKEN);
  const approved = await sendContractTx(chain.clientsOf(approveThenDeposit), {
    address: chain.contracts.token,
    abi: gridTokenAbi,
    functionName: 'approve',
    args: [chain.contracts.paymentChannels, ONE_TOKEN],
  });
  const deposited = await sendContractTx(chain.clientsOf(approveThenDeposit), {
    address: chain.contracts.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'deposit',
    args: [ONE_TOKEN],
  });
  const withPermit = await chain.fundedActor(ONE_TOKEN);
  const network = { rpcUrl: chain.anvil.rpcUrl, embedded: false, ...chain.contracts };
  const permitted = await deposit(
    { network, domain: chain.domain, public: chain.publicClient, wallet: withPermit.wallet },
    ONE_TOKEN,
  );
  return {
    approve: approved.receipt.gasUsed,
    deposit: deposited.receipt.gasUsed,
    permit: permitted.receipt.gasUsed,
  };
}

export async function runGasBenchmark(): Promise<string> {
  const chain = await startTestChain();
  try {
    const deposit = await depositGas(chain);
    const rows: (string | bigint)[][] = [];
    let steady = { transfer: 0n, laterRedeem: 0n };
    for (const jobs of BATCHES) {
      const voucher = await voucherRedeemGas(chain, jobs);
      const baseline = await transferBaselineGas(chain, jobs);
      const perJob = voucher.later / BigInt(jobs);
      const baselinePerJob = baseline / BigInt(jobs);
      const saving = (Number(baselinePerJob - perJob) / Number(baselinePerJob)) * 100;
      steady = { transfer: baselinePerJob, laterRedeem: voucher.later };
      rows.push([
        String(jobs),
        String(voucher.first),
        String(voucher.later),
        String(voucher.first / BigInt(jobs)),
        String(perJob),
        String(baselinePerJob),
        `${saving.toFixed(1)}%`,
      ]);
      console.log(
        `jobs per redemption ${jobs}: voucher ${perJob} gas/job, ERC-20 transfer ${baselinePerJob} gas/job`,
      );
    }
    const manyRows: string[][] = [];
    for (const clients of MANY) {
      const gas = await redeemManyGas(chain, clients);
      manyRows.push([String(clients), String(gas), String(gas / BigInt(clients))]);
      console.log(`redeemMany of ${clients} vouchers: ${gas} gas`);
    }
    // Last: it changes the protocol fee.
    const governance = await governanceGasSection(chain);
    return [
      '## Payment gas: cumulative vouchers against one ERC-20 transfer per job',
      '',
      machineLine(),
      '',
      'Real contracts on anvil (EVM cancun, solc optimizer 10,000 runs). A job costs 0.01 GRID. The voucher',
      'path: the client signs one cumulative voucher per job off-chain (no gas); the provider redeems the',
      'latest one once. The baseline pays each job with its own `transfer`. Gas is the receipt `gasUsed`,',
      'including the 21,000 base cost of each transaction; the provider has been paid before (warm balance).',
      'A first redemption from a client writes new storage (cold); later ones update it (what a running provider pays).',
      '',
      `First deposit of a client: \`approve\` ${deposit.approve} + \`deposit\` ${deposit.deposit} = ${deposit.approve + deposit.deposit} gas in two`,
      `transactions, or \`depositWithPermit\` ${deposit.permit} gas in one (what the SDK's \`deposit\` sends).`,
      '',
      markdownTable(
        [
          'jobs per redemption',
          'first redeem gas',
          'later redeem gas',
          'gas/job, first',
          'gas/job, later (vouchers)',
          'gas/job (ERC-20 transfer)',
          'saving, later vs transfer',
        ],
        rows,
      ),
      '',
      'Redeeming vouchers of many clients in one `redeemMany` call (first redemption of each client: cold storage):',
      '',
      markdownTable(['vouchers in the call', 'gas', 'gas per voucher'], manyRows),
      '',
      governance,
      '',
      `Against this section before governance (1,000-job row, commit 8268a8a): a steady transfer ${BEFORE_VOTES.transfer} -> ${steady.transfer} gas (${signed(steady.transfer - BEFORE_VOTES.transfer)}), a later redemption ${BEFORE_VOTES.laterRedeem} -> ${steady.laterRedeem} gas (${signed(steady.laterRedeem - BEFORE_VOTES.laterRedeem)}: two token transfers with their delegate reads, and the fee read from storage). Where the treasury has delegated its votes, as on a localnet, each redemption's fee transfer also writes the treasury's checkpoint.`,
    ].join('\n');
  } finally {
    await chain.stop();
  }
}

const signed = (value: bigint) => `${value >= 0n ? '+' : ''}${value}`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeSection('gas', await runGasBenchmark());
}
