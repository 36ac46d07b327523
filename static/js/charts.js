// Draw every Plotly figure of the page: <div data-figure="ID"> + the JSON of
// {{ figure|json_script:"ID" }} ({data, layout, config} from indicators/charts.py).
// No inline scripts: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var charts = document.querySelectorAll("[data-figure]");
  Array.prototype.forEach.call(charts, function (el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source) { return; }
    var figure;
    try { figure = JSON.parse(source.textContent); } catch (e) { return; }
    window.Plotly.newPlot(el, figure.data, figure.layout, figure.config).then(function () {
      el.classList.add("chart-ready");
    });
  });
  // Charts are drawn at screen width; redraw them at paper width for printing.
  var resize = function () {
    Array.prototype.forEach.call(charts, function (el) {
      if (el.classList.contains("chart-ready")) { window.Plotly.Plots.resize(el); }
    });
  };
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
