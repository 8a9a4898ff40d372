// サービス利用票（第6表）: tick days, add/remove lines in place, fill a weekday, show code names,
// keep an autosaved draft, and ask the server (htmx, schedules:recalc) for the 第7表 of what the page
// holds after each change — the arithmetic lives only on the server. The page works without this
// file (type the counts into the empty line, save).
(function () {
  "use strict";
  var form = document.getElementById("sheet");
  if (!form) return;
  var body = document.getElementById("grid-body");
  var template = document.getElementById("row-template");
  var status = document.getElementById("autosave");
  var nextIndex = body.querySelectorAll("tr.line").length;
  var dirty = false;
  var timer = null;

  function codeOption(value) {
    if (!value) return null;
    var opts = document.querySelectorAll("#code-options option");
    for (var i = 0; i < opts.length; i++) if (opts[i].value === value) return opts[i];
    return null;
  }
  function providerOption(value) {
    var opts = document.querySelectorAll("#provider-options option");
    for (var i = 0; i < opts.length; i++) if (opts[i].value === value) return opts[i];
    return null;
  }
  function rowTotal(tr) {
    var total = 0;
    tr.querySelectorAll("td.day input").forEach(function (input) {
      var n = parseInt(input.value, 10);
      if (!isNaN(n)) total += n;
    });
    var cell = tr.querySelector("td.total .count");
    if (cell) cell.textContent = total ? String(total) : "";
  }
  function updateCode(tr) {
    var input = tr.querySelector('input[name$="-code"]');
    if (!input) return;
    var value = input.value.trim().toUpperCase();
    var opt = codeOption(value);
    var name = tr.querySelector(".code-name");
    if (name) name.textContent = opt ? opt.getAttribute("data-name") + (opt.getAttribute("data-rate") ? "（月1回・自動計算）" : "") : "";
    var equip = tr.querySelector(".equip");
    if (equip) {
      var show = /^(17|67)/.test(value) || (opt && opt.getAttribute("data-entered") === "1");
      if (show) equip.classList.add("show");
    }
  }
  // The name a screen reader gives each day cell: the line (kind, service, time) and the date
  // (aria-labelledby="line-…-name day-…"), kept up to date as the line is typed.
  function updateLabel(tr) {
    var label = tr.querySelector('span[id$="-name"][hidden]');
    var input = tr.querySelector('input[name$="-code"]');
    if (!label || !input) return;
    var value = input.value.trim().toUpperCase();
    if (!value) { label.textContent = "サービス未入力の行"; return; }
    var opt = codeOption(value);
    var start = tr.querySelector('input[name$="-start"]').value.trim();
    var end = tr.querySelector('input[name$="-end"]').value.trim();
    var parts = opt ? [opt.getAttribute("data-kind"), opt.getAttribute("data-name")] : [value];
    if (start || end) parts.push(start + "〜" + end);
    label.textContent = parts.filter(Boolean).join(" ");
  }
  function updateProvider(tr) {
    var input = tr.querySelector('input[name$="-provider"]');
    if (!input) return;
    var opt = providerOption(input.value.trim());
    var hidden = tr.querySelector('input[name$="-provider_name"]');
    var label = tr.querySelector(".provider-name");
    if (opt) {
      hidden.value = opt.getAttribute("data-name");
      label.textContent = opt.getAttribute("data-name");
    }
  }
  function recalc() {
    if (window.htmx) window.htmx.trigger(form, "recalc");
  }
  function markDirty() {
    dirty = true;
    recalc();
    if (status) status.textContent = "未保存の変更があります";
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 2500);
  }
  function saveDraft() {
    if (!dirty) return;
    var url = form.getAttribute("data-draft-url");
    var data = new FormData(form);
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (json) {
        dirty = false;
        if (status) status.textContent = "下書きを自動保存しました（" + json.saved_at + "）。確定するには「保存する」を押してください。";
      })
      .catch(function () { if (status) status.textContent = "下書きを自動保存できませんでした。「保存する」を押して保存してください。"; });
  }

  // Day cells: a click on an empty cell puts 1, on a 1 clears it; typing replaces the value.
  body.addEventListener("click", function (event) {
    var input = event.target.closest("td.day input");
    if (input) {
      if (input.closest("td.void")) return;
      if (input.value === "") input.value = "1";
      else if (input.value === "1") input.value = "";
      input.select();
      input.closest("tr").classList.remove("blank");
      rowTotal(input.closest("tr"));
      markDirty();
      return;
    }
    var del = event.target.closest("button.del");
    if (del) {
      var tr = del.closest("tr");
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("errors")) next.remove();
      // Focus goes to the same cell of the next line, else of the line above, else to 「行を追加」
      // (never to the page: a keyboard user keeps their place).
      var neighbour = tr.nextElementSibling, previous = tr.previousElementSibling;
      while (neighbour && !neighbour.classList.contains("line")) neighbour = neighbour.nextElementSibling;
      while (previous && !previous.classList.contains("line")) previous = previous.previousElementSibling;
      var to = neighbour || previous;
      var hadFocus = tr.contains(document.activeElement);
      tr.remove();
      if (hadFocus || event.detail === 0) {
        var grid = body.closest("table").renkeiGrid;
        if (to && grid) grid.focusCell(to.querySelector("td.total"));
        else document.getElementById("add-row").focus();
      }
      if (status) status.textContent = "行を削除しました";
      markDirty();
    }
    var apply = event.target.closest("button.weekfill-apply");
    if (apply) weekfill(apply.closest("tr.line").querySelector("select.weekfill"));
  });
  body.addEventListener("input", function (event) {
    var tr = event.target.closest("tr.line");
    if (!tr) return;
    tr.classList.remove("blank");  // typed into the empty line: it is a line now
    if (event.target.closest("td.day")) rowTotal(tr);
    if (/-code$/.test(event.target.name)) updateCode(tr);
    if (/-(code|start|end)$/.test(event.target.name)) updateLabel(tr);
    if (/-provider$/.test(event.target.name)) updateProvider(tr);
    markDirty();
  });
  form.querySelectorAll('input[name="over_mode"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      form.classList.toggle("over-chosen", radio.value === "chosen" && radio.checked);
      form.classList.toggle("over-auto", radio.value === "auto" && radio.checked);
      markDirty();
    });
  });
  // 「曜日で入力」: the chosen weekday is put into the line only when the choice is confirmed — the 入力
  // button, Enter on the select (grid.js sends grid:confirm), or a pick from the list with the mouse.
  // Going through the choices with the arrow keys changes nothing.
  function weekfill(select) {
    var tr = select.closest("tr.line");
    var value = select.value;
    if (value === "") return;
    tr.classList.remove("blank");
    tr.querySelectorAll("td.day input").forEach(function (input) {
      if (input.closest("td.void")) return;
      if (value === "clear") input.value = "";
      else if (input.getAttribute("data-wd") === value && input.value === "") input.value = "1";
    });
    select.value = "";
    rowTotal(tr);
    markDirty();
    if (status) status.textContent = value === "clear" ? "この行の日をすべて消しました" : "曜日の日に1を入れました";
  }
  var pointerPick = null;
  body.addEventListener("mousedown", function (event) { pointerPick = event.target.closest("select.weekfill"); });
  body.addEventListener("keydown", function (event) { if (event.target.closest("select.weekfill")) pointerPick = null; });
  body.addEventListener("grid:confirm", function (event) {
    var select = event.target.closest("select.weekfill");
    if (select) weekfill(select);
  });
  body.addEventListener("change", function (event) {
    var select = event.target.closest("select.weekfill");
    if (!select) { markDirty(); return; }
    if (pointerPick === select) { pointerPick = null; weekfill(select); }
  });
  // Enter in a field of the sheet never sends the whole sheet (only the 保存する button does).
  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "Enter" && t.tagName === "INPUT" && !/^(submit|button|image)$/i.test(t.type)) event.preventDefault();
  });
  document.getElementById("add-row").addEventListener("click", function () {
    var html = template.innerHTML.replace(/__i__/g, "n" + nextIndex);
    nextIndex += 1;
    var blank = body.querySelector("tr.line.blank");  // new lines go above the empty line(s) at the end
    if (blank) blank.insertAdjacentHTML("beforebegin", html);
    else body.insertAdjacentHTML("beforeend", html);
    var rows = body.querySelectorAll("tr.line:not(.blank)");
    var last = rows[rows.length - 1];
    var p = "";
    for (var k = rows.length - 2; k >= 0 && !p; k--) p = rows[k].querySelector('input[name$="-provider"]').value;
    if (p) {  // a new line usually belongs to the same provider (e.g. an add-on)
      last.querySelector('input[name$="-provider"]').value = p;
      updateProvider(last);
    }
    last.querySelector('input[name$="-code"]').focus();
    markDirty();
  });
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
  document.querySelectorAll("form[data-confirm-if-rows]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (body.querySelectorAll("tr.line:not(.blank)").length && !window.confirm(f.getAttribute("data-confirm-if-rows"))) {
        event.preventDefault();
      }
    });
  });
  window.addEventListener("beforeunload", function () { if (dirty) saveDraft(); });
  body.querySelectorAll("tr.line").forEach(function (tr) { updateCode(tr); });
  // The grid's day cells announce their line and date; the help text says how to use the keys.
})();
