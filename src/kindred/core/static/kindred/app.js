// Kindred's only page script. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The navigation drawer on narrow screens: the Menu button opens it and moves focus into
  // it; Escape, the close button or a click outside closes it and gives focus back.
  function drawer() { return document.getElementById("sidenav"); }
  function toggleButton() { return document.querySelector("[data-drawer-toggle]"); }
  function setDrawer(open) {
    var nav = drawer(), button = toggleButton();
    if (!nav || !button) return;
    nav.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var target = nav.querySelector('[aria-current="page"]') || nav.querySelector("a, summary");
      if (target) target.focus();
    } else {
      button.focus();
    }
  }
  function drawerOpen() { var nav = drawer(); return !!nav && nav.classList.contains("open"); }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-drawer-toggle]")) { setDrawer(!drawerOpen()); return; }
    if (event.target.closest("[data-drawer-close]")) { setDrawer(false); return; }
    if (drawerOpen() && !event.target.closest("#sidenav")) setDrawer(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawerOpen()) setDrawer(false);
  });
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Close an open <details> menu when clicking elsewhere or pressing Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
  // The error summary (_error_summary.html): when a page or an htmx swap brings one, it
  // takes focus (a screen reader reads it) and is scrolled into view; its links focus
  // their field (the first box of a group), with the field's label in view.
  function focusSummary(root) {
    var summary = root && root.querySelector ? root.querySelector("[data-error-summary]") : null;
    if (!summary && root && root.matches && root.matches("[data-error-summary]")) summary = root;
    if (!summary) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  }
  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    focusSummary(event.detail && event.detail.elt);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) return;
    var input = target.matches("input, select, textarea, button")
      ? target : target.querySelector("input, select, textarea, button");
    if (!input) return;
    event.preventDefault();
    var group = input.closest(".field, fieldset") || input;
    group.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  });
  // Select a freshly created token for copying.
  document.addEventListener("DOMContentLoaded", function () {
    var token = document.getElementById("new-token");
    if (token) { token.focus(); token.select(); }
  });
})();
