// Poll an upload's status while it is validated or published; reload when it settles.
(function () {
  "use strict";
  var panel = document.getElementById("upload-status");
  if (!panel || panel.dataset.final === "1") { return; }
  var bar = panel.querySelector("[data-role=bar]");
  var label = panel.querySelector("[data-role=label]");
  var message = panel.querySelector("[data-role=message]");
  var waiting = document.querySelector("[data-role=waiting]");
  function poll() {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.progress; label.textContent = s.label; message.textContent = s.message;
        if (waiting) { waiting.innerHTML = s.waiting; }  // rendered (and escaped) by the server
        if (s.final) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
