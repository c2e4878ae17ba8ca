import { StreamState, YamuxStream } from '@libp2p/yamux/stream';

/** The receive-window fields of a yamux stream (private in its types, plain properties at run time). */
interface ReceiveWindow {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

/**
 * Whether a yamux stream should tell its peer about the window it has freed now. js-yamux does
 * after every data frame, so each small message costs the peer a frame back: a socket write
 * and a wake-up on both sides, and a one-call job paid four of them. Like the reference
 * implementation (hashicorp/yamux, `sendWindowUpdate`), an established stream waits until half
 * its window is used; stream opening and closing flags still go out at once.
 */
export function windowUpdateDue(stream: ReceiveWindow): boolean {
  if (stream.state !== StreamState.Established) return true;
  return stream.recvWindowCapacity < stream.recvWindow / 2;
}

let installed = false;

/** Applies `windowUpdateDue` to every yamux stream of this process; the host module calls it once. */
export function installLazyWindowUpdates(): void {
  if (installed) return;
  installed = true;
  const prototype = YamuxStream.prototype as unknown as { sendWindowUpdate(): void };
  const sendWindowUpdate = prototype.sendWindowUpdate;
  prototype.sendWindowUpdate = function (this: ReceiveWindow & { sendWindowUpdate(): void }) {
    if (windowUpdateDue(this)) sendWindowUpdate.call(this);
  };
}
