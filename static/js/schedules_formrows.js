// Add rows to a Django formset in place (clients' services and kind limits). Works without it too:
// the page always has one empty row.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-row]");
  if (!button) return;
  var prefix = button.getAttribute("data-add-row");
  var table = document.querySelector('table[data-formset="' + prefix + '"]');
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var index = parseInt(total.value, 10);
  var html = table.querySelector("template").innerHTML.replace(/__prefix__/g, String(index));
  table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  var first = table.querySelector("tbody tr:last-child input, tbody tr:last-child select");
  if (first) first.focus();
});

// Autosave of a half-filled registration form (server-side draft), so leaving the page loses nothing.
(function () {
  var form = document.querySelector("form[data-draft-url]");
  if (!form || document.getElementById("sheet")) return;
  var status = document.getElementById("draft-status");
  var timer = null;
  function save() {
    fetch(form.getAttribute("data-draft-url"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (json) { if (status) status.textContent = "下書きを自動保存しました（" + json.saved_at + "）。"; })
      .catch(function () {});
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 2000); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 2000); });
  form.addEventListener("submit", function () { clearTimeout(timer); });
})();
