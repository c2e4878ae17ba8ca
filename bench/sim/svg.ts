/** Minimal SVG charts for the simulation report: no dependencies, readable in light and dark. */

const COLORS = ['#8a8a8a', '#d9822b', '#2b7bd9'];
const font = (size = 12) => `font-family="sans-serif" font-size="${size}" fill="currentColor"`;

export interface Series {
  name: string;
  /** Sorted ascending. */
  values: number[];
}

/** Share of jobs done within t (log time axis), one line per series. */
export function cdfChart(title: string, series: Series[], width = 640, height = 360): string {
  const margin = { left: 56, right: 16, top: 32, bottom: 44 };
  const all = series.flatMap((s) => [s.values[0]!, s.values.at(-1)!]);
  const low = Math.log10(Math.max(1, Math.min(...all)));
  const high = Math.log10(Math.max(...all));
  const x = (seconds: number) =>
    margin.left +
    ((Math.log10(Math.max(1, seconds)) - low) / (high - low)) * (width - margin.left - margin.right);
  const y = (share: number) => height - margin.bottom - share * (height - margin.top - margin.bottom);
  const lines = series.map((s, i) => {
    const step = Math.max(1, Math.floor(s.values.length / 400));
    const points: string[] = [];
    for (let k = 0; k < s.values.length; k += step) {
      points.push(`${x(s.values[k]!).toFixed(1)},${y((k + 1) / s.values.length).toFixed(1)}`);
    }
    points.push(`${x(s.values.at(-1)!).toFixed(1)},${y(1).toFixed(1)}`);
    return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${points.join(' ')}"/>`;
  });
  const ticks: string[] = [];
  for (let power = Math.ceil(low); power <= Math.floor(high); power++) {
    const seconds = 10 ** power;
    const label =
      seconds >= 3600
        ? `${seconds / 3600} h`
        : seconds >= 60
          ? `${Math.round(seconds / 60)} min`
          : `${seconds} s`;
    ticks.push(
      `<line x1="${x(seconds)}" x2="${x(seconds)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="currentColor" stroke-opacity="0.15"/>`,
      `<text x="${x(seconds)}" y="${height - margin.bottom + 16}" text-anchor="middle" ${font()}>${label}</text>`,
    );
  }
  for (const share of [0, 0.5, 0.95, 1]) {
    ticks.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(share)}" y2="${y(share)}" stroke="currentColor" stroke-opacity="0.15"/>`,
      `<text x="${margin.left - 6}" y="${y(share) + 4}" text-anchor="end" ${font()}>${Math.round(share * 100)}%</text>`,
    );
  }
  return svg(width, height, title, [
    ...ticks,
    ...lines,
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle" ${font()}>completion time (submit to result), log scale</text>`,
    ...legend(
      series.map((s) => s.name),
      width - margin.right - 120,
      margin.top + 8,
    ),
  ]);
}

/** Grouped bars: each metric's values, relative to the first series' (= 1). */
export function relativeBars(
  title: string,
  metrics: { name: string; values: number[] }[],
  seriesNames: string[],
  width = 640,
  height = 320,
): string {
  const margin = { left: 48, right: 16, top: 32, bottom: 40 };
  const ratios = metrics.map((m) => m.values.map((v) => v / (m.values[0] || 1)));
  const top = Math.max(1.2, ...ratios.flat()) * 1.1;
  const groupWidth = (width - margin.left - margin.right) / metrics.length;
  const barWidth = (groupWidth * 0.7) / seriesNames.length;
  const y = (ratio: number) => height - margin.bottom - (ratio / top) * (height - margin.top - margin.bottom);
  const parts: string[] = [];
  for (const tick of [0, 0.5, 1, 1.5, 2, 3].filter((t) => t <= top)) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="currentColor" stroke-opacity="${tick === 1 ? 0.5 : 0.15}"/>`,
      `<text x="${margin.left - 6}" y="${y(tick) + 4}" text-anchor="end" ${font()}>${tick}×</text>`,
    );
  }
  metrics.forEach((metric, m) => {
    const groupX = margin.left + m * groupWidth + groupWidth * 0.15;
    ratios[m]!.forEach((ratio, s) => {
      const barX = groupX + s * barWidth;
      parts.push(
        `<rect x="${barX.toFixed(1)}" y="${y(ratio).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(y(0) - y(ratio)).toFixed(1)}" fill="${COLORS[s % COLORS.length]}"/>`,
        `<text x="${(barX + barWidth / 2).toFixed(1)}" y="${(y(ratio) - 4).toFixed(1)}" text-anchor="middle" ${font(10)}>${ratio.toFixed(2)}</text>`,
      );
    });
    parts.push(
      `<text x="${groupX + groupWidth * 0.35}" y="${height - margin.bottom + 16}" text-anchor="middle" ${font()}>${metric.name}</text>`,
    );
  });
  return svg(width, height, title, [
    ...parts,
    ...legend(seriesNames, width - margin.right - 120, margin.top + 8),
  ]);
}

function legend(names: string[], x: number, y: number): string[] {
  return names.flatMap((name, i) => [
    `<rect x="${x}" y="${y + i * 18 - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
    `<text x="${x + 18}" y="${y + i * 18 + 1}" ${font()}>${name}</text>`,
  ]);
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}" style="color:#444;background:#fff">`,
    `<title>${title}</title>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" ${font(14)} font-weight="bold">${title}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
