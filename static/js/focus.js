// After an in-place swap, keyboard focus goes where the person carries on, never to the page body:
// a refused form's first invalid field; else, if the focused element was swapped away, the banner.
(function () {
  "use strict";
  var swapped = [];

  function within(nodes, selector) {
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (!node.isConnected || node.nodeType !== 1) continue;
      if (node.matches(selector)) return node;
      var found = node.querySelector(selector);
      if (found) return found;
    }
    return null;
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function place() {
    var nodes = swapped;
    swapped = [];
    var invalid = within(nodes, "input.is-invalid, select.is-invalid, textarea.is-invalid, [aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    } else if (focusLost()) {
      var banner = document.querySelector("#flash [role=alert], #flash [role=status]");
      if (banner) {
        banner.setAttribute("tabindex", "-1");
        banner.focus();
      }
    }
    // autofocus did its work when the fragment arrived; two refused inline edits must not leave two of them.
    document.querySelectorAll("[autofocus]").forEach(function (el) { el.removeAttribute("autofocus"); });
  }

  document.addEventListener("htmx:after:settle", function (event) {
    var content = (event.detail && event.detail.newContent) || [];
    for (var i = 0; i < content.length; i++) swapped.push(content[i]);
    if (swapped.length === content.length) setTimeout(place, 0);  // htmx applies autofocus after this event
  });
})();
