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
