// The intake table: type-ahead item types and donors, one line in three keystroke groups
// (item Enter, size Enter, quantity Enter), rows validated by the server without a page
// reload, running totals. And the thank-you page's print button. No inline scripts: the
// Content-Security-Policy forbids them.
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupIntake(form) {
    var catalogue = readJson("intake-catalogue", []);
    var defaults = readJson("intake-default-locations", {});
    catalogue.forEach(function (t) {
      t.folded = fold(t.label);
      t.words = t.folded.split(/[\s,()'’-]+/).filter(Boolean);
    });
    var $ = function (id) { return document.getElementById(id); };
    var site = form.querySelector("[name=site]");
    var channel = form.querySelector("[name=channel]");
    var donor = form.querySelector("[name=donor]");
    var donorKind = form.querySelector("[name=donor_kind]");
    var donorPerson = form.querySelector("[name=donor_person]");
    var donorContact = form.querySelector("[name=donor_contact]");
    var donorOptions = $("donor-options");
    var donorStatus = $("donor-status");
    var item = $("entry-item");
    var list = $("entry-suggestions");
    var size = $("entry-size");
    var sizes = $("entry-sizes");
    var quantity = $("entry-quantity");
    var weight = $("entry-weight");
    var grade = $("entry-grade");
    var location = $("entry-location");
    var description = $("entry-description");
    var addButton = $("entry-add");
    var error = $("entry-error");
    var lines = $("lines");
    var empty = $("lines-empty");
    var save = $("save-receipt");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var chosen = null; // the picked item type
    var matches = [];
    var active = -1;
    var channelTouched = false;

    // Sites and their locations --------------------------------------------------------
    function filterLocations() {
      var siteId = site.value;
      var keep = location.value;
      var keepVisible = false;
      Array.prototype.forEach.call(location.options, function (option) {
        var visible = option.getAttribute("data-site") === siteId;
        option.hidden = !visible;
        option.disabled = !visible;
        if (visible && option.value === keep) keepVisible = true;
      });
      if (!keepVisible) location.value = String(defaults[siteId] || "");
    }
    site.addEventListener("change", function () {
      location.value = "";
      filterLocations();
    });
    filterLocations();
    channel.addEventListener("change", function () { channelTouched = true; });

    // Donor -----------------------------------------------------------------------------
    var donorTimer = null;
    function resolveDonor() {
      var wanted = fold(donor.value);
      var found = [];
      Array.prototype.forEach.call(donorOptions.options, function (option) {
        if (wanted && fold(option.getAttribute("data-name")) === wanted) found.push(option);
      });
      donorPerson.value = "";
      donorContact.value = "";
      if (found.length === 1) {
        var kind = found[0].getAttribute("data-kind");
        donorKind.value = kind;
        (kind === "person" ? donorPerson : donorContact).value = found[0].getAttribute("data-id");
        donorStatus.textContent = donorStatus.getAttribute("data-" + kind) + ": " + found[0].getAttribute("data-name");
        if (kind === "contact" && !channelTouched && found[0].getAttribute("data-contact-kind") === "company") {
          channel.value = "company";
        }
      } else if (wanted) {
        donorKind.value = "named";
        donorStatus.textContent = donorStatus.getAttribute("data-named");
      } else {
        donorKind.value = "anonymous";
        donorStatus.textContent = donorStatus.getAttribute("data-anonymous");
      }
    }
    function fetchDonors() {
      var text = donor.value.trim();
      if (text.length < 2) { donorOptions.innerHTML = ""; resolveDonor(); return; }
      var url = form.getAttribute("data-donors-url") + "?q=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (donor.value.trim() !== text) return; // typed on meanwhile
          donorOptions.innerHTML = html;
          resolveDonor();
        });
    }
    donor.addEventListener("input", function () {
      resolveDonor();
      window.clearTimeout(donorTimer);
      donorTimer = window.setTimeout(fetchDonors, 150);
    });
    donor.addEventListener("change", resolveDonor);
    if (donor.value) fetchDonors(); else resolveDonor();

    // Item type-ahead ---------------------------------------------------------------------
    function score(t, query, words) {
      if (t.folded.indexOf(query) === 0) return 0;
      if (t.words.some(function (w) { return w.indexOf(query) === 0; })) return 1;
      if (words.every(function (q) { return t.words.some(function (w) { return w.indexOf(q) === 0; }); })) return 2;
      if (t.folded.indexOf(query) >= 0) return 3;
      if (t.code && t.code.indexOf(query) >= 0) return 4;
      return -1;
    }
    function search(text) {
      var query = fold(text);
      if (!query) return [];
      var words = query.split(/\s+/);
      return catalogue
        .map(function (t) { return { t: t, s: score(t, query, words) }; })
        .filter(function (m) { return m.s >= 0; })
        .sort(function (a, b) { return a.s - b.s || a.t.label.length - b.t.label.length; })
        .slice(0, 8)
        .map(function (m) { return m.t; });
    }
    function render() {
      list.innerHTML = "";
      matches.forEach(function (t, i) {
        var li = document.createElement("li");
        li.id = "entry-suggestion-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        var label = document.createElement("span");
        label.textContent = t.label;
        var category = document.createElement("small");
        category.textContent = t.category;
        li.appendChild(label);
        li.appendChild(category);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(t); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
      item.setAttribute("aria-expanded", matches.length ? "true" : "false");
      if (active >= 0) item.setAttribute("aria-activedescendant", "entry-suggestion-" + active);
      else item.removeAttribute("aria-activedescendant");
    }
    function hideList() { matches = []; active = -1; render(); }
    function pick(t) {
      chosen = t;
      item.value = t.label;
      hideList();
      sizes.innerHTML = "";
      t.sizes.forEach(function (s) {
        var option = document.createElement("option");
        option.value = s;
        sizes.appendChild(option);
      });
      size.value = "";
      size.disabled = t.sizes.length === 0;
      quantity.placeholder = t.unit === "kg" ? "kg" : "1";
      error.textContent = "";
      (t.sizes.length ? size : quantity).focus();
    }
    function resolveTyped() {
      var query = fold(item.value);
      if (!query) return null;
      var exact = catalogue.filter(function (t) { return t.folded === query || t.code === query; });
      if (exact.length === 1) return exact[0];
      var found = search(item.value);
      return found.length ? found[0] : null;
    }
    item.addEventListener("input", function () {
      chosen = null;
      matches = search(item.value);
      active = matches.length ? 0 : -1;
      render();
    });
    item.addEventListener("blur", function () { window.setTimeout(hideList, 100); });
    item.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!matches.length) { matches = search(item.value); active = -1; }
        if (!matches.length) return;
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + matches.length) % matches.length;
        render();
      } else if (event.key === "Escape") {
        hideList();
      } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        if (!item.value.trim()) { save.focus(); return; }
        if (matches.length && active >= 0) { pick(matches[active]); return; }
        var t = chosen || resolveTyped();
        if (t) pick(t); else showError(item.getAttribute("data-unknown") || "?", item);
      }
    });

    // Size and quantity: Enter moves on, and adds the line ---------------------------------------
    size.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        quantity.focus();
      }
    });
    [quantity, weight, description, grade, location].forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          addLine();
        }
      });
    });
    addButton.addEventListener("click", addLine);

    function showError(message, field) {
      error.textContent = message;
      if (field) field.focus();
    }
    var fields = { item_type: item, size: size, quantity: quantity, weight_kg: weight, grade: grade, location: location, description: description };
    var busy = false;
    function addLine() {
      if (busy) return;
      var t = chosen || resolveTyped();
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append("site", site.value);
      data.append("index", lines.getAttribute("data-next-index") || "0");
      data.append("item_type", t ? String(t.id) : item.value);
      data.append("size", size.value);
      data.append("quantity", quantity.value);
      data.append("weight_kg", weight.value);
      data.append("grade", grade.value);
      data.append("location", location.value);
      data.append("description", description.value);
      busy = true;
      fetch(form.getAttribute("data-line-url"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "HX-Request": "true" }
      }).then(function (response) {
        return response.text().then(function (html) { return { ok: response.ok, html: html }; });
      }).then(function (answer) {
        busy = false;
        if (!answer.ok) {
          var holder = document.createElement("div");
          holder.innerHTML = answer.html;
          var span = holder.querySelector("[data-field]");
          showError(holder.textContent.trim(), fields[span ? span.getAttribute("data-field") : ""] || item);
          return;
        }
        var body = document.createElement("tbody");
        body.innerHTML = answer.html.trim();
        while (body.firstElementChild) lines.appendChild(body.firstElementChild);
        lines.setAttribute("data-next-index", String(Number(lines.getAttribute("data-next-index") || "0") + 1));
        chosen = null;
        item.value = size.value = quantity.value = weight.value = description.value = "";
        size.disabled = false;
        sizes.innerHTML = "";
        error.textContent = "";
        totals();
        item.focus();
      }).catch(function () { busy = false; });
    }

    // Rows and totals ------------------------------------------------------------------------
    lines.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-line]");
      if (!button) return;
      button.closest("tr").remove();
      totals();
      item.focus();
    });
    function number(text) { var n = parseFloat(String(text || "0").replace(",", ".")); return isNaN(n) ? 0 : n; }
    function format(n, places) {
      return n.toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: places });
    }
    function totals() {
      // Quantities per unit, never added across units (pieces and pairs are not "units"
      // of one kind); the estimated weight of everything. No trailing zeros, the page's
      // language's decimal sign (core.numbers.quantity on the server).
      var rows = lines.querySelectorAll("tr.intake-line");
      var perUnit = {}, kg = 0;
      rows.forEach(function (row) {
        var unit = row.getAttribute("data-unit") || "piece";
        perUnit[unit] = (perUnit[unit] || 0) + number(row.getAttribute("data-quantity"));
        kg += number(row.getAttribute("data-kg"));
      });
      $("total-lines").textContent = String(rows.length);
      form.querySelectorAll("[data-total-unit]").forEach(function (span) {
        var sum = perUnit[span.getAttribute("data-total-unit")] || 0;
        span.hidden = sum === 0;
        span.querySelector("strong").textContent = format(sum, 3);
      });
      $("total-kg").textContent = format(kg, 1);
      empty.hidden = rows.length > 0;
    }
    totals();

    // The header's fields: Enter goes to the item field instead of submitting half a donation;
    // Ctrl+Enter saves. The form is sent once (the idempotency key covers resubmissions).
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        form.requestSubmit(save);
        return;
      }
      var target = event.target;
      if (target.closest("#entry") || target.tagName === "BUTTON" || target.tagName === "TEXTAREA") return;
      event.preventDefault();
      if (target === donor) resolveDonor();
      item.focus();
    });
    var submitted = false;
    form.addEventListener("submit", function (event) {
      if (submitted) { event.preventDefault(); return; }
      submitted = true;
      save.setAttribute("aria-disabled", "true");
    });
    window.addEventListener("pageshow", function () { submitted = false; save.removeAttribute("aria-disabled"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    var form = document.getElementById("intake-form");
    if (form) setupIntake(form);
  });
})();
