// painpath: draws the outcomes dashboard's charts (bar, line, step) with the vendored Chart.js. The figures
// come from the page's <script type="application/json" id="outcomes-chart-data"> block, so there is no inline
// script; every number is also in the table under each chart.
(function () {
  "use strict";

  // Colours and point shapes per series, so series differ without colour too.
  var STYLES = [
    { color: "#1f5f99", point: "circle" },
    { color: "#b03a2e", point: "rect" },
    { color: "#1e7a45", point: "triangle" },
    { color: "#9a6400", point: "rectRot" },
    { color: "#7d3c98", point: "star" }
  ];
  var GRID_COLOR = "#e3e6ea";
  var TEXT_COLOR = "#3d4650";

  function config(spec) {
    var type = spec.kind === "bar" ? "bar" : "line";
    var datasets = spec.series.map(function (s, i) {
      var style = STYLES[i % STYLES.length];
      return {
        label: s.label,
        data: s.values,
        borderColor: style.color,
        backgroundColor: style.color,
        pointBackgroundColor: style.color,
        pointStyle: style.point,
        pointRadius: type === "line" ? 3 : 0,
        borderWidth: 2,
        spanGaps: true,
        stepped: spec.kind === "step" ? "before" : false,
        tension: 0
      };
    });
    return {
      type: type,
      data: { labels: spec.x, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR, autoSkip: true },
               title: { display: true, text: spec.x_label, color: TEXT_COLOR } },
          y: { beginAtZero: true, grid: { color: GRID_COLOR }, ticks: { color: TEXT_COLOR },
               title: { display: true, text: spec.y_label, color: TEXT_COLOR } }
        },
        plugins: { legend: { display: datasets.length > 1, labels: { color: TEXT_COLOR, usePointStyle: true } } }
      }
    };
  }

  function draw() {
    var block = document.getElementById("outcomes-chart-data");
    if (!block || typeof window.Chart === "undefined") {
      return;
    }
    JSON.parse(block.textContent).forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (canvas && spec.x.length > 0) {
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
