export interface Series {
  label: string;
  values: readonly number[];
  /** A CSS colour; defaults to the accent. */
  color?: string;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { left: 64, right: 8, top: 8, bottom: 20 };

/** A small SVG line chart: one or more series over the same x steps, y from 0 to the max. */
export function LineChart({
  series,
  label,
  xLabel,
  unit = '',
}: {
  series: readonly Series[];
  label: string;
  xLabel: string;
  unit?: string;
}) {
  const length = Math.max(2, ...series.map((s) => s.values.length));
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => PAD.left + (i / (length - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (HEIGHT - PAD.top - PAD.bottom);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        <line className="axis" x1={PAD.left} y1={y(0)} x2={WIDTH - PAD.right} y2={y(0)} />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(0)} />
        <text className="tick" x={PAD.left - 4} y={PAD.top + 10} textAnchor="end">
          {formatTick(max)}
          {unit}
        </text>
        <text className="tick" x={PAD.left - 4} y={y(0)} textAnchor="end">
          0
        </text>
        <text className="tick" x={WIDTH - PAD.right} y={HEIGHT - 4} textAnchor="end">
          {xLabel}
        </text>
        {series.map((s) => {
          const offset = length - s.values.length;
          const last = s.values.length - 1;
          return (
            <g key={s.label}>
              <polyline
                className="series"
                style={s.color ? { stroke: s.color } : undefined}
                points={s.values.map((v, i) => `${x(i + offset)},${y(v)}`).join(' ')}
              />
              {/* The latest value as a dot: visible even while the series has a single point. */}
              {last >= 0 && (
                <circle
                  className="series-end"
                  style={s.color ? { fill: s.color } : undefined}
                  cx={x(last + offset)}
                  cy={y(s.values[last]!)}
                  r={3}
                />
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <figcaption>
          {series.map((s) => (
            <span
              key={s.label}
              className="legend-line"
              style={s.color ? { borderColor: s.color } : undefined}
            >
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

function formatTick(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
