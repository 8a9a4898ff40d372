// Small progressive enhancements. Forms work without JavaScript.
// No page has inline script or inline event handlers (the Content-Security-Policy forbids them):
// behaviour is declared with data attributes and handled here.
(function () {
  "use strict";

  // data-confirm="…" on a form or on its submit button: ask before sending. The text is read as
  // text (never evaluated), so a name inside it cannot run script. Elements that htmx confirms
  // itself (hx-confirm) are left to htmx. Runs in the capture phase, before htmx and the guard below.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var holder = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var text = holder.getAttribute("data-confirm");
    if (text && !holder.hasAttribute("hx-confirm") && !window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    // Prevent a double click from sending a form twice (the server also refuses a second send).
    var form = event.target;
    if (event.defaultPrevented) { return; }
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () { form.dataset.submitted = ""; }, 5000);
  });

  // "すべて選ぶ" boxes: <input type="checkbox" data-select-all="NAME"> ticks or unticks every box named NAME
  // in the same form. Choosing nobody still means nothing is sent.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) { return; }
    var form = box.form || document;
    form.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // data-autosubmit on a select: send its form when the choice changes (e.g. 事業所を切り替え).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // data-print on a button: print the page.
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) { event.preventDefault(); window.print(); }
  });

  // A file drop zone (<label class="dropzone" data-dropzone>): show the chosen files, accept dropped files.
  function dropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    var shown = zone.querySelector("[data-chosen-files]") || document.getElementById("chosen-files");
    if (!input || !shown) { return; }
    function show() {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      shown.textContent = names.length ? names.length + "ファイル: " + names.join("、") : "";
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
    });
  }

  // <div data-lookup-for="input id" data-lookup-url="…">: ask the server (htmx) as the user types in
  // that input and show the answer in the div (連携先を招待: the office behind a 事業所番号).
  function lookup(target) {
    var input = document.getElementById(target.getAttribute("data-lookup-for"));
    if (!input || !window.htmx) { return; }
    var field = input.closest(".field");
    if (field) { field.after(target); }
    input.setAttribute("hx-get", target.getAttribute("data-lookup-url"));
    input.setAttribute("hx-trigger", "input changed delay:400ms, change");
    input.setAttribute("hx-target", "#" + target.id);
    window.htmx.process(input);
    if (input.value) { window.htmx.trigger(input, "change"); }
  }

  function ready() {
    document.querySelectorAll(".dropzone[data-dropzone], #dropzone").forEach(dropzone);
    document.querySelectorAll("[data-lookup-for][data-lookup-url]").forEach(lookup);
    // After a failed submit, move focus to the error summary so a screen reader reads it first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      // Scrolling to a #fragment (a GET form whose action ends in #section) takes focus back to the page.
      window.addEventListener("load", function () {
        setTimeout(function () { if (document.activeElement === document.body) { summary.focus(); } }, 0);
      });
    }
    // Menus collapse on a phone so the page's content starts on the first screen.
    if (window.matchMedia && window.matchMedia("(max-width: 800px)").matches) {
      document.querySelectorAll("details[data-collapse-narrow]").forEach(function (d) { d.open = false; });
    }
    // A wide table scrolls inside its own box, not the page (phones): wrap tables that have no box.
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-wrap, .grid-wrap, [data-no-wrap]") || table.hasAttribute("data-grid")) { return; }
      if (table.offsetWidth <= table.parentNode.clientWidth) { return; }
      var box = document.createElement("div");
      box.className = "table-wrap";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
    scrollBoxes();
    window.addEventListener("resize", scrollBoxes);
    window.addEventListener("load", scrollBoxes);
    document.addEventListener("htmx:afterSettle", scrollBoxes);
    // A form that htmx re-rendered with errors (第3表, …): focus its summary too.
    document.addEventListener("htmx:afterSettle", function (event) {
      var root = event.detail && event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
      var found = root.querySelector ? root.querySelector("[data-error-summary]") : null;
      if (found) { found.focus(); }
    });
  }

  // A link in the error summary focuses its field (a plain #fragment only scrolls).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-focus-field]") : null;
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field && !field.matches("input, select, textarea, button, [tabindex]")) {
      field = field.querySelector("input:not([type=hidden]), select, textarea") || field;  // a group of boxes: its first box
    }
    if (field) { event.preventDefault(); field.focus(); if (field.scrollIntoView) { field.scrollIntoView({block: "center"}); } }
  });

  // A table box that scrolls sideways (narrow screens) must be reachable by keyboard and named
  // (WCAG 2.1.1): give it a Tab stop and the name of its table's caption or the nearest heading.
  function scrollBoxes() {
    document.querySelectorAll(".table-wrap, .grid-wrap, .week-grid").forEach(function (box) {
      if (box.dataset.scrollBox === "static") { return; }
      if (box.querySelector("table[data-grid]")) { return; }  // a keyboard grid is its own Tab stop (grid.js)
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); box.dataset.scrollBox = "js"; }
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          var caption = box.querySelector("caption");
          var section = box.closest("section, .card, main");
          var heading = section ? section.querySelector("h1, h2, h3") : null;
          box.setAttribute("aria-label", ((caption || heading || {}).textContent || "表").trim() + "（横にスクロールできます）");
        }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
