// Draws the statistics charts from the JSON the page embeds; the tables beside them hold the same figures.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  function draw(key, type, label, horizontal) {
    var canvas = document.getElementById("chart-" + key);
    if (!canvas) { return; }
    var rows = data[key] || [];
    new Chart(canvas, {
      type: type,
      data: {
        labels: rows.map(function (r) { return r[0]; }),
        datasets: [{ label: label, data: rows.map(function (r) { return r[1]; }), backgroundColor: "#0a4a9f", borderColor: "#0a4a9f" }]
      },
      options: { indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } }, animation: false }
    });
  }
  draw("per_month", "line", data.labels.incidents, false);
  draw("per_category", "bar", data.labels.incidents, true);
  draw("per_platform", "bar", data.labels.incidents, true);
  draw("per_school", "bar", data.labels.incidents, true);
  draw("reached", "bar", data.labels.share, false);
}());
