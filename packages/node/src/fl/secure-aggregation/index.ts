/**
 * Secure aggregation for federated learning: the server learns only the sum of the surviving
 * clients' updates (Bonawitz et al. 2017, with the sparse SecAgg+ graph of Bell et al. 2020).
 */
export { signAdvertisement, verifyAdvertisement } from './advertisement.js';
export { SecAggClient, type SecAggClientOptions } from './client.js';
export { graphSeed, planRound, type RoundPlan, type SecAggConfig } from './config.js';
export { isSecAggError, SecAggError } from './errors.js';
export {
  assertNoOverflow,
  decodeSum,
  encodeFixedPoint,
  type FixedPoint,
  fixedPointScaleFor,
  MAX_SUM_MAGNITUDE,
  ringAdd,
  ringAddInto,
  ringSub,
  ringSubInto,
} from './fixed-point.js';
export {
  advertisementText,
  decodeMaskedInput,
  type EncryptedShare,
  encodeMaskedInput,
  type KeyAdvertisement,
  type RevealedShare,
  type UnmaskRequest,
  type UnmaskShares,
} from './messages.js';
export { neighbourGraph } from './neighbours.js';
export { expandMask } from './prg.js';
export { type SecAggResult, SecAggServer, type UnmaskSumInput, unmaskSum } from './server.js';
export { combine, randomFieldElement, SHAMIR_PRIME, type Share, split } from './shamir.js';
export { type SimulatedRound, simulateRound } from './simulate.js';
