// Bastion console: keeps a typed decision in this tab (sessionStorage) until the server confirms it, so an
// expired session or claim loses nothing; restores it when the case opens again and says so.
(function () {
  "use strict";
  var PREFIX = "bastion-draft:";

  function fields(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "hidden") return;
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) out[el.name] = el.value; }
      else out[el.name] = el.value;
    });
    return out;
  }

  function restore(form, key, status) {
    var raw = window.sessionStorage.getItem(PREFIX + key);
    if (!raw) return;
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in saved)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.value === saved[el.name]) { el.checked = true; restored = true; el.dispatchEvent(new Event("change", {bubbles: true})); }
      } else if (el.type !== "hidden" && saved[el.name]) { el.value = saved[el.name]; restored = true; }
    });
    if (restored && status) {
      status.textContent = "Your unsent decision for this case was restored from this browser. Check it, then record it.";
      status.hidden = false;
    }
  }

  function init() {
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      window.sessionStorage.removeItem(PREFIX + el.getAttribute("data-clear-draft"));
    });
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = form.getAttribute("data-draft");
      restore(form, key, document.getElementById("draft-status"));
      var save = function () { window.sessionStorage.setItem(PREFIX + key, JSON.stringify(fields(form))); };
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", save);
    });
  }

  // A failed htmx request (a reveal, a preview, a refresh) says so on the page instead of doing nothing.
  function problem(text) {
    var box = document.getElementById("request-problem");
    if (!box) {
      box = document.createElement("p");
      box.id = "request-problem";
      box.className = "error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "request-problem");
      var main = document.querySelector("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr, detail = "";
    try { detail = JSON.parse(xhr.responseText).detail || ""; } catch (e) { detail = ""; }
    if (xhr.status === 401 || xhr.status === 403) {
      problem("Your session has ended (" + xhr.status + "). Log in again: anything you typed is kept in this browser.");
    } else {
      problem("That did not work (" + xhr.status + ")" + (detail ? ": " + detail : "") + ". Nothing was changed on screen.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    problem("The server could not be reached. Nothing was changed; try again in a moment.");
  });

  // A form that changes something hard to undo (deleting a queue) asks first.
  document.addEventListener("submit", function (evt) {
    var ask = evt.target.getAttribute && evt.target.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) evt.preventDefault();
  });

  // After htmx has set up the page (its own DOMContentLoaded handler runs first), so a restored outcome
  // asks for its preview like a clicked one.
  if (document.readyState === "complete") init();
  else document.addEventListener("DOMContentLoaded", function () { window.setTimeout(init, 0); });
})();
