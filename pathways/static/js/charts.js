/* Draws the dashboard's charts from the JSON block #chart-data (no inline script: CSP). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  function wrap(label) {
    var lines = [], line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 22) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  // DSFR palette colours with enough contrast on white.
  var colours = ["#000091", "#6a6af4", "#18753c", "#b34000", "#666666", "#a558a0"];
  Object.keys(charts).forEach(function (name) {
    var canvas = document.getElementById("chart-" + name);
    if (!canvas) { return; }
    var spec = charts[name];
    var values = { stacked: !!spec.stacked, beginAtZero: true, ticks: { precision: 0 } };
    var categories = { stacked: !!spec.stacked, ticks: { autoSkip: false } };
    new Chart(canvas, {
      type: "bar",
      data: {
        // Long category names beside horizontal bars go on several lines (phones).
        labels: spec.horizontal ? spec.labels.map(wrap) : spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: spec.horizontal ? { x: values, y: categories } : { x: categories, y: values },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
