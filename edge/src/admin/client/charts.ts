import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { fmt } from './format.js';

// Only the pieces the pages use, so the bundle carries no unused controllers.
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, ScatterController, MatrixController, MatrixElement, CategoryScale, LinearScale, Legend, Tooltip);

export const COLORS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2'];

const drawn = new Map<string, Chart>();

/**
 * Draws a chart on the canvas with this id (replacing the chart a previous render put there) and
 * records on the canvas how many data points it holds (`data-points`) and its series
 * (`data-series`), so a reader or a test can tell an empty chart from a drawn one.
 */
function draw<T extends ChartType>(id: string, config: ChartConfiguration<T>): Chart<T> {
  const canvas = document.getElementById(id);
  if (!(canvas instanceof HTMLCanvasElement)) throw new Error(`admin page: no canvas #${id}`);
  // A re-render replaces the canvas; the chart drawn on the old one is released here.
  drawn.get(id)?.destroy();
  // No animation: the chart is complete when drawn (and a screenshot or test sees it at once).
  config.options = { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } as ChartConfiguration<T>['options'];
  const chart = new Chart(canvas, config);
  drawn.set(id, chart as unknown as Chart);
  const datasets = config.data.datasets;
  canvas.dataset.points = String(datasets.reduce((n, d) => n + d.data.length, 0));
  canvas.dataset.series = datasets.map((d) => d.label ?? '').join(',');
  return chart;
}

/** One line per series over the days of `points` (each point has `day` and the series' values). */
export function lineChart(id: string, points: readonly ({ day: string } & Record<string, unknown>)[], series: readonly string[]) {
  return draw(id, {
    type: 'line',
    data: {
      labels: points.map((p) => p.day),
      datasets: series.map((name, i) => ({
        label: name,
        data: points.map((p) => (typeof p[name] === 'number' ? (p[name] as number) : 0)),
        borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length],
        pointRadius: 0,
        borderWidth: 2,
      })),
    },
    options: { scales: { y: { beginAtZero: true } }, interaction: { mode: 'index', intersect: false } },
  });
}

/** Horizontal bars, one per row, with the value at hover. */
export function barChart<R>(id: string, rows: readonly R[], label: (r: R) => string, value: (r: R) => number, name: string) {
  return draw(id, {
    type: 'bar',
    data: { labels: rows.map(label), datasets: [{ label: name, data: rows.map(value), backgroundColor: COLORS[0] }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
  });
}

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Weekday (1 = Monday) × local hour matrix, shaded by users. */
export function heatmapChart(id: string, cells: readonly { weekday: number; hour: number; users: number; engagement: number }[]) {
  const max = Math.max(1, ...cells.map((c) => c.users));
  return draw(id, {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: 'users',
          data: cells.map((c) => ({ x: c.hour, y: c.weekday, v: c.users })),
          backgroundColor: (ctx) => `rgba(37, 99, 235, ${(0.05 + (0.95 * ((ctx.raw as { v?: number } | undefined)?.v ?? 0)) / max).toFixed(3)})`,
          width: ({ chart }) => (chart.chartArea?.width ?? 0) / 24 - 1,
          height: ({ chart }) => (chart.chartArea?.height ?? 0) / 7 - 1,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: () => '',
            label: (ctx) => {
              const c = cells[ctx.dataIndex];
              return c ? `${WEEKDAYS[c.weekday]} ${c.hour}:00 – ${c.users} users, ${c.engagement} interactions` : '';
            },
          },
        },
      },
      scales: {
        x: { type: 'linear', offset: true, min: 0, max: 23, ticks: { stepSize: 3, callback: (v) => String(v).padStart(2, '0') }, grid: { display: false } },
        y: { type: 'linear', offset: true, min: 1, max: 7, reverse: true, ticks: { stepSize: 1, callback: (v) => WEEKDAYS[Number(v)] ?? '' }, grid: { display: false } },
      },
    },
  });
}

/** A vertical dashed line at x = 0 (the "no difference" line of a forest plot). */
const zeroLine: Plugin<'bar'> = {
  id: 'zeroLine',
  afterDatasetsDraw(chart) {
    const x = chart.scales.x?.getPixelForValue(0);
    if (x === undefined || !Number.isFinite(x)) return;
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = '#111827';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

const OUTCOME_COLOR: Record<string, string> = { better: '#16a34a', worse: '#dc2626' };

/** Forest plot: each treatment's difference (point) with its interval (bar) against zero. */
export function forestChart(id: string, comparisons: readonly { variant: string; difference: number; interval: { low: number; high: number }; outcome: string }[], format: (v: number) => string = (v) => fmt(v, 3)) {
  const color = (o: string) => OUTCOME_COLOR[o] ?? '#6b7280';
  const lim = Math.max(1e-12, ...comparisons.flatMap((c) => [Math.abs(c.interval.low), Math.abs(c.interval.high)]));
  return draw(id, {
    type: 'bar',
    data: {
      labels: comparisons.map((c) => c.variant),
      datasets: [
        {
          label: '95% interval',
          data: comparisons.map((c) => [c.interval.low, c.interval.high] as [number, number]),
          backgroundColor: comparisons.map((c) => color(c.outcome)),
          barThickness: 4,
        },
        {
          type: 'scatter',
          label: 'difference',
          data: comparisons.map((c) => ({ x: c.difference, y: c.variant as unknown as number })),
          backgroundColor: comparisons.map((c) => color(c.outcome)),
          pointRadius: 5,
        } as never, // a scatter layer in a bar chart: Chart.js's mixed-chart types cannot express it per dataset
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${Array.isArray(ctx.raw) ? ctx.raw.map((v: number) => format(v)).join(' – ') : format((ctx.raw as { x: number }).x)}` } } },
      scales: { x: { min: -lim * 1.05, max: lim * 1.05, ticks: { callback: (v) => format(Number(v)) } } },
    },
    plugins: [zeroLine],
  });
}
