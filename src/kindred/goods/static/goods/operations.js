// Dynamic lines of the sorting, transfer, count and disposal forms: "Add a line" copies
// the formset's empty form (a <template>) and raises TOTAL_FORMS. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-line]");
    if (!button) return;
    event.preventDefault();
    var prefix = button.getAttribute("data-add-line");
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var list = document.getElementById(prefix + "-list");
    if (!template || !total || !list) return;
    var index = parseInt(total.value, 10) || 0;
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var added = list.lastElementChild;
    var first = added && added.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  });
})();
// Sorting lines: show only the fields the chosen stream uses (data-streams on the input).
(function () {
  "use strict";
  function update(select) {
    var line = select.closest("fieldset");
    if (!line) return;
    var stream = select.value;
    line.querySelectorAll("[data-streams]").forEach(function (input) {
      var field = input.closest(".field");
      if (!field) return;
      var used = !stream || input.getAttribute("data-streams").split(" ").indexOf(stream) >= 0;
      field.style.display = used ? "" : "none";
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name$='-stream']")) update(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[name$='-stream']").forEach(update);
  });
})();
