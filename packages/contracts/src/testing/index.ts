// Test and benchmark support: a throwaway anvil chain with deployed contracts. Not for production code.
export { type ChannelDriver, channelDriver } from './channel-driver.js';
export { expectFailure } from './expect-revert.js';
export { type Actor, registerCoordinator, startTestChain, type TestChain } from './test-chain.js';
export { timelockActor } from './timelock.js';
