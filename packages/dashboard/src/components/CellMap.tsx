import { geoNaturalEarth1, geoPath } from 'd3-geo';
import { useMemo } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import { cellBounds } from './geohash.js';

const WIDTH = 960;
const HEIGHT = 420;

export interface MapCell {
  cell: string;
  devices: number;
  /** Share of the cell's scored readings that were paid, 0 to 1. */
  paid: number;
}

/** A feed's cells on the map, zoomed to where they are, each coloured by the share of its readings paid. */
export function CellMap({ cells }: { cells: readonly MapCell[] }) {
  const placed = cells.flatMap((c) => {
    const bounds = cellBounds(c.cell);
    return bounds ? [{ ...c, bounds }] : [];
  });
  const view = useMemo(() => {
    const topology = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
    const land = feature(topology, topology.objects.countries);
    // At least two degrees around the cells, so that the coast and borders show where they are.
    const corners = placed.flatMap(({ bounds: [w, s, e, n] }) => [
      [w - 1, s - 1],
      [e + 1, n + 1],
    ]);
    const points = { type: 'MultiPoint' as const, coordinates: corners };
    const projection = geoNaturalEarth1();
    if (points.coordinates.length > 0)
      projection.fitExtent(
        [
          [40, 40],
          [WIDTH - 40, HEIGHT - 40],
        ],
        points,
      );
    else projection.fitSize([WIDTH, HEIGHT], land);
    const path = geoPath(projection);
    return { projection, land: land.features.map((country) => path(country) ?? '') };
  }, [placed]);
  return (
    <figure className="map">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label="The feed's cells on a map, coloured by readings paid"
      >
        <g className="map-land">
          {view.land.map((d, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the outlines never change order
            <path key={i} d={d} />
          ))}
        </g>
        {placed.map(({ cell, devices, paid, bounds: [w, s, e, n] }) => {
          const [x0, y0] = view.projection([w, n]) ?? [0, 0];
          const [x1, y1] = view.projection([e, s]) ?? [0, 0];
          const [width, height] = [Math.max(6, Math.abs(x1 - x0)), Math.max(6, Math.abs(y1 - y0))];
          return (
            <rect
              key={cell}
              data-testid="map-cell"
              x={(x0 + x1) / 2 - width / 2}
              y={(y0 + y1) / 2 - height / 2}
              width={width}
              height={height}
              fill={`hsl(${Math.round(120 * paid)} 65% 45%)`}
              fillOpacity={0.75}
            >
              <title>{`${cell}: ${devices} devices, ${Math.round(100 * paid)}% of readings paid`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        Each square is a cell (its devices' places are never finer); green: its readings paid, red: refused.
      </figcaption>
    </figure>
  );
}
