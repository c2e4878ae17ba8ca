import geohash from 'ngeohash';

/**
 * Location cells are geohashes (docs/feeds.md): a reading's `cell` at the feed's precision. Their
 * centres and neighbours are computed once per cell and kept, since a feed has few cells and
 * many readings.
 */
export class Cells {
  readonly #neighbourhoods = new Map<string, readonly string[]>();
  readonly #centres = new Map<string, { latitude: number; longitude: number }>();

  /** The cell and the (up to) eight around it. */
  neighbourhood(cell: string): readonly string[] {
    let cells = this.#neighbourhoods.get(cell);
    if (!cells) {
      cells = isGeohash(cell) ? [cell, ...geohash.neighbors(cell)] : [cell];
      this.#neighbourhoods.set(cell, cells);
    }
    return cells;
  }

  /** Great-circle distance between the centres of two cells, km (0 for the same or unreadable cells). */
  distanceKm(a: string, b: string): number {
    if (a === b || !isGeohash(a) || !isGeohash(b)) return 0;
    const [p, q] = [this.#centre(a), this.#centre(b)];
    const rad = Math.PI / 180;
    const h =
      Math.sin(((q.latitude - p.latitude) * rad) / 2) ** 2 +
      Math.cos(p.latitude * rad) *
        Math.cos(q.latitude * rad) *
        Math.sin(((q.longitude - p.longitude) * rad) / 2) ** 2;
    return 2 * 6_371 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /** The size of a cell's longer side, km: a move within it is no move at all. */
  sizeKm(cell: string): number {
    if (!isGeohash(cell)) return 0;
    const [south, west, north, east] = geohash.decode_bbox(cell);
    const middle = (south + north) / 2;
    return Math.max((north - south) * 111.2, (east - west) * 111.2 * Math.cos((middle * Math.PI) / 180));
  }

  #centre(cell: string) {
    let centre = this.#centres.get(cell);
    if (!centre) {
      centre = geohash.decode(cell);
      this.#centres.set(cell, centre);
    }
    return centre;
  }
}

const GEOHASH = /^[0-9bcdefghjkmnpqrstuvwxyz]{1,12}$/;

export function isGeohash(cell: string): boolean {
  return GEOHASH.test(cell);
}

/** The geohash of a point at a precision (characters). */
export function cellOf(latitude: number, longitude: number, precision: number): string {
  return geohash.encode(latitude, longitude, precision);
}
