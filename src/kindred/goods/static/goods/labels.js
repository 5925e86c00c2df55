// The label page: "choose all" ticks every location or item listed on the page. The list
// is replaced by htmx when the filters change, so the handlers are delegated.
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("[data-select-all-row]").forEach(function (row) { row.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.target); });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (!box) return;
    var results = box.closest("#results") || document;
    results.querySelectorAll("tbody input[type=checkbox]").forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
