import type { Address } from 'viem';
import type { MessageKind } from '../eip712/types.js';
import type { MessageInput } from '../messages/schemas.js';

const JOB_ID = `0x${'ab'.repeat(32)}` as const;
const SALT = `0x${'5a'.repeat(32)}` as const;
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

/** A valid message of each kind authored by `author`, expiring at `expiry`: test fixtures. */
export function sampleMessages(author: Address, expiry: bigint): { [K in MessageKind]: MessageInput<K> } {
  const replay = { nonce: 1n, expiry };
  return {
    Offer: {
      provider: author,
      region: 'eu-west',
      runtimes: ['wasm'],
      models: [],
      datasets: ['digits:1797:8x8'],
      cpuCores: 8,
      memoryMb: 16_384,
      gpuCount: 0,
      gpuModel: '',
      vramMb: 0,
      pricePerCpuSecond: 1_000n,
      pricePerGpuSecond: 0n,
      pricePerGbSecond: 0n,
      pricePer1kTokens: 0n,
      minJobSeconds: 0,
      maxJobSeconds: 0,
      availableFrom: 0n,
      availableUntil: 0n,
      ...replay,
    },
    JobSpec: {
      client: author,
      jobId: JOB_ID,
      runtime: 'wasm',
      moduleCid: CID,
      inputCids: [CID],
      args: ['--n', '1000'],
      cpuCores: 1,
      memoryMb: 256,
      vramMb: 0,
      gpuClass: '',
      maxPrice: 10n ** 18n,
      deadline: expiry,
      region: '',
      maxRttMs: 0,
      maxSeconds: 60,
      minReputation: 0,
      verification: 'none',
      privacy: '',
      ...replay,
    },
    JobCancel: { client: author, jobId: JOB_ID, ...replay },
    Assignment: {
      coordinator: author,
      jobId: JOB_ID,
      provider: author,
      price: 5_000n,
      leaseExpiry: expiry,
      ...replay,
    },
    ResultCommit: { provider: author, jobId: JOB_ID, commitment: SALT, ...replay },
    ResultReveal: { provider: author, jobId: JOB_ID, outputCid: CID, salt: SALT, ...replay },
    Heartbeat: {
      provider: author,
      sequence: 7n,
      cpuLoadPermille: 250,
      memoryFreeMb: 4_096,
      activeJobs: 1,
      ...replay,
    },
    Voucher: { client: author, provider: author, cumulativeAmount: 123n, ...replay },
    ArtifactRequest: { requester: author, action: 'put', cid: CID, ...replay },
    ArtifactGrant: {
      owner: author,
      cid: CID,
      grantee: author,
      purpose: 'job',
      until: 1_765_000_000n,
      wrappedKey: '',
      ...replay,
    },
    DeviceBinding: { owner: author, device: author, kind: 'weather-station', ...replay },
    PunishmentNotice: {
      coordinator: author,
      provider: author,
      reason: 'canary-failed',
      evidenceHash: SALT,
      ...replay,
    },
    CoordinatorAnnounce: {
      coordinator: author,
      apiUrl: 'http://127.0.0.1:8080',
      p2p: ['/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAm'],
      providers: 3,
      ...replay,
    },
    ErasureReceipt: { provider: author, cid: CID, erasedAt: 1_765_000_000_000n, ...replay },
    LeaseKeys: {
      client: author,
      jobId: JOB_ID,
      provider: author,
      secrets: `0x${'c3'.repeat(120)}`,
      ...replay,
    },
  };
}
