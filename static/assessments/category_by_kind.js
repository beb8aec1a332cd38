// The evidence form offers only the categories of the chosen kind. Without this script
// every category is listed and the server still refuses one of another kind.
(function () {
  "use strict";
  function sync(categorySelect) {
    var form = categorySelect.form;
    var kindSelect = form && form.elements[categorySelect.dataset.filterBy];
    if (!kindSelect) { return; }
    var kindLabel = kindSelect.selectedIndex >= 0 ? kindSelect.options[kindSelect.selectedIndex].text : "";
    var groups = categorySelect.querySelectorAll("optgroup");
    groups.forEach(function (group) {
      var shown = group.label === kindLabel;
      group.hidden = !shown;
      group.disabled = !shown;
    });
    // The same slug may be a category of several kinds (css tickets and css escalations):
    // keep the choice in the kind now shown, else clear it.
    var chosen = categorySelect.options[categorySelect.selectedIndex];
    if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) {
      var same = categorySelect.querySelector(
        'optgroup:not([disabled]) option[value="' + CSS.escape(chosen.value) + '"]'
      );
      if (same) { same.selected = true; } else { categorySelect.value = ""; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-filter-by]").forEach(function (categorySelect) {
      var kindSelect = categorySelect.form.elements[categorySelect.dataset.filterBy];
      if (kindSelect) { kindSelect.addEventListener("change", function () { sync(categorySelect); }); }
      sync(categorySelect);
    });
    // Fields that only one kind has (an exam's outcome and score) show for that kind only.
    document.querySelectorAll("[data-only-for-kind]").forEach(function (field) {
      var kindSelect = field.form && field.form.elements.kind;
      var wrapper = document.getElementById("div_" + field.id) || field.parentElement;
      if (!kindSelect) { return; }
      function show() { wrapper.hidden = kindSelect.value !== field.dataset.onlyForKind; }
      kindSelect.addEventListener("change", show);
      show();
    });
  });
})();
