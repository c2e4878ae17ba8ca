// The parts of the protocol that load in a few milliseconds (no viem, no zod), for the CLI's
// fast paths and for browsers: error codes, the error class, wire JSON and amounts.
export { DECIMALS, exactDecimal, formatAmount, parseAmount } from './amounts/amounts.js';
export { ERROR_CODES, type ErrorCode } from './errors/codes.js';
export { httpStatusOf } from './errors/http-status.js';
export { IdlegridError, type IdlegridErrorOptions, isIdlegridError } from './errors/idlegrid-error.js';
export { checksumAddress } from './hashing/eip55.js';
export { parseWireJson, toWireJson } from './signing/wire.js';
