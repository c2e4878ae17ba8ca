import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: a path and query, encoded (or not) by the caller. */
  target: string | Buffer;
  headers?: [string, string | Buffer][];
  body?: Buffer | string;
  /** Sends no content-length of its own (the caller names one, or none). */
  noContentLength?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** An event stream: its headers came, the connection was then dropped. */
  streamed: boolean;
}

/**
 * One HTTP/1.1 request over its own TCP connection, bytes exactly as given (no URL or header
 * validation on our side), `connection: close`. An event-stream answer resolves at its headers
 * and the connection is dropped at once, as a client that goes away would.
 */
export function rawRequest(base: string, request: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(base);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines: Buffer[] = [
    Buffer.concat([
      Buffer.from(`${request.method} `),
      Buffer.from(request.target),
      Buffer.from(' HTTP/1.1\r\n'),
    ]),
    Buffer.from(`host: ${url.host}\r\nconnection: close\r\n`),
  ];
  for (const [name, value] of request.headers ?? []) {
    lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]));
  }
  if (body && !request.noContentLength) lines.push(Buffer.from(`content-length: ${body.byteLength}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (body) lines.push(body);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    let head: Omit<RawResponse, 'body' | 'streamed'> | undefined;
    let bodyStart = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no answer in ${timeoutMs} ms to ${request.method} ${String(request.target).slice(0, 200)}`,
        ),
      );
    }, timeoutMs);
    const finish = (streamed: boolean) => {
      clearTimeout(timer);
      if (!head) return reject(new Error(`connection closed without an answer: ${Buffer.concat(chunks)}`));
      const raw = Buffer.concat(chunks).subarray(bodyStart);
      const chunked = head.headers['transfer-encoding']?.includes('chunked');
      resolve({ ...head, body: chunked && !streamed ? dechunk(raw) : raw, streamed });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (head) return;
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = parseHead(all.subarray(0, end).toString('latin1'));
      bodyStart = end + 4;
      if (head.headers['content-type']?.startsWith('text/event-stream')) {
        socket.destroy();
        finish(true);
      }
    });
    socket.on('error', () => {}); // the server may reset after answering a malformed request
    socket.on('close', () => finish(false));
    socket.write(Buffer.concat(lines));
  });
}

function parseHead(text: string): Omit<RawResponse, 'body' | 'streamed'> {
  const [statusLine = '', ...headerLines] = text.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
