/**
 * Where each region a provider may name lies, as [longitude, latitude]: a city the region is
 * commonly served from. Offers carry a region name, not a location; a name missing here is
 * listed under the map rather than placed on it.
 */
export const REGION_COORDINATES: Readonly<Record<string, readonly [number, number]>> = {
  'us-east': [-77.5, 38.9],
  'us-west': [-120.5, 44.0],
  'us-central': [-93.6, 41.6],
  'ca-central': [-73.6, 45.5],
  'sa-east': [-46.6, -23.5],
  'eu-west': [-8.2, 53.3],
  'eu-central': [8.7, 50.1],
  'eu-north': [18.1, 59.3],
  'eu-south': [9.2, 45.5],
  'me-central': [54.4, 24.5],
  'af-south': [18.4, -33.9],
  'ap-south': [72.9, 19.1],
  'ap-southeast': [103.8, 1.35],
  'ap-northeast': [139.7, 35.7],
  'ap-east': [114.2, 22.3],
  'au-southeast': [151.2, -33.9],
};

export function regionCoordinates(region: string): readonly [number, number] | undefined {
  return REGION_COORDINATES[region.toLowerCase()];
}
