/* Progressive enhancement for the 爱心信箱. The pages work without it; it stays ES5 for old WebViews. */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.className += " box-js";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // --- The letter stays in this tab until the school has it ---------------------------------
  // On "send" the letter is kept in sessionStorage (this tab only, gone when it closes; never on
  // the server). The receipt page forgets it. If the send fails anywhere on the way (no signal,
  // a proxy error, the server's own "信未发送" page), coming back to the form puts it back, with the
  // same idempotency key, so sending again stores the letter once even if the first try arrived.
  var STORE = "anxin-box-letter";
  function storage() { try { return window.sessionStorage; } catch (e) { return null; } }
  function keptLetter() {
    var store = storage();
    if (!store) { return null; }
    try { return JSON.parse(store.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function fieldsOf(form) {
    var out = {}, els = form.elements, i, el;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.name || el.type === "file" || el.type === "hidden" || el.type === "submit" || el.type === "button") { continue; }
      if (el.type === "checkbox") {
        out[el.name] = out[el.name] || [];
        if (el.checked) { out[el.name].push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { out[el.name] = el.value; }
      } else {
        out[el.name] = el.value;
      }
    }
    return out;
  }
  function putBack(form, fields) {
    var els = form.elements, i, el, value;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.name || !fields.hasOwnProperty(el.name)) { continue; }
      value = fields[el.name];
      if (el.type === "checkbox") { el.checked = value.indexOf(el.value) >= 0; }
      else if (el.type === "radio") { el.checked = el.value === value; }
      else if (el.type !== "file" && el.type !== "hidden") { el.value = value; }
    }
  }
  if (doc.querySelector("[data-box-sent]")) {
    var sentStore = storage();
    if (sentStore) { try { sentStore.removeItem(STORE); } catch (e) { /* nothing kept */ } }
  }
  var letterForm = doc.querySelector("form[data-box-letter]");
  if (letterForm) {
    var keyInput = letterForm.querySelector("input[name=client_key]");
    var textArea = letterForm.querySelector("textarea[name=text]");
    var kept = keptLetter();
    if (kept && kept.path !== window.location.pathname) { kept = null; }
    // Only the empty form takes a kept letter back; a page the server filled in itself (its own
    // refusal) already shows the letter and its key.
    if (kept && keyInput && letterForm.hasAttribute("data-box-fresh")) {
      if (textArea && !textArea.value && kept.fields) { putBack(letterForm, kept.fields); }
      if (kept.key) { keyInput.value = kept.key; }
      var note = letterForm.querySelector("[data-box-restored]");
      if (note) { note.className = note.className.replace(/\s*d-none/g, ""); }
    }
    letterForm.addEventListener("submit", function () {
      var store = storage();
      if (!store) { return; }
      var letter = { path: window.location.pathname, key: keyInput ? keyInput.value : "", fields: fieldsOf(letterForm) };
      try { store.setItem(STORE, JSON.stringify(letter)); } catch (e) { /* full or disabled: the server echo still helps */ }
    });
  }

  function chars(text) {
    // Count characters the way the server does: trimmed, one per code point.
    return text.replace(/^\s+|\s+$/g, "").replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "_").length;
  }

  // Live character count under each textarea that asks for one.
  var areas = doc.querySelectorAll("textarea[data-count]");
  Array.prototype.forEach.call(areas, function (area) {
    var out = doc.getElementById(area.getAttribute("data-count"));
    if (!out) { return; }
    var min = parseInt(area.getAttribute("data-min") || "0", 10);
    var max = area.getAttribute("maxlength") || "";
    function update() {
      var n = chars(area.value);
      if (n > 0 && n < min) {
        out.textContent = fmt(area.getAttribute("data-msg-short"), { n: min - n });
        out.className = out.className.replace(/\s*is-short/g, "") + " is-short";
      } else {
        out.textContent = fmt(area.getAttribute("data-msg-count"), { n: n, max: max });
        out.className = out.className.replace(/\s*is-short/g, "");
      }
    }
    area.addEventListener("input", update);
    update();
  });

  // The contact field appears only when they ask to be contacted.
  var contactBox = doc.querySelector("[data-contact-box]");
  if (contactBox) {
    var radios = doc.querySelectorAll("input[name=wants_contact]");
    var contact = doc.getElementById("contact");
    var syncContact = function () {
      var yes = doc.getElementById("contact-yes");
      var wanted = yes && yes.checked;
      contactBox.className = contactBox.className.replace(/\s*is-hidden/g, "") + (wanted ? "" : " is-hidden");
      if (contact) { contact.required = !!wanted; }
    };
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", syncContact); });
    syncContact();
  }

  // Photo count and size, checked before a long upload on a slow connection.
  var files = doc.querySelectorAll("input[type=file][data-max-files]");
  Array.prototype.forEach.call(files, function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-files"), 10);
      var message = "";
      if (input.files && input.files.length > max) {
        message = input.getAttribute("data-msg-too-many");
      } else if (input.files) {
        for (var i = 0; i < input.files.length; i++) {
          if (input.files[i].size > 10 * 1024 * 1024) { message = input.getAttribute("data-msg-too-big"); }
        }
      }
      if (input.setCustomValidity) { input.setCustomValidity(message); }
      if (message && input.reportValidity) { input.reportValidity(); }
    });
  });

  // One tap sends once: slow networks make people tap again.
  var forms = doc.querySelectorAll("form[data-box-form]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (!button || button.disabled) { return; }
      window.setTimeout(function () {
        button.disabled = true;
        var label = button.getAttribute("data-msg-sending");
        if (label) { button.textContent = label; }
      }, 0);
    });
  });

  // Copy the receipt.
  var copyButtons = doc.querySelectorAll("[data-copy]");
  Array.prototype.forEach.call(copyButtons, function (button) {
    button.className = button.className.replace(/\s*d-none/g, "");
    var label = button.querySelector("span") || button;
    function done(ok) {
      label.textContent = button.getAttribute(ok ? "data-msg-copied" : "data-msg-failed");
    }
    function fallback(text) {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.top = "-1000px";
      doc.body.appendChild(area);
      area.select();
      area.setSelectionRange(0, text.length);
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      doc.body.removeChild(area);
      done(ok);
    }
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { fallback(text); });
      } else {
        fallback(text);
      }
    });
  });

  // After a refused submission, bring the explanation into view.
  var error = doc.getElementById("box-error");
  if (error && error.focus) { error.focus(); }
})();
