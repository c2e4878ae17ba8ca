const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** A geohash cell's bounds, [west, south, east, north] in degrees; undefined for anything else. */
export function cellBounds(cell: string): [number, number, number, number] | undefined {
  let [west, east, south, north] = [-180, 180, -90, 90];
  let longitude = true;
  for (const char of cell) {
    const value = BASE32.indexOf(char);
    if (value < 0) return undefined;
    for (let bit = 4; bit >= 0; bit--) {
      const on = (value >> bit) & 1;
      if (longitude) {
        const middle = (west + east) / 2;
        if (on) west = middle;
        else east = middle;
      } else {
        const middle = (south + north) / 2;
        if (on) south = middle;
        else north = middle;
      }
      longitude = !longitude;
    }
  }
  return cell.length > 0 ? [west, south, east, north] : undefined;
}
