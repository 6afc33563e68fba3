// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Forms answer 422 with the page and its error messages: show them like any page.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) { return; }
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: true }
    ];
  });

  // A form sent in place that the server refuses (it expired with the session, the case
  // moved on, the server failed) or that never reached it: send it again as the page would
  // without this file, so that the answer is shown (the error page with its message, or the
  // login page) instead of a button that seems to do nothing. The button pressed goes with it,
  // as it would. Polls and a field's live check only try again later.
  function sendPlainly(event) {
    var elt = event.detail.elt;
    var config = event.detail.requestConfig || {};
    // only a form that posts itself in place (hx-post on the form: the register's rows, a
    // case's steps, each guarded by the version it was loaded at), never a field's live
    // check inside a form, which would send the form unasked
    if (!elt || elt.tagName !== "FORM" || !elt.hasAttribute("hx-post")
        || (config.verb || "").toLowerCase() !== "post") { return; }
    var form = elt;
    var submitter = config.triggeringEvent && config.triggeringEvent.submitter;
    if (submitter && submitter.name) {
      var pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      form.appendChild(pressed);
    }
    HTMLFormElement.prototype.submit.call(form);
  }
  document.addEventListener("htmx:responseError", sendPlainly);
  document.addEventListener("htmx:sendError", sendPlainly);

  // Live status polling pauses while the tab is hidden and refreshes when it is shown again.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && window.htmx) {
      document.querySelectorAll("[data-poll]").forEach(function (elt) {
        window.htmx.trigger(elt, "poll-now");
      });
    }
  });

  // A poll that brings the same version changes nothing on the page (no flicker, and screen
  // readers do not hear the status again). The browser may answer it from its cache after a
  // 304, so compare versions rather than status codes.
  function versionOf(html) {
    var match = /data-version="([^"]+)"/.exec(html || "");
    return match ? match[1] : null;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute("data-poll")) { return; }
    var xhr = event.detail.xhr;
    if (xhr.status === 304 || versionOf(xhr.responseText) === target.getAttribute("data-version")) {
      event.detail.shouldSwap = false;
      catchUp();
      return;
    }
    previousState[target.id] = target.getAttribute("data-state");
  });

  // Whether a field holds what the page did not come with: text typed, a choice changed,
  // a file chosen.
  function changed(field) {
    var type = field.type;
    if (type === "hidden" || type === "submit" || type === "button" || type === "reset"
        || type === "image" || field.tagName === "BUTTON" || field.tagName === "FIELDSET"
        || field.tagName === "OUTPUT" || field.tagName === "OBJECT") { return false; }
    if (type === "checkbox" || type === "radio") { return field.checked !== field.defaultChecked; }
    if (type === "file") { return field.files.length > 0; }
    if (field.tagName === "SELECT") {
      var options = Array.prototype.slice.call(field.options);
      if (field.multiple) {
        return options.some(function (o) { return o.selected !== o.defaultSelected; });
      }
      var first = -1;
      var chosen = -1;
      options.forEach(function (o, i) {
        if (o.defaultSelected) { chosen = i; }
        if (first < 0 && !o.disabled) { first = i; }
      });
      return field.selectedIndex !== (chosen >= 0 ? chosen : first);
    }
    return field.value !== field.defaultValue;
  }

  // Whether a form in the page holds what the user has not sent: a field changed, or the page
  // answers a form that was not taken and gave back what was written (data-kept).
  function unsent() {
    if (document.querySelector("#case-changed[data-kept]")) { return true; }
    return Array.prototype.some.call(document.querySelectorAll("#main form"), function (form) {
      return Array.prototype.some.call(form.elements, changed);
    });
  }

  function typing() {
    var active = document.activeElement;
    return !!(active && active.matches
              && active.matches("#main form input, #main form textarea, #main form select"));
  }

  // When the state of the case changed, what the user can do changed too: refresh the rest of
  // the page in place. Never while a form holds what the user has not sent (the page says the
  // case changed, with a link to load it, and keeps polling), nor while they are in a field;
  // a later poll refreshes it once neither holds. After a step taken in place, move focus to
  // its message.
  var outdated = false;
  function catchUp() {
    if (!outdated) { return; }
    var region = document.getElementById("case-changed");
    if (unsent()) {
      var notice = region && region.querySelector("template");
      if (notice && !region.querySelector("p")) {
        region.appendChild(notice.content.cloneNode(true));
      }
      return;
    }
    if (typing()) { return; }
    outdated = false;
    var page = (region && region.getAttribute("data-page"))
      || window.location.pathname + window.location.search;
    window.htmx.ajax("GET", page, { target: "#main", select: "#main", swap: "outerHTML" });
  }

  var previousState = {};
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "main") {
      outdated = false;
      var message = document.querySelector("#main .error-summary, #main .flash");
      if (message) {
        if (!message.hasAttribute("tabindex")) { message.setAttribute("tabindex", "-1"); }
        message.focus();
      }
      return;
    }
    Object.keys(previousState).forEach(function (id) {
      var before = previousState[id];
      delete previousState[id];
      var fresh = document.getElementById(id);
      var now = fresh && fresh.getAttribute("data-state");
      if (before && now && before !== now) { outdated = true; }
    });
    catchUp();
  });
})();
