/* The big screen (数据大屏): scale the 1920×1080 layout to the window and reload every 60 seconds,
 * so a duty room's screen stays current without anyone touching it. ES5. */
(function () {
  "use strict";
  var screen = document.querySelector(".screen");
  function fit() {
    if (!screen) { return; }
    var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    screen.style.transform = "scale(" + scale + ")";
  }
  fit();
  window.addEventListener("resize", fit);
  var seconds = parseInt(document.body.getAttribute("data-refresh") || "60", 10);
  window.setTimeout(function () { window.location.reload(); }, Math.max(15, seconds) * 1000);
})();
