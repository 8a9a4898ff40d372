// 実績の入力: never lose typed 実績. While the grid has changes not yet saved, the page says so and
// the browser asks before leaving it (a link, reload or closing the tab). Every button of the form
// (保存, 送信, 予定外の訪問を追加, コピー) posts the typed 実績 with it, so pressing one is not leaving.
(function () {
  "use strict";
  var form = document.getElementById("actuals");
  if (!form) return;
  var status = document.getElementById("unsaved");
  var dirty = false;
  var submitting = false;
  form.addEventListener("input", function (event) {
    if (!event.target.name) return;
    dirty = true;
    if (status) status.textContent = "保存していない変更があります";
  });
  form.addEventListener("click", function (event) {  // a day cell: click puts 1, again clears it
    var input = event.target.closest("td.day input");
    if (!input) return;
    if (input.value === "") input.value = "1";
    else if (input.value === "1") input.value = "";
    input.select();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    if (status) status.textContent = "保存していない変更があります";
  });
  // The row's 合計 follows the typed counts (keyboard or mouse).
  form.addEventListener("input", function (event) {
    var input = event.target.closest("td.day input.d");
    if (!input) return;
    var total = 0;
    input.closest("tr").querySelectorAll("td.day input.d").forEach(function (d) {
      var n = parseInt(d.value, 10);
      if (!isNaN(n)) total += n;
    });
    var sum = input.closest("tr").querySelector("td.sum");
    if (sum) sum.textContent = total ? String(total) : "";
  });
  // Enter in a field never sends the form with its first button (「予定をすべて実績にコピー」): in the
  // 予定外の訪問 fields it adds the visit, elsewhere it does nothing.
  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key !== "Enter" || t.tagName !== "INPUT" || /^(submit|button|image)$/i.test(t.type)) return;
    event.preventDefault();
    if (t.closest(".add-visit")) form.querySelector('button[value="add"]').click();
  });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "保存していない実績があります。このページを離れると入力した内容は失われます。";
      return event.returnValue;
    }
  });
})();
