// Draw each dashboard chart with Chart.js from the numbers the page carries in #console-chart-data.
// The same numbers fill the table beside each chart, so nothing here is the only place they appear.

const PALETTE = ["#205067", "#c24e00", "#2e7d32", "#6a1b9a", "#b8860b", "#00838f", "#ad1457", "#546e7a"];

function dataset(series, index, stacked) {
  const colour = PALETTE[index % PALETTE.length];
  const line = series.kind === "line";
  return {
    label: series.unit ? `${series.label} (${series.unit})` : series.label,
    data: series.values,
    type: line ? "line" : "bar",
    borderColor: colour,
    backgroundColor: line ? colour : `${colour}cc`,
    stack: line || !stacked ? undefined : "decisions",
    spanGaps: false,
    order: line ? 0 : 1,
  };
}

function draw(canvas, chart) {
  const datasets = chart.series.map((series, index) => dataset(series, index, chart.stacked));
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels: chart.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: chart.stacked }, y: { stacked: chart.stacked, beginAtZero: true } },
    },
  });
}

function start() {
  const source = document.getElementById("console-chart-data");
  if (!source || !window.Chart) return;
  const charts = JSON.parse(source.textContent);
  for (const chart of charts) {
    const canvas = document.querySelector(`canvas[data-chart="${chart.id}"]`);
    if (canvas) canvas.dataset.drawn = String(draw(canvas, chart).data.datasets.length);
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
