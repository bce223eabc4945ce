/* Student pickers (anxin/org/pickers.py): type a name or 学号, tap a suggestion.
 * Suggestions come from /api/org/students/suggest for the field's purpose. Chosen students are
 * checked boxes (untick to remove) or, for one student, a checked radio replaced by the next choice.
 * ES5 for old phone WebViews; no inline script (the CSP forbids it).
 */
(function () {
  "use strict";
  function init(root) {
    var input = root.querySelector("input[type=search]");
    var list = root.querySelector("[data-picker-results]");
    var chosen = root.querySelector("[data-picker-chosen]");
    var status = root.querySelector("[data-picker-status]");
    var multiple = root.hasAttribute("data-multiple");
    var name = root.getAttribute("data-name");
    var url = root.getAttribute("data-url") + "?for=" + encodeURIComponent(root.getAttribute("data-for")) + "&q=";
    var seq = 0;
    var timer = null;

    function say(key, value) {
      var text = root.getAttribute(key) || "";
      status.textContent = value === undefined ? text : text.replace("%s", value);
    }
    function clear() {
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
    }
    function choose(item) {
      var boxes = chosen.querySelectorAll("input");
      var existing = null;
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].value === String(item.id)) { existing = boxes[i]; }
      }
      if (existing) {
        existing.checked = true;
      } else {
        if (!multiple) { chosen.innerHTML = ""; }
        var id = input.id + "-c" + item.id;
        var row = document.createElement("div");
        row.className = "form-check picker-choice";
        var box = document.createElement("input");
        box.className = "form-check-input";
        box.type = multiple ? "checkbox" : "radio";
        box.name = name;
        box.value = item.id;
        box.id = id;
        box.checked = true;
        var label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = id;
        label.textContent = item.label;
        row.appendChild(box);
        row.appendChild(label);
        chosen.appendChild(row);
      }
      input.value = "";
      clear();
      say("data-msg-chosen", item.label);
      input.focus();
    }
    function render(items) {
      clear();
      if (!items.length) { say("data-msg-none"); return; }
      items.forEach(function (item) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "list-group-item list-group-item-action";
        button.setAttribute("role", "option");
        button.textContent = item.label;
        button.addEventListener("click", function () { choose(item); });
        list.appendChild(button);
      });
      input.setAttribute("aria-expanded", "true");
      say("data-msg-count", items.length);
    }
    function search() {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) { clear(); status.textContent = ""; return; }
      fetch(url + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (items) { if (mine === seq) { render(items); } })
        .catch(function () { if (mine === seq) { clear(); say("data-msg-offline"); } });
    }
    input.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var first = list.querySelector("button");
      if (event.key === "Enter" && first) {
        event.preventDefault();  // Enter takes the first suggestion rather than sending the form
        first.click();
      } else if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Escape") {
        clear();
      }
    });
    list.addEventListener("keydown", function (event) {
      var here = document.activeElement;
      if (event.key === "ArrowDown" && here.nextElementSibling) {
        event.preventDefault();
        here.nextElementSibling.focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (here.previousElementSibling || input).focus();
      } else if (event.key === "Escape") {
        clear();
        input.focus();
      }
    });
  }
  var roots = document.querySelectorAll("[data-student-picker]");
  for (var i = 0; i < roots.length; i++) { init(roots[i]); }
})();
