/* Keep a ledger form's entry until the server has it, then send it exactly once.
 *
 * Every form with data-offline="ledger" gets a hidden client_key (a UUID made once per entry).
 * On submit without a connection (or when the request fails), the entry is kept in localStorage
 * and sent again when the connection returns; the server stores a key only once, so a retry
 * after an uncertain failure never makes a second entry. ES5 for old phone WebViews.
 */
(function () {
  "use strict";
  var STORE = "anxin-ledger-outbox";

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var s = [], hex = "0123456789abcdef", i;
    for (i = 0; i < 36; i++) { s[i] = hex.charAt(Math.floor(Math.random() * 16)); }
    s[14] = "4"; s[19] = hex.charAt((parseInt(s[19], 16) & 0x3) | 0x8);
    s[8] = s[13] = s[18] = s[23] = "-";
    return s.join("");
  }
  function load() { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; } }
  function save(items) { try { localStorage.setItem(STORE, JSON.stringify(items)); } catch (e) { /* full */ } }
  function banner(text) {
    var el = document.getElementById("offline-banner");
    if (!el) { return; }
    el.textContent = text; el.hidden = !text;
  }
  function pendingText(n) { return n ? ("有 " + n + " 条记录尚未送达，联网后会自动提交。") : ""; }
  var busy = false, sent = 0;

  function send(item, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", item.action, true);
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    xhr.setRequestHeader("X-CSRFToken", item.csrf || "");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (item.writtenAt) { xhr.setRequestHeader("X-Anxin-Written-At", item.writtenAt); }
    xhr.onload = function () { done(xhr.status > 0 && xhr.status < 500); };
    xhr.onerror = function () { done(false); };
    xhr.send(item.body);
  }
  function flush() {
    if (busy) { return; }  // one send at a time: a second flush must not post or drop the same item
    var items = load();
    if (!items.length || !navigator.onLine) {
      banner(items.length ? pendingText(items.length) : (sent ? ("已自动提交 " + sent + " 条记录。") : ""));
      return;
    }
    var item = items[0];
    busy = true;
    send(item, function (ok) {
      busy = false;
      if (ok) {
        // Remove this item by its id, not "the first": the queue may have changed meanwhile.
        save(load().filter(function (other) { return other.id !== item.id; }));
        sent += 1;
        flush();
      } else { banner(pendingText(load().length)); }
    });
  }
  function serialize(form) {
    var parts = [], els = form.elements, i, el;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") { continue; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { continue; }
      parts.push(encodeURIComponent(el.name) + "=" + encodeURIComponent(el.value));
    }
    return parts.join("&");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-offline='ledger']"), i;
    for (i = 0; i < forms.length; i++) {
      (function (form) {
        var key = form.querySelector("input[name='client_key']");
        if (key && !key.value) { key.value = uuid(); }
        form.addEventListener("submit", function (ev) {
          if (navigator.onLine) { return; }  // online: a normal post, the server answers
          ev.preventDefault();
          var csrf = form.querySelector("input[name='csrfmiddlewaretoken']");
          var items = load();
          items.push({ id: uuid(), writtenAt: new Date().toISOString(), action: form.action || location.href, body: serialize(form), csrf: csrf ? csrf.value : "" });
          save(items);
          form.reset();
          if (key) { key.value = uuid(); }
          banner(pendingText(items.length));
        });
      })(forms[i]);
    }
    flush();
  });
  window.addEventListener("online", flush);
})();
