// painpath: draws the episode's total daily MME over time as a step chart with the vendored Chart.js, and
// the pack's naloxone threshold as a dashed, labelled horizontal line. The data comes from the page's
// <script type="application/json" id="mme-chart-data"> block (no inline script); every value is also in
// the table under the chart. x values are day numbers (Python's date.toordinal), shown as dates.
(function () {
  "use strict";

  var LINE_COLOR = "#1f5f99";
  var THRESHOLD_COLOR = "#b03a2e";
  var GRID_COLOR = "#e3e6ea";
  var TEXT_COLOR = "#3d4650";
  // Python's ordinal of 1 Jan 1970, so an ordinal becomes a JavaScript date without a date library.
  var EPOCH_ORDINAL = 719163;
  var DAY_MS = 86400000;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function dateWords(ordinal) {
    var d = new Date((Math.round(ordinal) - EPOCH_ORDINAL) * DAY_MS);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  // Writes the threshold's label just above the dashed line, at the right of the plot area.
  var thresholdLabel = {
    id: "mmeThresholdLabel",
    afterDatasetsDraw: function (chart, _args, options) {
      if (!options || options.value === null || options.value === undefined) {
        return;
      }
      var area = chart.chartArea;
      var y = chart.scales.y.getPixelForValue(options.value);
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = THRESHOLD_COLOR;
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      ctx.fillText(options.label, area.right - 4, y - 3);
      ctx.restore();
    }
  };

  function config(spec) {
    var points = spec.points.map(function (p) { return { x: p.x, y: p.y }; });
    var first = points[0].x;
    var last = points[points.length - 1].x;
    if (last === first) {
      last = first + 1; // one day only: give the line some length
    }
    var highest = Math.max.apply(null, points.map(function (p) { return p.y; }));
    var datasets = [{
      label: "Total MME/day",
      data: points,
      stepped: true, // each value holds until the next change
      borderColor: LINE_COLOR,
      backgroundColor: LINE_COLOR,
      pointBackgroundColor: LINE_COLOR,
      pointRadius: 4,
      borderWidth: 2
    }];
    if (spec.threshold !== null) {
      datasets.push({
        label: spec.threshold_label,
        data: [{ x: first, y: spec.threshold }, { x: last, y: spec.threshold }],
        borderColor: THRESHOLD_COLOR,
        backgroundColor: THRESHOLD_COLOR,
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 0,
        pointHoverRadius: 0
      });
    }
    return {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, // a record to read: complete as soon as it appears
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear", min: first, max: last, grid: { color: GRID_COLOR },
            ticks: { color: TEXT_COLOR, maxRotation: 0, autoSkip: true, maxTicksLimit: 5, precision: 0, callback: function (v) { return dateWords(v); } }
          },
          y: {
            beginAtZero: true, suggestedMax: Math.max(highest, spec.threshold || 0) * 1.2, grid: { color: GRID_COLOR },
            ticks: { color: TEXT_COLOR }, title: { display: true, text: "MME/day", color: TEXT_COLOR }
          }
        },
        plugins: {
          // No legend: the caption names both lines and the threshold carries its own label on the chart.
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? dateWords(items[0].parsed.x) : ""; },
              label: function (item) { return item.dataset.label + ": " + item.parsed.y; }
            }
          },
          mmeThresholdLabel: { value: spec.threshold, label: spec.threshold_label }
        }
      },
      plugins: [thresholdLabel]
    };
  }

  function draw() {
    var block = document.getElementById("mme-chart-data");
    var canvas = document.getElementById("mme-chart");
    if (!block || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(block.textContent);
    if (spec.points.length === 0 || window.Chart.getChart(canvas)) {
      return;
    }
    new window.Chart(canvas, config(spec));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
