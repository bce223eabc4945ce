/* Small behaviours of the staff pages, kept out of the HTML so that the Content-Security-Policy
 * can forbid every inline script and event handler attribute (onclick=, javascript: links).
 *
 *   data-action="back"    go back one page (the link's href is the fallback without history)
 *   data-action="print"   open the print dialog
 *   data-autosubmit       a <select> that sends its form when changed
 *   data-max-bytes        a file input whose too-large photo is refused at the field (data-msg-too-big)
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
  // A photo above data-max-bytes is refused at the field before a long upload on a slow phone.
  function fileTooBig(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var next = input.nextElementSibling;
    var note = next && next.hasAttribute("data-file-error") ? next : null;
    var big = false;
    for (var i = 0; input.files && i < input.files.length; i++) {
      if (input.files[i].size > max) { big = true; }
    }
    if (big) {
      if (!note) {
        note = document.createElement("div");
        note.className = "invalid-feedback d-block";
        note.setAttribute("data-file-error", "");
        note.setAttribute("role", "alert");
        input.parentNode.insertBefore(note, input.nextSibling);
      }
      note.textContent = input.getAttribute("data-msg-too-big") || "";
      input.value = "";
      input.classList.add("is-invalid");
    } else {
      if (note) { note.parentNode.removeChild(note); }
      input.classList.remove("is-invalid");
    }
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
    if (el && el.type === "file" && el.hasAttribute("data-max-bytes")) {
      fileTooBig(el);
    }
  });
})();
