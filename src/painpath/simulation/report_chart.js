// painpath: draws the simulation report's bar charts with the inlined Chart.js. Each bar is a scenario's mean over
// replications; the thin line through it (the whisker) spans its 95% interval. The figures come from the page's
// <script type="application/json" id="simulation-chart-data"> block; every number is also in the table under the chart.
(function () {
  "use strict";

  var COLORS = ["#6b7580", "#1f5f99", "#0f7c85", "#7d3c98", "#9a6400", "#4a6fa5", "#2e6b5e"];  // baseline grey first; no red or green, which would read as worse or better
  var TEXT_COLOR = "#3d4650";
  var GRID_COLOR = "#e3e6ea";

  // Draws each bar's interval [low, high] as a vertical line with short caps, after the bars are drawn.
  var whiskers = {
    id: "whiskers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, index) {
        var meta = chart.getDatasetMeta(index);
        if (meta.hidden) {
          return;
        }
        meta.data.forEach(function (bar, i) {
          var low = dataset.lows[i];
          var high = dataset.highs[i];
          if (low === null || high === null || low === undefined || high === undefined) {
            return;
          }
          var top = y.getPixelForValue(high);
          var bottom = y.getPixelForValue(low);
          var cap = Math.min(8, bar.width / 4);
          ctx.save();
          ctx.beginPath();  // clip to the plot, so a whisker never runs over the axis labels
          ctx.rect(chart.chartArea.left, chart.chartArea.top, chart.chartArea.width, chart.chartArea.height);
          ctx.clip();
          ctx.strokeStyle = "#111";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(bar.x, top);
          ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - cap, top);
          ctx.lineTo(bar.x + cap, top);
          ctx.moveTo(bar.x - cap, bottom);
          ctx.lineTo(bar.x + cap, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  function config(spec) {
    var single = spec.datasets.length === 1;
    var datasets = spec.datasets.map(function (d, i) {
      // One dataset (a measure): a colour per scenario bar. Several (staff roles): a colour per scenario dataset.
      var colors = single ? d.means.map(function (_, j) { return COLORS[j % COLORS.length]; }) : COLORS[i % COLORS.length];
      return { label: d.label, data: d.means, lows: d.lows, highs: d.highs, backgroundColor: colors, borderColor: colors,
               borderWidth: 1 };
    });
    // The axis reaches every interval's ends: with few replications an interval can dip below zero.
    var highest = 0;
    var lowest = 0;
    spec.datasets.forEach(function (d) {
      d.highs.forEach(function (h) { if (h !== null && h > highest) { highest = h; } });
      d.lows.forEach(function (l) { if (l !== null && l < lowest) { lowest = l; } });
    });
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      plugins: [whiskers],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR } },
          y: { beginAtZero: true, suggestedMin: lowest, suggestedMax: highest * 1.05, grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR },
               title: { display: true, text: spec.y_label, color: TEXT_COLOR } }
        },
        plugins: { legend: { display: !single, labels: { color: TEXT_COLOR } } }
      }
    };
  }

  function draw() {
    var block = document.getElementById("simulation-chart-data");
    if (!block || typeof window.Chart === "undefined") {
      return;
    }
    JSON.parse(block.textContent).forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (canvas) {
        new window.Chart(canvas, config(spec));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
