// The review queue: a "select every item on this page" box and a live count of the selection.
// Without JavaScript the page works the same; only these two conveniences are missing.
(function () {
  var form = document.getElementById("bulk-review");
  var all = document.getElementById("select-page");
  if (!form || !all) return;
  var boxes = function () { return form.querySelectorAll("input[name=evidence]"); };
  var count = form.querySelector("[data-selected-count]");
  function update() {
    var checked = 0, list = boxes();
    list.forEach(function (box) { if (box.checked) checked += 1; });
    if (count) count.textContent = String(checked);
    all.checked = list.length > 0 && checked === list.length;
    all.indeterminate = checked > 0 && checked < list.length;
  }
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    update();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "evidence") update();
  });
  update();
})();
