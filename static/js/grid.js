// Keyboard data grid for the 第6表 and 実績 tables (WAI-ARIA APG "data grid" pattern).
//
// A <table role="grid" data-grid> is one Tab stop: the cell last visited keeps tabindex="0", every
// other cell and widget in the body has tabindex="-1" (roving tabindex). In the body:
// - arrow keys move between cells (and rows); Home/End to the row's ends, Ctrl+Home/End to the
//   grid's corners, PageUp/PageDown five rows;
// - a day cell (input.d) is focused itself: Space or Enter puts 1 / clears it, digits set the count,
//   Delete or Backspace clears it; nothing else is typed into it and Enter never submits the form;
// - a cell with a checkbox focuses the checkbox (Space or Enter ticks it);
// - any other cell (text fields, a select, buttons) is focused as a cell: Enter or F2 moves into its
//   first field ("edit mode", where the field keeps its own keys), a typed character starts editing
//   the cell's first text field with that character, Tab/Shift+Tab go round the cell's fields,
//   Enter (in a text field) or Escape goes back to the cell.
// Mouse use is unchanged: a click focuses what it clicks, and the grid follows.
// Changes are announced to the page as ordinary "input" events, so page scripts (totals, autosave,
// the 第7表 recalculation) see keyboard and mouse alike. The page reaches a grid as table.renkeiGrid.
(function () {
  "use strict";
  var WIDGETS = "input:not([type=hidden]), select, textarea, button, a[href]";
  var DAY = "input.d";

  function visible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function isText(el) {
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|file)$/i.test(el.type));
  }
  function halfWidth(s) {
    return s.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
  }

  function Grid(table) {
    this.table = table;
    this.body = table.tBodies[0];
    this.matrix = null;
    this.pos = null;  // {r, c}: where focus is (inside the span of the focused cell)
    this.active = null;  // the element holding tabindex="0"
    var grid = this;
    new MutationObserver(function () { grid.matrix = null; grid.tame(); }).observe(this.body, { childList: true, subtree: true });
    this.tame();
    table.addEventListener("keydown", function (e) { grid.onKey(e); });
    table.addEventListener("focusin", function (e) { grid.onFocus(e); });
    table.addEventListener("input", function (e) { grid.onInput(e); });
    table.addEventListener("compositionend", function (e) { grid.onInput(e); });
    table.renkeiGrid = this;
  }

  // Every widget and focusable cell of the body leaves the Tab order, except the active one.
  Grid.prototype.tame = function () {
    var grid = this;
    this.body.querySelectorAll(WIDGETS).forEach(function (w) {
      if (w !== grid.active && w.getAttribute("tabindex") !== "-1") w.setAttribute("tabindex", "-1");
    });
    if (!this.active || !this.body.contains(this.active)) {
      this.active = null;
      var first = this.cellAt(0, 0) && this.firstCell();
      if (first) this.setActive(this.targetOf(first));
    }
  };

  Grid.prototype.build = function () {
    var rows = Array.prototype.filter.call(this.body.rows, function (tr) { return visible(tr); });
    var matrix = rows.map(function () { return []; });
    var where = new Map();
    rows.forEach(function (tr, r) {
      var c = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        while (matrix[r][c]) c++;
        var rs = Math.max(1, cell.rowSpan || 1), cs = Math.max(1, cell.colSpan || 1);
        for (var i = 0; i < rs && r + i < rows.length; i++) for (var j = 0; j < cs; j++) matrix[r + i][c + j] = cell;
        where.set(cell, { r: r, c: c, rs: rs, cs: cs });
        c += cs;
      });
    });
    this.matrix = matrix;
    this.where = where;
  };
  Grid.prototype.cellAt = function (r, c) {
    if (!this.matrix) this.build();
    return this.matrix[r] ? this.matrix[r][c] || null : null;
  };
  Grid.prototype.info = function (cell) {
    if (!this.matrix || !this.where.has(cell)) this.build();
    return this.where.get(cell);
  };
  Grid.prototype.skip = function (cell) { return !cell || cell.classList.contains("void") || cell.hasAttribute("data-grid-skip"); };
  Grid.prototype.firstCell = function () {
    for (var r = 0; r < this.matrix.length; r++) for (var c = 0; c < this.matrix[r].length; c++) {
      if (!this.skip(this.matrix[r][c])) return this.matrix[r][c];
    }
    return null;
  };

  Grid.prototype.widgets = function (cell) {
    return Array.prototype.filter.call(cell.querySelectorAll(WIDGETS), function (w) {
      return !w.disabled && w.getAttribute("aria-hidden") !== "true" && visible(w);
    });
  };
  // A day cell or a lone checkbox is focused itself; any other cell is focused as the cell.
  Grid.prototype.targetOf = function (cell) {
    var ws = this.widgets(cell);
    if (ws.length === 1 && (ws[0].matches(DAY) || ws[0].type === "checkbox")) return ws[0];
    return cell;
  };
  Grid.prototype.setActive = function (el) {
    if (this.active && this.active !== el) this.active.setAttribute("tabindex", "-1");
    this.active = el;
    el.setAttribute("tabindex", "0");
  };

  Grid.prototype.focusCell = function (cell, pos) {
    if (!cell) return;
    var info = this.info(cell);
    if (!info) return;
    this.pos = pos || { r: info.r, c: info.c };
    var target = this.targetOf(cell);
    this.setActive(target);
    target.focus();
    this.typing = false;
  };

  Grid.prototype.onFocus = function (e) {
    var cell = e.target.closest("td, th");
    if (!cell || !this.body.contains(cell)) return;
    var info = this.info(cell);
    if (!info) return;
    if (!this.pos || this.cellAt(this.pos.r, this.pos.c) !== cell) this.pos = { r: info.r, c: info.c };
    this.setActive(this.targetOf(cell));
    this.typing = false;
  };

  Grid.prototype.move = function (dr, dc) {
    if (!this.pos) return;
    var cell = this.cellAt(this.pos.r, this.pos.c);
    var info = cell && this.info(cell);
    if (!info) return;
    var r = this.pos.r, c = this.pos.c, next = null;
    if (dc) {
      c = dc > 0 ? info.c + info.cs : info.c - 1;
      while (this.matrix[r] && c >= 0 && c < this.matrix[r].length) {
        next = this.matrix[r][c];
        if (!this.skip(next) && next !== cell) break;
        next = null;
        c += dc;
      }
    } else {
      var steps = Math.abs(dr), step = dr > 0 ? 1 : -1;
      r = dr > 0 ? info.r + info.rs - 1 : info.r;
      var found = null;
      while (steps > 0) {
        r += step;
        if (r < 0 || r >= this.matrix.length) break;
        var cand = this.matrix[r][c];
        if (this.skip(cand) || cand === (found || cell)) continue;
        found = cand;
        steps--;
        var ci = this.info(cand);
        if (step > 0) r = ci.r + ci.rs - 1; else r = ci.r;
      }
      next = found;
      if (next) r = this.info(next).r;
    }
    if (next) this.focusCell(next, { r: dc ? this.pos.r : r, c: dc ? c : this.pos.c });
  };
  Grid.prototype.rowEnd = function (last) {
    if (!this.matrix) this.build();
    if (!this.pos || !this.matrix[this.pos.r]) return;
    var row = this.matrix[this.pos.r], c = last ? row.length - 1 : 0, step = last ? -1 : 1;
    while (c >= 0 && c < row.length && this.skip(row[c])) c += step;
    if (row[c]) this.focusCell(row[c], { r: this.pos.r, c: c });
  };
  Grid.prototype.corner = function (last) {
    if (!this.matrix) this.build();
    var r = last ? this.matrix.length - 1 : 0;
    if (!this.matrix[r]) return;
    this.pos = { r: r, c: this.pos ? this.pos.c : 0 };
    this.rowEnd(last);
  };

  // A day cell: set its count and tell the page.
  Grid.prototype.setDay = function (input, value) {
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };

  Grid.prototype.onInput = function (e) {
    var input = e.target;
    if (!input.matches || !input.matches(DAY) || e.isComposing) return;
    var clean = halfWidth(input.value).replace(/[^0-9]/g, "").slice(0, 2);
    if (clean !== input.value) input.value = clean;  // an IME digit or a pasted space
  };

  Grid.prototype.onKey = function (e) {
    if (e.isComposing || e.keyCode === 229) return;
    var el = e.target;
    var cell = el.closest("td, th");
    if (!cell || !this.body.contains(cell)) return;
    var target = this.targetOf(cell);
    var key = e.key;
    var here = this.info(cell);
    if (!here) return;
    if (!this.pos || this.cellAt(this.pos.r, this.pos.c) !== cell) this.pos = { r: here.r, c: here.c };
    if (el !== target && el !== cell) {  // edit mode: the field keeps its keys
      if (key === "Escape" || key === "F2") {
        e.preventDefault();
        this.focusCell(cell, this.pos);
      } else if (key === "Enter") {
        if (el.tagName === "SELECT") {
          e.preventDefault();
          el.dispatchEvent(new CustomEvent("grid:confirm", { bubbles: true }));
        } else if (isText(el)) {
          e.preventDefault();  // never submits the sheet: back to the cell
          this.focusCell(cell, this.pos);
        }
      } else if (key === "Tab") {
        var ws = this.widgets(cell), i = ws.indexOf(el);
        if (ws.length > 1) {  // round the cell's fields; a lone field lets Tab leave the grid
          e.preventDefault();
          ws[(i + (e.shiftKey ? ws.length - 1 : 1)) % ws.length].focus();
        }
      }
      return;
    }
    var ctrl = e.ctrlKey || e.metaKey;
    switch (key) {
      case "ArrowRight": e.preventDefault(); this.move(0, 1); return;
      case "ArrowLeft": e.preventDefault(); this.move(0, -1); return;
      case "ArrowDown": e.preventDefault(); this.move(1, 0); return;
      case "ArrowUp": e.preventDefault(); this.move(-1, 0); return;
      case "PageDown": e.preventDefault(); this.move(5, 0); return;
      case "PageUp": e.preventDefault(); this.move(-5, 0); return;
      case "Home": e.preventDefault(); if (ctrl) this.corner(false); else this.rowEnd(false); return;
      case "End": e.preventDefault(); if (ctrl) this.corner(true); else this.rowEnd(true); return;
    }
    if (ctrl || e.altKey) return;
    if (el.matches(DAY)) {
      if (key === " " || key === "Spacebar" || key === "Enter") {
        e.preventDefault();
        this.setDay(el, el.value === "" ? "1" : "");
        this.typing = false;
      } else if (key === "Delete" || key === "Backspace") {
        e.preventDefault();
        this.setDay(el, "");
        this.typing = false;
      } else if (/^[0-9０-９]$/.test(key)) {
        e.preventDefault();
        var digit = halfWidth(key);
        var max = parseInt(el.getAttribute("maxlength") || "2", 10);
        var value = this.typing && el.value.length < max ? el.value + digit : digit;
        value = String(parseInt(value, 10));
        this.setDay(el, value === "0" ? "" : value);
        this.typing = value !== "0";
      } else if (key.length === 1) {
        e.preventDefault();  // letters and spaces are not counts
      }
      return;
    }
    if (el.type === "checkbox") {
      if (key === "Enter") { e.preventDefault(); el.click(); }
      return;
    }
    if (el !== cell) return;
    var ws = this.widgets(cell);
    if (key === "Enter" || key === "F2") {
      e.preventDefault();
      if (ws.length) {
        ws[0].focus();
        if (isText(ws[0]) && ws[0].select) ws[0].select();
      }
    } else if (key === " ") {
      e.preventDefault();  // no page scroll, and no literal space typed into a field
    } else if (key.length === 1 && ws.length && isText(ws[0]) && !ws[0].readOnly) {
      e.preventDefault();  // typing on a cell starts editing its first field with that character
      ws[0].focus();
      ws[0].value = key;
      ws[0].setSelectionRange && ws[0].setSelectionRange(1, 1);
      ws[0].dispatchEvent(new Event("input", { bubbles: true }));
    }
  };

  function start() {
    document.querySelectorAll("table[data-grid]").forEach(function (table) {
      if (!table.renkeiGrid) new Grid(table);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
