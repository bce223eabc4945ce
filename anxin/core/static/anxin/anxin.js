/* Small behaviours of the staff pages, kept out of the HTML so that the Content-Security-Policy
 * can forbid every inline script and event handler attribute (onclick=, javascript: links).
 *
 *   data-action="back"    go back one page (the link's href is the fallback without history)
 *   data-action="print"   open the print dialog
 *   data-autosubmit       a <select> that sends its form when changed
 *
 * ES5 for old phone WebViews.
 */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!el) { return; }
    var action = el.getAttribute("data-action");
    if (action === "back" && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    } else if (action === "print") {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
})();
