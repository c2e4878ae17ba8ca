/**
 * EIP-712 type definitions of every protocol message. Each message names its author
 * (see AUTHOR_FIELD) and carries a nonce and an expiry (unix seconds) against replay.
 * The Voucher layout must match PaymentChannels.VOUCHER_TYPEHASH exactly.
 */
export const MESSAGE_TYPES = {
  Offer: [
    { name: 'provider', type: 'address' },
    { name: 'region', type: 'string' },
    { name: 'runtimes', type: 'string[]' },
    { name: 'models', type: 'string[]' },
    { name: 'cpuCores', type: 'uint32' },
    { name: 'memoryMb', type: 'uint32' },
    { name: 'gpuCount', type: 'uint32' },
    { name: 'gpuModel', type: 'string' },
    { name: 'vramMb', type: 'uint32' },
    { name: 'pricePerCpuSecond', type: 'uint256' },
    { name: 'pricePerGpuSecond', type: 'uint256' },
    { name: 'pricePerGbSecond', type: 'uint256' },
    { name: 'pricePer1kTokens', type: 'uint256' },
    { name: 'minJobSeconds', type: 'uint32' },
    { name: 'maxJobSeconds', type: 'uint32' },
    { name: 'availableFrom', type: 'uint64' },
    { name: 'availableUntil', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  JobSpec: [
    { name: 'client', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'runtime', type: 'string' },
    { name: 'moduleCid', type: 'string' },
    { name: 'inputCids', type: 'string[]' },
    { name: 'args', type: 'string[]' },
    { name: 'cpuCores', type: 'uint32' },
    { name: 'memoryMb', type: 'uint32' },
    { name: 'vramMb', type: 'uint32' },
    { name: 'gpuClass', type: 'string' },
    { name: 'maxPrice', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
    { name: 'region', type: 'string' },
    { name: 'maxRttMs', type: 'uint32' },
    { name: 'maxSeconds', type: 'uint32' },
    { name: 'minReputation', type: 'uint32' },
    { name: 'verification', type: 'string' },
    { name: 'privacy', type: 'string' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  JobCancel: [
    { name: 'client', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  Assignment: [
    { name: 'coordinator', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'provider', type: 'address' },
    { name: 'price', type: 'uint256' },
    { name: 'leaseExpiry', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  ResultCommit: [
    { name: 'provider', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'commitment', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  ResultReveal: [
    { name: 'provider', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'outputCid', type: 'string' },
    { name: 'salt', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  Heartbeat: [
    { name: 'provider', type: 'address' },
    { name: 'sequence', type: 'uint64' },
    { name: 'cpuLoadPermille', type: 'uint32' },
    { name: 'memoryFreeMb', type: 'uint32' },
    { name: 'activeJobs', type: 'uint32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  Voucher: [
    { name: 'client', type: 'address' },
    { name: 'provider', type: 'address' },
    { name: 'cumulativeAmount', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  ArtifactRequest: [
    { name: 'requester', type: 'address' },
    { name: 'action', type: 'string' },
    { name: 'cid', type: 'string' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  LeaseKeys: [
    { name: 'client', type: 'address' },
    { name: 'jobId', type: 'bytes32' },
    { name: 'provider', type: 'address' },
    { name: 'secrets', type: 'string' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const;

export type MessageKind = keyof typeof MESSAGE_TYPES;

export const MESSAGE_KINDS = Object.keys(MESSAGE_TYPES) as MessageKind[];

/** The field naming who must sign each kind of message. */
export const AUTHOR_FIELD = {
  Offer: 'provider',
  JobSpec: 'client',
  JobCancel: 'client',
  Assignment: 'coordinator',
  ResultCommit: 'provider',
  ResultReveal: 'provider',
  Heartbeat: 'provider',
  Voucher: 'client',
  ArtifactRequest: 'requester',
  LeaseKeys: 'client',
} as const satisfies Record<MessageKind, string>;
