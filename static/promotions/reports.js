// HR report charts: Chart.js (static/vendor/chartjs) draws each chart described in the
// #report-charts JSON (written by json_script) into the canvas with the same id. Each chart
// has the table of the same figures right below it, which is what screen readers get.
(function () {
  "use strict";
  var data = document.getElementById("report-charts");
  if (!data || typeof window.Chart !== "function") {
    return; // without Chart.js the tables still say everything
  }
  var charts = JSON.parse(data.textContent);
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  charts.forEach(function (chart) {
    var canvas = document.getElementById(chart.id);
    if (!canvas || !chart.labels.length) {
      return;
    }
    // Horizontal bars: long level titles stay readable on a phone. Room for every bar.
    var bars = chart.labels.length * Math.max(chart.datasets.length, 1);
    canvas.parentNode.style.height = Math.max(10, Math.min(60, 3 + bars * 1.6)) + "rem";
    new window.Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set) {
          return { label: set.label, data: set.data };
        }),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        plugins: { legend: { display: chart.datasets.length > 1 } },
        scales: {
          x: { beginAtZero: true, title: { display: true, text: chart.axis } },
          y: {
            ticks: {
              autoSkip: false,
              // Long level titles are cut short on a narrow screen (the table and the tooltip
              // have them whole).
              callback: function (value) {
                var label = this.getLabelForValue(value);
                var room = this.chart.width < 500 ? 18 : 60;
                return label.length > room ? label.slice(0, room - 1) + "\u2026" : label;
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "true";
  });
})();
