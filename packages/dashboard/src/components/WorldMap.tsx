import { geoNaturalEarth1, geoPath } from 'd3-geo';
import { useMemo } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import type { Provider } from '../api/types.js';
import { shortAddress } from '../format.js';
import { regionCoordinates } from './regions.js';

const WIDTH = 960;
const HEIGHT = 480;

/** Natural Earth country outlines shipped in world-atlas: no tile server is ever asked. */
function useCountryPaths() {
  return useMemo(() => {
    const topology = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
    const land = feature(topology, topology.objects.countries);
    const projection = geoNaturalEarth1().fitSize([WIDTH, HEIGHT], land);
    const path = geoPath(projection);
    return { projection, paths: land.features.map((country) => path(country) ?? '') };
  }, []);
}

/** Providers placed by region on a world map; several in one region fan out around it. */
export function WorldMap({ providers }: { providers: readonly Provider[] }) {
  const { projection, paths } = useCountryPaths();
  const byRegion = new Map<string, Provider[]>();
  for (const provider of providers) {
    const list = byRegion.get(provider.offer.region) ?? [];
    list.push(provider);
    byRegion.set(provider.offer.region, list);
  }
  const unplaced = providers.filter((p) => regionCoordinates(p.offer.region) === undefined);
  return (
    <figure className="map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Providers on a world map by region">
        <g className="map-land">
          {paths.map((d, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the outlines never change order
            <path key={i} d={d} />
          ))}
        </g>
        {[...byRegion].flatMap(([region, members]) => {
          const at = regionCoordinates(region);
          const point = at ? projection([at[0], at[1]]) : null;
          if (!point) return [];
          return members.map((provider, index) => {
            const angle = (2 * Math.PI * index) / members.length;
            const spread = members.length > 1 ? 9 : 0;
            return (
              <circle
                key={provider.address}
                data-testid="map-provider"
                data-online={provider.online}
                className={provider.online ? 'map-dot online' : 'map-dot offline'}
                cx={point[0] + spread * Math.cos(angle)}
                cy={point[1] + spread * Math.sin(angle)}
                r={7}
              >
                <title>{`${shortAddress(provider.address)} · ${region} · ${provider.online ? 'online' : 'offline'}`}</title>
              </circle>
            );
          });
        })}
      </svg>
      <figcaption>
        <span className="legend online">online</span> <span className="legend offline">offline</span>
        {unplaced.length > 0 &&
          ` · not on the map (unknown region): ${unplaced.map((p) => p.offer.region).join(', ')}`}
      </figcaption>
    </figure>
  );
}
