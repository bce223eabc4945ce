/* The committee's determination form: count the members present against the quorum (the badge
 * turns green once more than data-quorum percent attend) and show only the part of the form that
 * fits the answer to "is it bullying?". ES5 for old phone WebViews. */
(function () {
  "use strict";
  var badge = document.getElementById("present-count");
  if (badge) {
    var boxes = document.querySelectorAll("#members input[type=checkbox]");
    var total = boxes.length;
    var quorum = parseInt(badge.getAttribute("data-quorum"), 10);
    if (isNaN(quorum)) { quorum = 50; }
    var count = function () {
      var n = 0;
      Array.prototype.forEach.call(boxes, function (b) { if (b.checked) { n++; } });
      badge.querySelector(".js-present").textContent = n;
      var ok = total > 0 && n * 100 > total * quorum;
      badge.className = "badge ms-2 " + (ok ? "text-bg-success" : "text-bg-secondary");
    };
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", count); });
    count();
  }
  var radios = document.querySelectorAll("input[name=is_bullying]");
  var toggle = function () {
    var v = document.querySelector("input[name=is_bullying]:checked");
    var yes = document.getElementById("if-bullying"), no = document.getElementById("if-not-bullying");
    if (yes) { yes.hidden = v ? v.value !== "yes" : false; }
    if (no) { no.hidden = v ? v.value !== "no" : false; }
  };
  Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", toggle); });
  toggle();
})();
