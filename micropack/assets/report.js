// micropack report: filter the kept paths. The page reads the same without
// this script; #q=TEXT in the address fills the filter (a link to a view).
(function () {
  "use strict";
  var input = document.getElementById("search");
  var table = document.getElementById("kept-table");
  var shown = document.getElementById("kept-shown");
  if (!input || !table || !shown) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var total = rows.length;

  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      rows[i].classList.toggle("hidden", !hit);
      if (hit) { n++; }
    }
    shown.textContent = n + " of " + total + " shown";
    shown.setAttribute("data-shown", String(n));
  }

  var timer = null;
  input.addEventListener("input", function () {
    // a long list is filtered once typing pauses; a short one at each key
    if (total <= 5000) { apply(); return; }
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(apply, 150);
  });
  var m = /^#q=(.*)$/.exec(window.location.hash);
  if (m) {
    try { input.value = decodeURIComponent(m[1]); } catch (e) { input.value = m[1]; }
  }
  apply();
}());
