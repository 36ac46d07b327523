// The what-if control of the unit page: add dossiers to indicators and see the total, the
// rank and the band move. Every figure comes scored from the server (dashboard/advice.py):
// this only looks gains up in its tables, adds them and compares, in hundredths (integers,
// so 0,1 + 0,2 is exactly 0,3); the rules of the framework are never restated here.
(function () {
  "use strict";
  var form = document.querySelector("form[data-role=what-if]");
  var source = document.getElementById("what-if-data");
  if (!form || !source) { return; }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "vi";
  var hundredths = function (text) { return Math.round(parseFloat(text) * 100); };
  var format = function (h) {
    return (h / 100).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  };
  var gains = {};
  data.indicators.forEach(function (item) { gains[item.code] = item.gains.map(hundredths); });
  var peers = data.peers.map(hundredths);
  var bands = data.bands.map(function (b) { return { min: hundredths(b.min), name: b.name }; });
  var base = data.total === null ? null : hundredths(data.total);
  var out = {
    total: form.querySelector("[data-role=total]"),
    rank: form.querySelector("[data-role=rank]"),
    band: form.querySelector("[data-role=band]"),
    capped: form.querySelector("[data-role=capped]")
  };

  function update() {
    if (base === null) { return; }
    var total = base, capped = false;
    Array.prototype.forEach.call(form.querySelectorAll("input[data-code]"), function (input) {
      var table = gains[input.getAttribute("data-code")] || [0];
      var n = Math.max(0, parseInt(input.value, 10) || 0);
      if (n >= table.length) { n = table.length - 1; capped = capped || input.value > n; }
      total += table[n];
    });
    // Competition ranking, as the tables rank: 1 + the peers strictly ahead.
    var rank = 1 + peers.filter(function (p) { return p > total; }).length;
    var band = bands.filter(function (b) { return total >= b.min; })[0];
    out.total.textContent = format(total);
    out.rank.textContent = rank + "/" + data.peer_count;
    out.band.textContent = band ? band.name : "—";
    out.capped.hidden = !capped;
  }
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  update();
})();
