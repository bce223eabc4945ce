/* Draws the oversight charts with ECharts from the data the page put in <script id="oversight-charts"
 * type="application/json"> (json_script: data, not code, so the CSP allows it). Each chart is also a
 * table on the page: without this file, or for a screen reader, nothing is lost. ES5 for old WebViews.
 *
 *   <div class="oversight-chart" data-chart="months|terms|grid|channels">
 *   <body data-theme="dark"> draws for the big screen's dark background.
 */
(function () {
  "use strict";
  var source = document.getElementById("oversight-charts");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var dark = document.body.getAttribute("data-theme") === "dark";
  var text = dark ? "#e6f0f5" : "#333";
  var big = dark ? 18 : 12;

  function lines(d) {
    return {
      textStyle: { color: text, fontSize: big },
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: text, fontSize: big } },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: d.labels, axisLabel: { color: text, fontSize: big } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: text, fontSize: big } },
      series: d.series.map(function (s) {
        return { name: s.name, type: d.labels.length > 8 ? "line" : "bar", data: s.data, smooth: true };
      })
    };
  }

  function grid(d) {
    return {
      textStyle: { color: text, fontSize: big },
      tooltip: { position: "top" },
      grid: { left: 110, right: 16, top: 16, bottom: 70 },
      xAxis: { type: "category", data: d.x, splitArea: { show: true }, axisLabel: { color: text, fontSize: big, interval: 0, rotate: 30 } },
      yAxis: { type: "category", data: d.y, splitArea: { show: true }, axisLabel: { color: text, fontSize: big } },
      visualMap: { min: 0, max: Math.max(1, d.max), show: false, inRange: { color: ["#f4fbf7", "#f0ad4e", "#c0392b"] } },
      series: [{ type: "heatmap", data: d.data, label: { show: true, fontSize: big } }]
    };
  }

  function pie(d) {
    return {
      textStyle: { color: text, fontSize: big },
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: d, label: { color: text, fontSize: big } }]
    };
  }

  var makers = { months: lines, terms: lines, grid: grid, channels: pie };
  var charts = [];
  var nodes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < nodes.length; i++) {
    var name = nodes[i].getAttribute("data-chart");
    if (!makers[name] || !data[name]) { continue; }
    if (name === "channels" && !data[name].length) { continue; }
    var chart = window.echarts.init(nodes[i], null, { renderer: "canvas" });
    chart.setOption(makers[name](data[name]));
    charts.push(chart);
  }
  window.addEventListener("resize", function () {
    for (var j = 0; j < charts.length; j++) { charts[j].resize(); }
  });
})();
