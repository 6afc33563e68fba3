// Progressive enhancement only: every page works without this file.
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
