// Progressive enhancements of the dashboard pages; every page works without them.
// 1. Filter forms marked data-autosubmit submit when a select changes (their button stays
//    for keyboard users and for typing a search).
// 2. The comparison form takes at most data-compare-max ticked units.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") {
        // A new snapshot or peer table starts again on its first page.
        var page = form.querySelector("input[name=page]");
        if (page) { page.disabled = true; }
        form.submit();
      }
    });
  });

  var compare = document.getElementById("compare-form");
  if (compare) {
    var max = parseInt(compare.getAttribute("data-compare-max"), 10) || 4;
    var boxes = document.querySelectorAll("input[type=checkbox][form=compare-form]");
    var button = compare.querySelector("button");
    var update = function () {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      Array.prototype.forEach.call(boxes, function (b) { b.disabled = !b.checked && ticked >= max; });
      if (button) { button.disabled = ticked === 0; }
    };
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", update); });
    update();
  }
})();
