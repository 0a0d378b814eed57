// painpath: draws the episode's function charts (pain, instrument scores, tolerances) with the vendored
// Chart.js. The data comes from the page's <script type="application/json" id="function-chart-data">
// block, so there is no inline script. Every number is also in the table under each chart.
(function () {
  "use strict";

  // Colours and point shapes per series: shapes as well as colours, so the lines differ without colour.
  var STYLE = {
    pain_now: { color: "#b03a2e", point: "circle" },
    pain_average: { color: "#1f5f99", point: "rect" },
    pain_worst: { color: "#7d3c98", point: "triangle" },
    sitting_minutes: { color: "#1f5f99", point: "circle" },
    standing_minutes: { color: "#9a6400", point: "rect" },
    walking_minutes: { color: "#1e7a45", point: "triangle" }
  };
  var INSTRUMENT_STYLE = { color: "#1f5f99", point: "circle" };
  var MIC_COLOR = "#c0392b";
  var GRID_COLOR = "#e3e6ea";
  var TEXT_COLOR = "#3d4650";

  // Draws the minimal-important-change target as a dashed horizontal line across the plot area, with
  // its label. A plugin rather than a dataset, so the line spans the chart even with one date.
  var micLinePlugin = {
    id: "micLine",
    afterDatasetsDraw: function (chart, _args, options) {
      if (!options || options.value === null || options.value === undefined) {
        return;
      }
      var area = chart.chartArea;
      var y = chart.scales.y.getPixelForValue(options.value);
      if (y < area.top || y > area.bottom) {
        return;
      }
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = MIC_COLOR;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = MIC_COLOR;
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      ctx.fillText(options.label + " " + options.value, area.right - 4, y - 3);
      ctx.restore();
    }
  };

  function styleFor(key, isInstrument) {
    return STYLE[key] || (isInstrument ? INSTRUMENT_STYLE : { color: "#3d4650", point: "circle" });
  }

  function config(spec) {
    var isInstrument = spec.id.indexOf("chart-instrument-") === 0;
    var datasets = spec.datasets.map(function (d) {
      var style = styleFor(d.key, isInstrument);
      return {
        label: d.label,
        data: d.data,
        borderColor: style.color,
        backgroundColor: style.color,
        pointBackgroundColor: style.color,
        pointBorderColor: style.color,
        pointStyle: style.point,
        pointRadius: 5,
        pointHoverRadius: 7,
        borderWidth: 2,
        spanGaps: true,
        tension: 0
      };
    });
    var y = { beginAtZero: true, grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR },
              title: { display: true, text: spec.unit, color: TEXT_COLOR } };
    if (spec.y.min !== null) { y.min = spec.y.min; }
    if (spec.y.max !== null) { y.max = spec.y.max; }
    return {
      type: "line",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        // No animation: the chart is a record to read, and it is complete as soon as it appears.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { type: "category", offset: true, grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR, autoSkip: true, maxRotation: 0 } },
          y: y
        },
        plugins: {
          legend: { display: datasets.length > 1, labels: { color: TEXT_COLOR, usePointStyle: true } },
          micLine: spec.mic ? { value: spec.mic.value, label: spec.mic.label } : { value: null }
        }
      },
      plugins: [micLinePlugin]
    };
  }

  function draw() {
    var block = document.getElementById("function-chart-data");
    if (!block || typeof window.Chart === "undefined") {
      return;
    }
    var specs = JSON.parse(block.textContent);
    specs.forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (!canvas || spec.labels.length === 0) {
        return;
      }
      new window.Chart(canvas, config(spec));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
