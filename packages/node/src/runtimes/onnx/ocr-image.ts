import { isIdlegridError } from '@idlegrid/protocol';
import { MAX_IMAGE_PIXELS, type Point } from './api.js';
import { imageInvalid, messageOf } from './errors.js';

/** An 8-bit RGB image, rows top to bottom, 3 bytes a pixel. */
export interface Raster {
  width: number;
  height: number;
  data: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;

/** An image's bytes from its base64 text; whitespace and a `data:image/...;base64,` prefix are allowed. */
export function imageBytes(text: string, index: number): Uint8Array {
  const base64 = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (base64.length % 4 === 1 || !BASE64.test(base64)) throw imageInvalid(`image ${index} is not base64`);
  return Buffer.from(base64, 'base64');
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes a PNG (pngjs) or JPEG (jpeg-js), both pure JavaScript: no native image library, nothing
 * fetched. Transparent pixels are laid over white. Sizes are checked before pixels are allocated.
 * JPEG EXIF orientation is not applied.
 */
export async function decodeImage(bytes: Uint8Array, index: number): Promise<Raster> {
  const isPng = PNG_SIGNATURE.every((byte, i) => bytes[i] === byte);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw imageInvalid(`image ${index} is neither PNG nor JPEG`);
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    if (isPng) {
      // IHDR is always the first chunk: width and height at bytes 16 and 20.
      if (bytes.length < 24) throw new Error('truncated PNG header');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      checkSize(view.getUint32(16), view.getUint32(20), index);
      const { PNG } = await import('pngjs');
      rgba = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } else {
      const jpeg = await import('jpeg-js');
      rgba = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: 512,
      });
    }
  } catch (cause) {
    if (isIdlegridError(cause)) throw cause;
    throw imageInvalid(`image ${index} does not decode: ${messageOf(cause)}`, { cause });
  }
  checkSize(rgba.width, rgba.height, index);
  return overWhite(rgba);
}

function checkSize(width: number, height: number, index: number): void {
  if (width < 1 || height < 1 || width * height > MAX_IMAGE_PIXELS) {
    throw imageInvalid(`image ${index} is ${width}×${height} pixels; at most ${MAX_IMAGE_PIXELS} are read`, {
      details: { image: index, width, height, maxPixels: MAX_IMAGE_PIXELS },
    });
  }
}

function overWhite({ width, height, data }: { width: number; height: number; data: Uint8Array }): Raster {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; p < data.length; p += 4, q += 3) {
    const alpha = data[p + 3]!;
    const white = 255 - alpha;
    rgb[q] = (data[p]! * alpha + 255 * white + 127) / 255;
    rgb[q + 1] = (data[p + 1]! * alpha + 255 * white + 127) / 255;
    rgb[q + 2] = (data[p + 2]! * alpha + 255 * white + 127) / 255;
  }
  return { width, height, data: rgb };
}

/** Bilinear resize with pixel centres aligned, as OpenCV's INTER_LINEAR. */
export function resize(src: Raster, width: number, height: number): Raster {
  const out = new Uint8Array(width * height * 3);
  const sx = src.width / width;
  const sy = src.height / height;
  const xs = new Int32Array(width * 2);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.max(0, (x + 0.5) * sx - 0.5);
    const x0 = Math.min(Math.floor(fx), src.width - 1);
    xs[2 * x] = x0 * 3;
    xs[2 * x + 1] = Math.min(x0 + 1, src.width - 1) * 3;
    fxs[x] = fx - x0;
  }
  const row = src.width * 3;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), src.height - 1);
    const top = y0 * row;
    const bottom = Math.min(y0 + 1, src.height - 1) * row;
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const a = xs[2 * x]!;
      const b = xs[2 * x + 1]!;
      const wx = fxs[x]!;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const t = src.data[top + a + c]! + (src.data[top + b + c]! - src.data[top + a + c]!) * wx;
        const u = src.data[bottom + a + c]! + (src.data[bottom + b + c]! - src.data[bottom + a + c]!) * wx;
        out[o + c] = Math.round(t + (u - t) * wy);
      }
    }
  }
  return { width, height, data: out };
}

/**
 * The quadrilateral `quad` (top-left, top-right, bottom-right, bottom-left) sampled into a
 * `width` × `height` image, bilinearly; outside the image the border pixels repeat.
 */
export function cropQuad(src: Raster, quad: readonly Point[], width: number, height: number): Raster {
  const [tl, tr, br, bl] = quad as [Point, Point, Point, Point];
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // As OpenCV's warpPerspective onto [0, width] × [0, height] (PaddleOCR's crop): pixel x is at x / width.
    const v = y / height;
    const lx = tl[0] + (bl[0] - tl[0]) * v;
    const ly = tl[1] + (bl[1] - tl[1]) * v;
    const rx = tr[0] + (br[0] - tr[0]) * v;
    const ry = tr[1] + (br[1] - tr[1]) * v;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      sample(src, lx + (rx - lx) * u, ly + (ry - ly) * u, out, (y * width + x) * 3);
    }
  }
  return { width, height, data: out };
}

function sample(src: Raster, x: number, y: number, out: Uint8Array, at: number): void {
  const cx = Math.min(Math.max(x, 0), src.width - 1);
  const cy = Math.min(Math.max(y, 0), src.height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, src.width - 1);
  const y1 = Math.min(y0 + 1, src.height - 1);
  const wx = cx - x0;
  const wy = cy - y0;
  for (let c = 0; c < 3; c++) {
    const p00 = src.data[(y0 * src.width + x0) * 3 + c]!;
    const p01 = src.data[(y0 * src.width + x1) * 3 + c]!;
    const p10 = src.data[(y1 * src.width + x0) * 3 + c]!;
    const p11 = src.data[(y1 * src.width + x1) * 3 + c]!;
    const top = p00 + (p01 - p00) * wx;
    const bottom = p10 + (p11 - p10) * wx;
    out[at + c] = Math.round(top + (bottom - top) * wy);
  }
}

/** The image turned a quarter counter-clockwise (numpy's rot90), for text running top to bottom. */
export function rotateCounterClockwise(src: Raster): Raster {
  const width = src.height;
  const height = src.width;
  const out = new Uint8Array(src.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (x * src.width + (src.width - 1 - y)) * 3;
      const to = (y * width + x) * 3;
      out[to] = src.data[from]!;
      out[to + 1] = src.data[from + 1]!;
      out[to + 2] = src.data[from + 2]!;
    }
  }
  return { width, height, data: out };
}

/**
 * The image as a CHW float tensor in BGR channel order (what PaddleOCR's models were trained on,
 * reading images with OpenCV), each channel as (value / 255 − mean) / std, written into `out` at
 * `offset` with row length `stride` (≥ width; the rest of each row is left as it is: padding).
 */
export function normalizeInto(
  src: Raster,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
  out: Float32Array,
  offset: number,
  stride: number,
  rows: number,
): void {
  const plane = rows * stride;
  for (let c = 0; c < 3; c++) {
    const channel = 2 - c; // BGR: tensor channel 0 is blue
    const scale = 1 / (255 * std[c]!);
    const shift = mean[c]! / std[c]!;
    for (let y = 0; y < src.height; y++) {
      const base = offset + c * plane + y * stride;
      for (let x = 0; x < src.width; x++) {
        out[base + x] = src.data[(y * src.width + x) * 3 + channel]! * scale - shift;
      }
    }
  }
}
