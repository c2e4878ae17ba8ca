import { MESSAGE_TYPES, type MessageKind } from '../eip712/types.js';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { MESSAGE_SCHEMAS, type MessageOf } from './schemas.js';

export function isMessageKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && Object.hasOwn(MESSAGE_TYPES, value);
}

/** Parses untrusted input into a typed message or throws MESSAGE_INVALID listing every problem. */
export function parseMessage<K extends MessageKind>(kind: K, input: unknown): MessageOf<K> {
  if (!isMessageKind(kind)) {
    throw new IdlegridError('MESSAGE_UNKNOWN_KIND', `unknown message kind: ${String(kind)}`);
  }
  const result = MESSAGE_SCHEMAS[kind].safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new IdlegridError('MESSAGE_INVALID', `invalid ${kind}: ${issues.join('; ')}`, {
      details: { kind, issues },
    });
  }
  return result.data as MessageOf<K>;
}
