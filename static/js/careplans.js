// 居宅サービス計画書: small helpers on top of htmx. The pages also work without JavaScript.
(function () {
  "use strict";

  // After every save the server sends the plan's new lock version; every form on the page uses it.
  document.body.addEventListener("planLock", function (event) {
    var value = event.detail && event.detail.value;
    if (value === undefined) { return; }
    document.querySelectorAll('input[name="lock_version"]').forEach(function (input) { input.value = value; });
  });

  // Autosave status for the 第2表 editor.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var status = document.getElementById("save-status");
    if (status && event.detail.elt && event.detail.elt.matches && event.detail.elt.matches("form.row-form, form.item-row")) {
      status.textContent = "保存中…";
      status.className = "";
      status.setAttribute("data-state", "saving");
    }
  });
  function networkProblem() {
    var status = document.getElementById("save-status");
    var text = "通信できませんでした。入力した内容は画面に残っています。通信が戻ったら、もう一度その欄を変更してください。";
    if (status) { status.textContent = text; status.className = "error"; }
    else { window.alert(text); }
  }
  document.body.addEventListener("htmx:sendError", networkProblem);
  document.body.addEventListener("htmx:responseError", networkProblem);

  // 第2表 fields save themselves (htmx, on change). When the server refuses a change, its message goes
  // into the card's error box (errors-…, role="alert"); the field that was changed is marked invalid and
  // described by that message until a later save of the same form succeeds.
  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form.row-form, form.item-row") : null;
    if (form && event.target.name) { form._changed = event.target; }
  }, true);
  function errorBox(form) {
    var box = form.nextElementSibling;
    return box && box.classList.contains("card-errors") ? box : null;
  }
  function markField(form) {
    var box = errorBox(form), field = form._changed;
    if (!box || !field) { return; }
    var failed = box.textContent.trim() !== "";
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      if (el.getAttribute("aria-describedby") === box.id) { el.removeAttribute("aria-describedby"); }
    });
    if (failed) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", box.id);
    }
  }
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form.row-form, form.item-row")) {
      setTimeout(function () { markField(form); }, 0);
    }
  });

  // 「認定の有効期間を入れる」: fill both dates of a period and save.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-period], [data-fill-from]");
    if (!button) { return; }
    var parts;
    if (button.hasAttribute("data-fill-from")) {
      parts = button.getAttribute("data-fill-from").split("|").map(function (id) {
        var source = document.getElementById(id);
        return source ? source.value : "";
      });
      if (!parts[0] || !parts[1]) {
        window.alert("先に長期目標の期間を入力してください。");
        return;
      }
    } else {
      parts = button.getAttribute("data-fill-period").split("|");
    }
    var inputs = button.parentElement.querySelectorAll('input[data-wareki-date], input[type="date"]');
    if (inputs.length >= 2) {
      inputs[0].value = parts[0];
      inputs[1].value = parts[1];
      inputs[1].dispatchEvent(new Event("change", { bubbles: true }));
      button.remove();
    }
  });

  // サービス種類 chosen → fill サービス種別 when it is empty (the server does the same).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-kind-target]");
    if (select) {
      var kind = document.getElementById(select.getAttribute("data-kind-target"));
      if (kind && !kind.value && select.value) {
        kind.value = select.options[select.selectedIndex].text.replace(/^\S+\s/, "");
      }
    }
    var number = event.target.closest("input[data-name-target]");
    if (number) {
      var name = document.getElementById(number.getAttribute("data-name-target"));
      var list = document.getElementById(number.getAttribute("list"));
      if (name && !name.value && list) {
        list.querySelectorAll("option").forEach(function (option) {
          if (option.value === number.value) { name.value = option.textContent; }
        });
      }
    }
  }, true);

  // 第3表: clicking a day column prefills the add form with that weekday and time.
  document.addEventListener("click", function (event) {
    if (event.target.closest(".block")) { return; }
    var column = event.target.closest(".week-col.clickable");
    if (!column) { return; }
    var form = document.getElementById("weekly-add-form");
    if (!form) { return; }
    var rect = column.getBoundingClientRect();
    var minutes = Math.round(((event.clientY - rect.top) / rect.height) * 24 * 60 / 30) * 30;
    minutes = Math.max(0, Math.min(minutes, 23 * 60));
    var end = Math.min(minutes + 60, 23 * 60 + 55);
    function hhmm(m) { return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0"); }
    form.querySelectorAll('input[name="weekdays"]').forEach(function (box) {
      box.checked = box.value === column.getAttribute("data-weekday");
    });
    form.querySelector('input[name="start_time"]').value = hhmm(minutes);
    form.querySelector('input[name="end_time"]').value = hhmm(end);
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    form.querySelector('input[name="content"]').focus({ preventScroll: true });
  });

  // 第3表: 編集 opens the row's edit form in place.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-toggle-row]");
    if (!link) { return; }
    var row = document.getElementById(link.getAttribute("data-toggle-row"));
    if (!row) { return; }
    event.preventDefault();
    row.hidden = !row.hidden;
    if (!row.hidden) {
      var first = row.querySelector("select, input:not([type=hidden]), textarea");
      if (first) { first.focus(); }
    }
  });

  // A half-filled form is not lost by leaving the page by mistake.
  var dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.closest("form[data-dirty-guard]")) { dirty = true; }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-dirty-guard]")) { dirty = false; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
