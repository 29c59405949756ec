// Small behaviours without inline script (the pages run under a strict CSP).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches("[data-autosubmit]")) {
    el.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var msg = event.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    event.preventDefault();
  }
});
