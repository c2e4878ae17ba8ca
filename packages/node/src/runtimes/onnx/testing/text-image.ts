/**
 * Test images with known text, drawn with a 5×7 bitmap font (the classic LCD character shapes),
 * so OCR tests need no font files, no renderer and no downloaded images. Black on white.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

// Upper case, digits and a little punctuation: 7 rows of 5 columns, X = ink.
const GLYPHS: Record<string, string> = {
  A: '.XXX. X...X X...X X...X XXXXX X...X X...X',
  B: 'XXXX. X...X X...X XXXX. X...X X...X XXXX.',
  C: '.XXX. X...X X.... X.... X.... X...X .XXX.',
  D: 'XXX.. X..X. X...X X...X X...X X..X. XXX..',
  E: 'XXXXX X.... X.... XXXX. X.... X.... XXXXX',
  F: 'XXXXX X.... X.... XXXX. X.... X.... X....',
  G: '.XXX. X...X X.... X.XXX X...X X...X .XXXX',
  H: 'X...X X...X X...X XXXXX X...X X...X X...X',
  I: '.XXX. ..X.. ..X.. ..X.. ..X.. ..X.. .XXX.',
  J: '..XXX ...X. ...X. ...X. ...X. X..X. .XX..',
  K: 'X...X X..X. X.X.. XX... X.X.. X..X. X...X',
  L: 'X.... X.... X.... X.... X.... X.... XXXXX',
  M: 'X...X XX.XX X.X.X X.X.X X...X X...X X...X',
  N: 'X...X X...X XX..X X.X.X X..XX X...X X...X',
  O: '.XXX. X...X X...X X...X X...X X...X .XXX.',
  P: 'XXXX. X...X X...X XXXX. X.... X.... X....',
  Q: '.XXX. X...X X...X X...X X.X.X X..X. .XX.X',
  R: 'XXXX. X...X X...X XXXX. X.X.. X..X. X...X',
  S: '.XXXX X.... X.... .XXX. ....X ....X XXXX.',
  T: 'XXXXX ..X.. ..X.. ..X.. ..X.. ..X.. ..X..',
  U: 'X...X X...X X...X X...X X...X X...X .XXX.',
  V: 'X...X X...X X...X X...X X...X .X.X. ..X..',
  W: 'X...X X...X X...X X.X.X X.X.X X.X.X .X.X.',
  X: 'X...X X...X .X.X. ..X.. .X.X. X...X X...X',
  Y: 'X...X X...X X...X .X.X. ..X.. ..X.. ..X..',
  Z: 'XXXXX ....X ...X. ..X.. .X... X.... XXXXX',
  '0': '.XXX. X...X X..XX X.X.X XX..X X...X .XXX.',
  '1': '..X.. .XX.. ..X.. ..X.. ..X.. ..X.. .XXX.',
  '2': '.XXX. X...X ....X ...X. ..X.. .X... XXXXX',
  '3': 'XXXXX ...X. ..X.. ...X. ....X X...X .XXX.',
  '4': '...X. ..XX. .X.X. X..X. XXXXX ...X. ...X.',
  '5': 'XXXXX X.... XXXX. ....X ....X X...X .XXX.',
  '6': '..XX. .X... X.... XXXX. X...X X...X .XXX.',
  '7': 'XXXXX ....X ...X. ..X.. .X... .X... .X...',
  '8': '.XXX. X...X X...X .XXX. X...X X...X .XXX.',
  '9': '.XXX. X...X X...X .XXXX ....X ...X. .XX..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .XX.. .XX..',
  '-': '..... ..... ..... XXXXX ..... ..... .....',
  ':': '..... .XX.. .XX.. ..... .XX.. .XX.. .....',
};

export interface TextImageOptions {
  /** Pixels per font dot (default 4: letters 28 pixels tall). */
  scale?: number;
  /** White border around the text, in pixels (default 24). */
  margin?: number;
  /** Blank rows between lines, in font dots (default 6). */
  lineGap?: number;
  /**
   * Softens the edges with a 3×3 box blur (default true), as anti-aliased type would be: PP-OCR
   * reads the blocky glyphs markedly worse without it (U for V, 0 for O).
   */
  soften?: boolean;
}

export interface Rgba {
  width: number;
  height: number;
  /** 4 bytes a pixel. */
  data: Uint8Array;
}

/** The lines drawn left-aligned, one under the other. Throws on a character the font lacks. */
export function drawText(lines: readonly string[], options: TextImageOptions = {}): Rgba {
  const scale = options.scale ?? 4;
  const margin = options.margin ?? 24;
  const gap = options.lineGap ?? 6;
  const columns = Math.max(...lines.map((line) => line.length * 6 - 1));
  const width = columns * scale + 2 * margin;
  const height = (lines.length * (7 + gap) - gap) * scale + 2 * margin;
  const data = new Uint8Array(width * height * 4).fill(255);
  lines.forEach((line, row) => {
    [...line].forEach((char, column) => {
      const glyph = GLYPHS[char.toUpperCase()];
      if (glyph === undefined) throw new Error(`the test font has no ${JSON.stringify(char)}`);
      glyph.split(' ').forEach((dots, dy) => {
        [...dots].forEach((dot, dx) => {
          if (dot !== 'X') return;
          const x0 = margin + (column * 6 + dx) * scale;
          const y0 = margin + (row * (7 + gap) + dy) * scale;
          for (let y = y0; y < y0 + scale; y++) {
            for (let x = x0; x < x0 + scale; x++) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
          }
        });
      });
    });
  });
  return options.soften === false ? { width, height, data } : boxBlur({ width, height, data });
}

function boxBlur({ width, height, data }: Rgba): Rgba {
  const out = new Uint8Array(data.length).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let count = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          sum += data[(ny * width + nx) * 4]!;
          count++;
        }
      }
      const at = (y * width + x) * 4;
      out.fill(Math.round(sum / count), at, at + 3);
    }
  }
  return { width, height, data: out };
}

export function encodePng(image: Rgba): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

export function encodeJpeg(image: Rgba, quality = 90): Uint8Array {
  return jpeg.encode({ width: image.width, height: image.height, data: image.data }, quality).data;
}

/** A PNG of the text lines, as base64 for an `ocr` request. */
export function textPngBase64(lines: readonly string[], options?: TextImageOptions): string {
  return Buffer.from(encodePng(drawText(lines, options))).toString('base64');
}
