import type { Hex, LocalAccount } from 'viem';
import type { NetworkDomain } from '../eip712/domain.js';
import { MESSAGE_TYPES, type MessageKind } from '../eip712/types.js';
import { parseMessage } from '../messages/parse.js';
import type { MessageInput, MessageOf } from '../messages/schemas.js';

export interface SignedMessage<K extends MessageKind = MessageKind> {
  kind: K;
  message: MessageOf<K>;
  signature: Hex;
}

/** Anything that signs EIP-712 typed data: a viem local account or a wallet adapter. */
export type TypedDataSigner = Pick<LocalAccount, 'address' | 'signTypedData'>;

export function typedDataOf<K extends MessageKind>(domain: NetworkDomain, kind: K, message: MessageOf<K>) {
  return {
    domain,
    types: { [kind]: MESSAGE_TYPES[kind] } as Pick<typeof MESSAGE_TYPES, K>,
    primaryType: kind,
    message,
  };
}

/** Validates the message against its schema, then signs it as EIP-712 typed data. */
export async function signMessage<K extends MessageKind>(
  signer: TypedDataSigner,
  domain: NetworkDomain,
  kind: K,
  input: MessageInput<K>,
): Promise<SignedMessage<K>> {
  const message = parseMessage(kind, input);
  // viem's generic typed-data inference cannot follow a kind chosen at run time.
  const signature = await signer.signTypedData(typedDataOf(domain, kind, message) as never);
  return { kind, message, signature };
}
