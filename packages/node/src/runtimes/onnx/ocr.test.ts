import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../api.js';
import { failure } from '../testing.js';
import { type OcrAnswer, ocrRequestSchema } from './api.js';
import { convexHull, minAreaRect, ordered } from './ocr-detect.js';
import { createOnnxExecutor, type OcrTask } from './onnx-executor.js';
import { drawText, encodeJpeg, encodePng, textPngBase64 } from './testing/text-image.js';

const PANGRAM = [
  'HELLO WORLD',
  'IDLEGRID OCR 42',
  'THE QUICK BROWN FOX 1234567890',
  'JUMPS OVER THE LAZY DOG.',
];

let task: OcrTask;

beforeAll(async () => {
  task = await createOnnxExecutor({ device: 'cpu' }).prepareOcr();
});

afterAll(async () => {
  await task?.dispose();
});

const read = (images: string[], options?: RunOptions) =>
  task.answer(ocrRequestSchema.parse({ kind: 'ocr', images }), options);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('OCR (PP-OCRv4 on rendered text)', () => {
  it('reads every word of a rendered page exactly, with boxes and scores', async () => {
    // Two blank letters between words: the detector boxes each word, and the page joins them with a space.
    const lines = PANGRAM.map((line) => line.replaceAll(' ', '  '));
    const image = drawText(lines);
    const { pages } = await read([textPngBase64(lines)]);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.text).toBe(PANGRAM.join('\n'));
    for (const line of pages[0]!.lines) {
      expect(line.score).toBeGreaterThan(0.8);
      for (const [x, y] of line.box) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(image.width);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThan(image.height);
      }
    }
    // The first word's box is where it was drawn: 24 pixels in, letters 28 pixels tall.
    const [tl, , br] = pages[0]!.lines[0]!.box;
    expect(tl[0]).toBeLessThan(24 + 4);
    expect(tl[1]).toBeLessThan(24 + 4);
    expect(br[1]).toBeGreaterThan(24 + 28 - 4);
  });

  it('reads lines with single spaces letter for letter (PP-OCR may drop a narrow space)', async () => {
    const { pages } = await read([textPngBase64(PANGRAM)]);
    const squeeze = (text: string) => text.replace(/\s+/g, '');
    expect(squeeze(pages[0]!.text)).toBe(squeeze(PANGRAM.join('')));
    expect(pages[0]!.text.split('\n')).toHaveLength(PANGRAM.length);
  });

  it('answers a JSON request for several images, PNG and JPEG, as a run', async () => {
    const jpeg = encodeJpeg(drawText(['JPEG 2026']), 90);
    const blank = encodePng({ width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(255) });
    const stdin = new TextEncoder().encode(
      JSON.stringify({
        kind: 'ocr',
        images: [textPngBase64(['HELLO']), `data:image/jpeg;base64,${base64(jpeg)}`, base64(blank)],
      }),
    );
    const result = await task.run({ stdin });
    expect(result.exitCode).toBe(0);
    const answer = JSON.parse(new TextDecoder().decode(result.stdout)) as OcrAnswer;
    expect(answer.kind).toBe('ocr');
    expect(answer.pages.map((page) => page.text.replace(/\s+/g, ''))).toEqual(['HELLO', 'JPEG2026', '']);
    expect(answer.pages[2]).toEqual({ text: '', lines: [] });
  });

  it('rejects images it cannot read, and requests for tensors', async () => {
    const huge = encodePng({ width: 1, height: 1, data: new Uint8Array([255, 255, 255, 255]) });
    // Claim 100000 × 100000 pixels in the header: refused before anything is allocated.
    new DataView(huge.buffer, huge.byteOffset).setUint32(16, 100_000);
    new DataView(huge.buffer, huge.byteOffset).setUint32(20, 100_000);
    const cases: [string, string][] = [
      ['not base64!', 'image 0 is not base64'],
      [base64(new TextEncoder().encode('GIF89a, not today')), 'image 0 is neither PNG nor JPEG'],
      [base64(huge), 'image 0 is 100000×100000 pixels'],
      [base64(encodePng(drawText(['X'])).subarray(0, 60)), 'image 0 does not decode'],
    ];
    for (const [image, message] of cases) {
      expect(await failure(read([image])), message).toMatchObject({
        code: 'ONNX_IMAGE_INVALID',
        message: expect.stringContaining(message),
      });
    }
    const tensors = new TextEncoder().encode(JSON.stringify({ kind: 'tensors', inputs: {} }));
    expect(await failure(task.run({ stdin: tensors }))).toMatchObject({
      code: 'ONNX_REQUEST_INVALID',
      message: expect.stringContaining('the OCR task answers ocr requests'),
    });
  });

  it('stops at the wall-time limit', async () => {
    expect(await failure(read([textPngBase64(PANGRAM)], { limits: { wallTimeMs: 1 } }))).toMatchObject({
      code: 'ONNX_TIMEOUT',
      message: 'the onnx run went past its 1 ms limit',
    });
  });
});

describe('text box geometry', () => {
  it('fits the minimum-area rectangle of a tilted region and orders its corners', () => {
    // A 40 × 10 rectangle turned by atan(3/4) (cos 0.8, sin 0.6), given by its corners and some inner points.
    const corners: [number, number][] = [
      [0, 0],
      [32, 24],
      [26, 32],
      [-6, 8],
    ];
    const rect = minAreaRect(convexHull([...corners, [10, 10], [20, 18], [0, 4]]))!;
    expect(rect.width * rect.height).toBeCloseTo(400, 6);
    expect([rect.width, rect.height].sort((a, b) => a - b)).toEqual([
      expect.closeTo(10, 6),
      expect.closeTo(40, 6),
    ]);
    const box = ordered(rect.corners).map(([x, y]) => [Math.round(x) + 0, Math.round(y) + 0]);
    // PaddleOCR's order: of the two leftmost corners the upper is first, of the two rightmost the upper is second.
    expect(box).toEqual([
      [0, 0],
      [32, 24],
      [26, 32],
      [-6, 8],
    ]);
  });
});
