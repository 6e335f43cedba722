// Draws the dashboard charts from the JSON the page embeds (#dashboard-charts), with Chart.js
// served from static/vendor/chartjs (no CDN). The numbers are also in the tables next to each chart.
// Each canvas gets data-total (sum of its first dataset) once drawn: tests compare it with the database.
(function () {
  "use strict";
  var specs = JSON.parse(document.getElementById("dashboard-charts").textContent);
  var palette = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d"];
  var number = new Intl.NumberFormat("fr-FR");

  function datasets(spec) {
    return spec.datasets.map(function (ds, i) {
      var colour = spec.type === "doughnut" ? palette.slice(0, ds.data.length) : palette[i % palette.length];
      return Object.assign({backgroundColor: colour, borderColor: spec.type === "line" ? colour : undefined,
                            fill: false, tension: 0.2}, ds);
    });
  }

  function options(spec) {
    var opts = {responsive: true, maintainAspectRatio: false, animation: false,
                plugins: {legend: {position: "bottom"}}};
    if (spec.type !== "doughnut") {
      opts.scales = {x: {stacked: !!spec.stacked}, y: {stacked: !!spec.stacked, beginAtZero: true}};
      if (spec.percent) { opts.scales.y.max = 100; }
      opts.scales.y.ticks = {callback: function (v) { return number.format(v) + (spec.percent ? " %" : ""); }};
    }
    return opts;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) { return; }
    new Chart(canvas, {type: spec.type, data: {labels: spec.labels, datasets: datasets(spec)},
                       options: options(spec)});
    var first = spec.datasets[0] ? spec.datasets[0].data : [];
    canvas.dataset.total = first.reduce(function (sum, v) { return sum + (v || 0); }, 0);
    canvas.dataset.rendered = "1";
  });
})();
