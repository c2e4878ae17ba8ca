import type { Point } from './api.js';

/**
 * Text boxes from a DB (differentiable binarization) probability map, as PaddleOCR's
 * DBPostProcess does it with OpenCV and pyclipper, here in plain TypeScript: threshold the map,
 * take each connected region, fit its minimum-area rectangle, score it by the mean probability
 * inside, grow it (the "unclip": the model predicts shrunk text kernels), scale it to the image.
 */

export interface DbOptions {
  /** Probability above which a pixel is text (PaddleOCR's `det_db_thresh`). */
  threshold: number;
  /** Least mean probability inside a box (`det_db_box_thresh`). */
  boxThreshold: number;
  /** How far boxes grow: area × ratio / perimeter (`det_db_unclip_ratio`). */
  unclipRatio: number;
  /** Most regions looked at (`max_candidates`). */
  maxCandidates: number;
}

export const DB_DEFAULTS: Readonly<DbOptions> = Object.freeze({
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  maxCandidates: 1000,
});

const MIN_SIZE = 3;

export type Quad = [Point, Point, Point, Point];

/** A rotated rectangle: its corners in order around it, and its side lengths. */
interface Rect {
  corners: Quad;
  width: number;
  height: number;
}

/**
 * Boxes in the source image's pixels (corners top-left, top-right, bottom-right, bottom-left),
 * sorted in reading order, from the probability map `map` (`mapWidth` × `mapHeight`) of a
 * `sourceWidth` × `sourceHeight` image.
 */
export function detectBoxes(
  map: Float32Array,
  mapWidth: number,
  mapHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  options: DbOptions = DB_DEFAULTS,
): Quad[] {
  const boxes: Quad[] = [];
  for (const region of regions(map, mapWidth, mapHeight, options.threshold, options.maxCandidates)) {
    const rect = minAreaRect(convexHull(region));
    if (!rect || Math.min(rect.width, rect.height) < MIN_SIZE) continue;
    if (meanInside(map, mapWidth, mapHeight, rect.corners) < options.boxThreshold) continue;
    const grown = unclip(rect, options.unclipRatio);
    if (Math.min(grown.width, grown.height) < MIN_SIZE + 2) continue;
    const scaled = ordered(grown.corners).map(
      ([x, y]): Point => [
        clamp(Math.round((x / mapWidth) * sourceWidth), 0, sourceWidth),
        clamp(Math.round((y / mapHeight) * sourceHeight), 0, sourceHeight),
      ],
    );
    // PaddleOCR's filter_tag_det_res: clip into the image, drop slivers.
    const box = ordered(scaled).map(
      ([x, y]): Point => [clamp(x, 0, sourceWidth - 1), clamp(y, 0, sourceHeight - 1)],
    ) as Quad;
    if (Math.trunc(distance(box[0], box[1])) <= 3 || Math.trunc(distance(box[0], box[3])) <= 3) continue;
    boxes.push(box);
  }
  return readingOrder(boxes);
}

/**
 * Connected regions (8-neighbour) of the pixels above `threshold`, each given by the leftmost and
 * rightmost pixel of each of its rows: all a convex hull needs. Holes are not regions of their own.
 */
function regions(
  map: Float32Array,
  width: number,
  height: number,
  threshold: number,
  max: number,
): Point[][] {
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const found: Point[][] = [];
  const rowMin = new Int32Array(height);
  const rowMax = new Int32Array(height);
  for (let start = 0; start < map.length && found.length < max; start++) {
    if (seen[start] || !(map[start]! > threshold)) continue;
    rowMin.fill(width);
    rowMax.fill(-1);
    let top = height;
    let bottom = -1;
    let size = 0;
    stack[size++] = start;
    seen[start] = 1;
    while (size > 0) {
      const at = stack[--size]!;
      const x = at % width;
      const y = (at - x) / width;
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (!seen[next] && map[next]! > threshold) {
            seen[next] = 1;
            stack[size++] = next;
          }
        }
      }
    }
    const points: Point[] = [];
    for (let y = top; y <= bottom; y++) {
      if (rowMax[y]! < 0) continue;
      points.push([rowMin[y]!, y]);
      if (rowMax[y] !== rowMin[y]) points.push([rowMax[y]!, y]);
    }
    found.push(points);
  }
  return found;
}

/** Andrew's monotone chain; the hull counter-clockwise (in y-down pixels: clockwise on screen). */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  const cross = (o: Point, a: Point, b: Point) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** The smallest rectangle around a convex hull: one of its sides lies on a hull edge (rotating calipers). */
export function minAreaRect(hull: readonly Point[]): Rect | undefined {
  if (hull.length < 3) return undefined;
  let best: Rect | undefined;
  let bestArea = Number.POSITIVE_INFINITY;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const length = distance(a, b);
    if (length === 0) continue;
    const ex = (b[0] - a[0]) / length;
    const ey = (b[1] - a[1]) / length;
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (const [x, y] of hull) {
      const u = x * ex + y * ey;
      const v = -x * ey + y * ex;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const corner = (u: number, v: number): Point => [u * ex - v * ey, u * ey + v * ex];
      best = {
        corners: [corner(minU, minV), corner(maxU, minV), corner(maxU, maxV), corner(minU, maxV)],
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return best;
}

/**
 * The rectangle grown by area × ratio / perimeter on every side. pyclipper's round offset of a
 * rectangle has exactly this minimum-area rectangle, so PaddleOCR's two steps come to this one.
 */
function unclip(rect: Rect, ratio: number): Rect {
  const { corners, width, height } = rect;
  const grow = (width * height * ratio) / (2 * (width + height));
  const [a, b, , d] = corners;
  const ux = (b[0] - a[0]) / width;
  const uy = (b[1] - a[1]) / width;
  const vx = (d[0] - a[0]) / height;
  const vy = (d[1] - a[1]) / height;
  const at = (u: number, v: number): Point => [a[0] + ux * u + vx * v, a[1] + uy * u + vy * v];
  return {
    corners: [
      at(-grow, -grow),
      at(width + grow, -grow),
      at(width + grow, height + grow),
      at(-grow, height + grow),
    ],
    width: width + 2 * grow,
    height: height + 2 * grow,
  };
}

/** Mean probability over the pixels a box covers (PaddleOCR's "fast" box score). */
function meanInside(map: Float32Array, width: number, height: number, quad: Quad): number {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = clamp(Math.floor(Math.min(...xs)), 0, width - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)), 0, width - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)), 0, height - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)), 0, height - 1);
  // Edge normals; a pixel is inside when it is no more than half a pixel outside every edge.
  const edges = quad.map((p, i) => {
    const q = quad[(i + 1) % 4]!;
    const length = distance(p, q) || 1;
    return { p, nx: (q[1] - p[1]) / length, ny: -(q[0] - p[0]) / length };
  });
  const sign =
    Math.sign(edges[0]!.nx * (quad[2][0] - quad[0][0]) + edges[0]!.ny * (quad[2][1] - quad[0][1])) || 1;
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const inside = edges.every(({ p, nx, ny }) => sign * ((x - p[0]) * nx + (y - p[1]) * ny) >= -0.5);
      if (inside) {
        sum += map[y * width + x]!;
        count++;
      }
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * A rectangle's corners as top-left, top-right, bottom-right, bottom-left: the two leftmost are
 * the left side (the upper of them first), the two rightmost the right side (PaddleOCR's get_mini_boxes).
 */
export function ordered(corners: readonly Point[]): Quad {
  const byX = [...corners].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [l1, l2, r1, r2] = byX as Quad;
  const [tl, bl] = l1[1] <= l2[1] ? [l1, l2] : [l2, l1];
  const [tr, br] = r1[1] <= r2[1] ? [r1, r2] : [r2, r1];
  return [tl, tr, br, bl];
}

/** Top to bottom, and left to right within ten pixels of the same height (PaddleOCR's sorted_boxes). */
function readingOrder(boxes: Quad[]): Quad[] {
  const sorted = [...boxes].sort((a, b) => a[0][1] - b[0][1] || a[0][0] - b[0][0]);
  for (let i = 0; i < sorted.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const a = sorted[j]!;
      const b = sorted[j + 1]!;
      if (Math.abs(b[0][1] - a[0][1]) < 10 && b[0][0] < a[0][0]) {
        sorted[j] = b;
        sorted[j + 1] = a;
      } else break;
    }
  }
  return sorted;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
