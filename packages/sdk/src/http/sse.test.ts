import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from './sse.js';

function parseAll(chunks: string[]) {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('SseParser', () => {
  const stream =
    ': connected\n\nevent: job\nid: a:1\ndata: {"x":1}\n\n: keepalive\n\ndata: line one\ndata: line two\n\n';
  const expected = [
    { event: 'job', id: 'a:1', data: '{"x":1}' },
    { event: 'message', id: 'a:1', data: 'line one\nline two' },
  ];

  it('parses named events, multi-line data and skips comments', () => {
    expect(parseAll([stream])).toEqual(expected);
  });

  it('gives the same events however the text is split', () => {
    for (let size = 1; size <= 7; size++) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(parseAll(chunks)).toEqual(expected);
    }
  });

  it('accepts CRLF and CR line ends, even split between chunks', () => {
    expect(parseAll(['event: job\r', '\ndata: 1\r\r', 'data: 2\r\n\r\n'])).toEqual([
      { event: 'job', data: '1' },
      { event: 'message', data: '2' },
    ]);
  });

  it('dispatches nothing for an unfinished event or one without data', () => {
    expect(parseAll(['event: job\n\n', 'data: partial\n'])).toEqual([]);
  });

  it('strips a leading byte order mark and only one space after the colon', () => {
    expect(parseAll(['\uFEFFdata:  two spaces\n', 'data:none\n\n'])).toEqual([
      { event: 'message', data: ' two spaces\nnone' },
    ]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split inside a character and stops at the end of the body', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'héllo ✓' }]);
  });
});
