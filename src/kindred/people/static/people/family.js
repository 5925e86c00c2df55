// The family form (people/family_form.html): "Add a child" and "Add an adult" copy a
// member row from its <template> instead of submitting the form (which adds the row on
// the server when this script does not run), raise TOTAL_FORMS, let htmx wire the row's
// live duplicate check, and move focus to the new row's first box. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-member]");
    if (!button) return;
    var template = document.getElementById("members-empty-" + button.getAttribute("data-add-member"));
    var total = document.getElementById("id_members-TOTAL_FORMS");
    var max = document.getElementById("id_members-MAX_NUM_FORMS");
    var list = document.getElementById("members-list");
    if (!template || !total || !list) return;
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= (parseInt(max.value, 10) || 0)) return; // the server says why
    event.preventDefault();
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var added = list.lastElementChild;
    if (!added) return;
    var legend = added.querySelector("legend");
    if (legend && legend.hasAttribute("data-number")) legend.textContent = legend.getAttribute("data-number").replace("#", String(index + 1));
    if (window.htmx) window.htmx.process(added);
    var first = added.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  });
})();
