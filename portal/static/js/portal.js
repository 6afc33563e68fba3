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
      return;
    }
    previousState[target.id] = target.getAttribute("data-state");
  });

  // When the state of the case changed, what the user can do changed too: refresh the rest of
  // the page in place, unless they are typing in a form. After a step taken in place, move
  // focus to its message.
  var previousState = {};
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "main") {
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
      var active = document.activeElement;
      var typing = active && active.matches && active.matches("#main form input, #main form textarea, #main form select");
      if (before && now && before !== now && !typing) {
        window.htmx.ajax("GET", window.location.pathname + window.location.search,
          { target: "#main", select: "#main", swap: "outerHTML" });
      }
    });
  });
})();
