// A requirement block shows only the fields of its kind (frameworks.kinds.KINDS, carried by
// the kind select as data-kind-fields). Without this script every field shows and saving
// still checks each kind's parameters.
(function () {
  "use strict";
  var ALWAYS = ["kind", "label", "parent", "source_text", "assumed", "order"];

  function formOf(select) {
    return select.closest(".djn-inline-form") || select.closest(".inline-related");
  }

  function sync(select) {
    var form = formOf(select);
    if (!form) { return; }
    var byKind = JSON.parse(select.dataset.kindFields);
    var shown = (byKind[select.value] || []).concat(ALWAYS);
    form.querySelectorAll(".form-row, .fieldBox").forEach(function (row) {
      if (formOf(row) !== form) { return; }  // a nested form of its own
      var name = Array.prototype.find.call(row.classList, function (c) {
        return c.indexOf("field-") === 0;
      });
      if (!name) { return; }
      var field = name.slice("field-".length);
      var hide = select.value !== "" && shown.indexOf(field) === -1;
      row.hidden = hide;
      // Hidden parameters are not sent: they are empty for this kind anyway, and the page
      // stays far below Django's limit on the number of fields.
      row.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = hide;
      });
    });
  }

  function syncAll(root) {
    (root || document).querySelectorAll("select[data-kind-fields]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-kind-fields]")) {
      sync(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(); });
  // Forms added with "Add another" (Django's and django-nested-admin's events).
  document.addEventListener("formset:added", function (event) { syncAll(event.target); });
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("djnesting:added", function (event) { syncAll(event.target); });
  }
})();
