// Small progressive enhancements. Forms work without JavaScript.
document.addEventListener("submit", function (event) {
  // Prevent a double click from sending a form twice (the server also refuses a second send).
  var form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  setTimeout(function () { form.dataset.submitted = ""; }, 5000);
});
