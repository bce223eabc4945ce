/* Quick report: show the chosen photo's file name on the camera button (or its label again when
 * none is chosen). ES5 for old phone WebViews. */
(function () {
  "use strict";
  var input = document.querySelector("[data-testid=quick-form] input[type=file][name=photo]");
  var label = document.getElementById("photo-name");
  if (!input || !label) { return; }
  input.addEventListener("change", function () {
    label.textContent = input.files.length ? input.files[0].name : label.getAttribute("data-empty");
  });
})();
