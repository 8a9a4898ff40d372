// Small progressive enhancements. Forms work without JavaScript.
document.addEventListener("submit", function (event) {
  // Prevent a double click from sending a form twice (the server also refuses a second send).
  var form = event.target;
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
