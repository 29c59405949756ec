// Agreement pages (no inline script: strict CSP). The server renders the right state; this
// only follows changes made on the page.
(function () {
  // Cap fields: show only the field of the chosen cap kind (and carve-outs when capped).
  var kind = document.getElementById("id_cap_kind");
  function showCapFields() {
    document.querySelectorAll("[data-cap-field]").forEach(function (el) {
      var wanted = el.getAttribute("data-cap-field");
      var show = wanted === "capped" ? kind.value !== "none" : wanted === kind.value;
      el.hidden = !show;
    });
  }
  if (kind) {
    kind.addEventListener("change", showCapFields);
  }
  // Checklist: choosing "absent" asks for the clause reference of that row.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches("#checklist-form input[type=radio]")) {
      return;
    }
    var note = document.querySelector('[data-absent-note="' + radio.name + '"]');
    if (!note) {
      return;
    }
    var absent = radio.checked && radio.value === "absent";
    note.required = absent;
    note.placeholder = absent ? "Clause reference (required)" : "e.g. section 4.2";
    if (absent && !note.value) {
      note.focus();
    }
  });
})();
