import { escapeHtml } from '../text/html.ts';

/**
 * Line charts as inline SVG, drawn here: no library, no request to anyone, no script. Each chart
 * carries its numbers as a <title> on every point and a table-like legend, so it reads without
 * colour and without the picture.
 */
export interface Chart {
  title: string;
  labels: readonly string[];
  series: ReadonlyArray<{ name: string; key: string; values: readonly number[] }>;
}

export function lineChart(chart: Chart, size: { width: number; height: number }): string {
  const { width, height } = size;
  const margin = { top: 24, right: 12, bottom: 24, left: 36 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const max = Math.max(1, ...chart.series.flatMap((series) => series.values));
  const top = niceCeiling(max);
  const count = chart.labels.length;
  const x = (index: number) => margin.left + (count <= 1 ? plotWidth / 2 : (index * plotWidth) / (count - 1));
  const y = (value: number) => margin.top + plotHeight - (value / top) * plotHeight;
  const grid = [0, top / 2, top]
    .map(
      (value) =>
        `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${round(y(value))}" y2="${round(y(value))}"/><text class="axis" x="${margin.left - 4}" y="${round(
          y(value) + 4,
        )}" text-anchor="end">${escapeHtml(formatNumber(value))}</text>`,
    )
    .join('');
  // At most about eight labels on the x axis, whatever the number of scans.
  const step = Math.max(1, Math.ceil(count / 8));
  const labels = chart.labels
    .map((label, index) =>
      index % step === 0 || index === count - 1
        ? `<text class="axis" x="${round(x(index))}" y="${height - 6}" text-anchor="middle">${escapeHtml(label)}</text>`
        : '',
    )
    .join('');
  const lines = chart.series
    .map((series) => {
      const points = series.values.map((value, index) => `${round(x(index))},${round(y(value))}`).join(' ');
      const dots = series.values
        .map(
          (value, index) =>
            `<circle cx="${round(x(index))}" cy="${round(y(value))}" r="2.5"><title>${escapeHtml(
              `${series.name}, scan ${chart.labels[index] ?? ''}: ${value}`,
            )}</title></circle>`,
        )
        .join('');
      return `<g class="series ${escapeHtml(series.key)}" data-series="${escapeHtml(series.key)}"><polyline points="${points}"/>${dots}</g>`;
    })
    .join('');
  const legend = chart.series
    .map(
      (series) =>
        `<span class="key ${escapeHtml(series.key)}">${escapeHtml(series.name)} <b>${series.values.at(-1) ?? 0}</b></span>`,
    )
    .join(' ');
  return `<svg class="line-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(
    chart.title,
  )}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(chart.title)}</title><text class="chart-title" x="${margin.left}" y="14">${escapeHtml(
    chart.title,
  )}</text>${grid}${labels}${lines}</svg><figcaption>${legend}</figcaption>`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) {
    if (factor * magnitude >= value) return factor * magnitude;
  }
  return 10 * magnitude;
}

function round(value: number): string {
  return value.toFixed(1);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
