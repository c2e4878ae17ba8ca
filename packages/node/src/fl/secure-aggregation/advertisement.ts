import { type Hex, hexToBytes, type LocalAccount, toHex, verifyMessage } from 'viem';
import type { SecAggConfig } from './config.js';
import { SecAggError } from './errors.js';
import { advertisementText, type KeyAdvertisement } from './messages.js';

/** Signs a client's two ephemeral public keys with its identity (wallet) key. */
export async function signAdvertisement(
  account: LocalAccount,
  roundId: string,
  cPublicKey: Uint8Array,
  sPublicKey: Uint8Array,
): Promise<KeyAdvertisement> {
  const unsigned = {
    address: account.address.toLowerCase(),
    cPublicKey: toHex(cPublicKey),
    sPublicKey: toHex(sPublicKey),
  };
  return {
    ...unsigned,
    signature: await account.signMessage({ message: advertisementText(unsigned, roundId) }),
  };
}

export interface AdvertisedKeys {
  cPublicKey: Uint8Array;
  sPublicKey: Uint8Array;
}

/**
 * The keys of an advertisement, once it is checked: from a participant, signed by that participant's
 * identity key for this round, with two distinct compressed keys. Without the signature a server
 * could stand in the middle of every pair and read the shares.
 */
export async function verifyAdvertisement(
  advert: KeyAdvertisement,
  config: SecAggConfig,
): Promise<AdvertisedKeys> {
  const { address, signature } = advert;
  if (!config.participants.includes(address))
    throw new SecAggError(`advertisement from ${address}, who is not a participant of the round`, {
      address,
    });
  const cPublicKey = compressedKey(advert.cPublicKey, address);
  const sPublicKey = compressedKey(advert.sPublicKey, address);
  // Bonawitz et al. require distinct keys: one key in both roles would let one agreement serve both.
  if (advert.cPublicKey === advert.sPublicKey)
    throw new SecAggError(`advertisement of ${address} uses one key for both roles`, { address });
  let valid = false;
  try {
    valid = await verifyMessage({
      address: address as Hex,
      message: advertisementText(advert, config.roundId),
      signature,
    });
  } catch {
    valid = false;
  }
  if (!valid)
    throw new SecAggError(`advertisement of ${address} is not signed by ${address} for this round`, {
      address,
    });
  return { cPublicKey, sPublicKey };
}

function compressedKey(hex: Hex, address: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(hex);
  } catch {
    bytes = new Uint8Array();
  }
  if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3))
    throw new SecAggError(`advertisement of ${address} has a malformed public key`, { address });
  return bytes;
}
