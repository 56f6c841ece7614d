// Chart.js wrappers: time-series lines with gaps kept as gaps, the stacked
// daily cost bars, the forecast band and the findings' sparklines. Chart.js
// comes from npm (vendor/chart.umd.js, copied by make web), never a CDN.

const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#4b5563', '#9333ea', '#ea580c', '#0d9488'];
export const colour = i => palette[i % palette.length];

const charts = new Map(); // canvas -> Chart

/** draw replaces whatever chart a canvas had. */
export function draw(canvas, config) {
  if (!window.Chart) return null; // the page says so in its banner
  charts.get(canvas)?.destroy();
  const chart = new window.Chart(canvas, config);
  charts.set(canvas, chart);
  return chart;
}

export function clear(canvas) {
  charts.get(canvas)?.destroy();
  charts.delete(canvas);
}

/** clearWithin destroys the charts drawn inside el, before el is emptied. */
export function clearWithin(el) {
  for (const canvas of [...charts.keys()]) if (el.contains(canvas)) clear(canvas);
}

const HOUR = 3600_000;

/** timeTicks are ticks on whole hours or days (UTC) between min and max,
 * at most about eight of them. */
export function timeTicks(min, max) {
  const step = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR].find(s => (max - min) / s <= 8) || 7 * 24 * HOUR;
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push({ value: t });
  return ticks;
}

const tickTime = (hours) => (value) => {
  const d = new Date(value);
  return hours > 48
    ? d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })
    : d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
};

/** withGaps turns sorted {t, v} points into chart points, with a null where
 * datapoints are missing, so that the line breaks instead of bridging it.
 * A gap is a step longer than one and a half times the series' usual step
 * (its median, and never less than the period): a metric published hourly
 * and read at 10-minute periods is a line, an hour-long outage in a
 * 5-minute series is a gap. */
export function withGaps(points, periodSeconds) {
  const xs = points.map(p => Date.parse(p.t));
  const steps = xs.slice(1).map((x, i) => x - xs[i]).sort((a, b) => a - b);
  const usual = Math.max(periodSeconds * 1000, steps.length ? steps[Math.floor(steps.length / 2)] : 0);
  const out = [];
  xs.forEach((x, i) => {
    if (i > 0 && x - xs[i - 1] > usual * 1.5) out.push({ x: xs[i - 1] + usual, y: null });
    out.push({ x, y: points[i].v });
  });
  return out;
}

const statStyle = { Average: [], Maximum: [6, 4], Minimum: [2, 3], p99: [1, 3], Sum: [] };

/** lineChart draws one metric for several resources, each statistic overlaid. */
export function lineChart(canvas, { metric, series, hours, window }) {
  const datasets = [];
  series.forEach(({ id, name, index, metric: m }) => {
    for (const [stat, points] of Object.entries(m.stats)) {
      datasets.push({
        label: `${name || id} ${stat}`,
        data: withGaps(points, m.period),
        borderColor: colour(index),
        backgroundColor: colour(index),
        borderDash: statStyle[stat] || [],
        borderWidth: stat === 'Average' ? 2 : 1.25,
        pointRadius: points.length < 40 ? 2 : 0,
        spanGaps: false,
        cloudscope: { resource: id, stat },
      });
    }
  });
  return draw(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: {
          type: 'linear', min: Date.parse(window.start), max: Date.parse(window.end),
          afterBuildTicks: axis => { axis.ticks = timeTicks(axis.min, axis.max); },
          ticks: { callback: tickTime(hours) }, title: { display: true, text: 'time (UTC)' },
        },
        y: { beginAtZero: true, title: { display: true, text: metric.unit || 'value' } },
      },
      plugins: {
        title: { display: true, text: `${metric.name} (${metric.namespace})` },
        tooltip: { callbacks: { title: items => items.length ? new Date(items[0].parsed.x).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '' } },
      },
    },
  });
}

/** costBars draws the stacked daily bars, one dataset per group. */
export function costBars(canvas, { labels, datasets, currency, estimated, anomalous = [] }) {
  return draw(canvas, {
    type: 'bar',
    data: {
      labels: labels.map((l, i) => (estimated[i] ? `${l}*` : l) + (anomalous[i] ? ' !' : '')),
      datasets: datasets.map((d, i) => ({
        label: d.label,
        data: d.data,
        backgroundColor: labels.map((_, j) => colour(i) + (estimated[j] ? '66' : 'ff')),
        stack: 'cost',
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, ticks: { maxRotation: 60 } },
        y: { stacked: true, title: { display: true, text: currency } },
      },
      plugins: {
        title: { display: true, text: 'Cost per day (* estimated: not yet final; ! a spend anomaly, listed below)' },
        legend: { position: 'bottom' },
      },
    },
  });
}

/** forecastBand draws the forecast's mean with its prediction interval. */
export function forecastBand(canvas, { labels, lower, mean, upper, currency, interval }) {
  return draw(canvas, {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: `lower (${interval}%)`, data: lower, borderColor: '#93c5fd', pointRadius: 0, fill: false },
        { label: `upper (${interval}%)`, data: upper, borderColor: '#93c5fd', backgroundColor: '#bfdbfe88', pointRadius: 0, fill: '-1' },
        { label: 'forecast', data: mean, borderColor: '#1d4ed8', borderWidth: 2, pointRadius: 1, fill: false },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: currency } } },
      plugins: { title: { display: true, text: `Forecast, with its ${interval}% prediction interval` }, legend: { position: 'bottom' } },
    },
  });
}

/** sparkline draws a finding's deciding datapoints against its threshold
 * when the canvas scrolls into view (a long list draws only what is seen). */
const lazy = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver(entries => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    lazy.unobserve(e.target);
    e.target.cloudscopeDraw?.();
  }
}, { rootMargin: '200px' });

export function sparklineWhenSeen(canvas, evidence, threshold) {
  canvas.cloudscopeDraw = () => { if (canvas.isConnected) sparkline(canvas, evidence, threshold); };
  if (lazy) lazy.observe(canvas);
  else canvas.cloudscopeDraw();
}

/** sparkline draws a finding's deciding datapoints against its threshold. */
export function sparkline(canvas, evidence, threshold) {
  const data = evidence.map(p => ({ x: Date.parse(p.t), y: p.v }));
  const xs = data.map(p => p.x);
  const datasets = [{ label: 'observed', data, borderColor: '#b91c1c', borderWidth: 1.5, pointRadius: 0 }];
  if (threshold && Number.isFinite(threshold.value) && xs.length) {
    datasets.push({ label: 'threshold', data: [{ x: Math.min(...xs), y: threshold.value }, { x: Math.max(...xs), y: threshold.value }],
      borderColor: '#6b7280', borderDash: [4, 3], borderWidth: 1, pointRadius: 0 });
  }
  return draw(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false, maintainAspectRatio: false, parsing: false, events: [],
      scales: { x: { type: 'linear', display: false }, y: { display: false, beginAtZero: true } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
    },
  });
}
