/* What htmx swaps, made usable by keyboard and screen reader: focus goes to the element a
 * response marks with data-zl-focus (the refused form's message, the new status), or to the
 * swapped list when the link that was clicked went away with it; a request that fails without
 * an answer to show is announced in the messages region (#zl-messages, aria-live). */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("zl-messages");
    if (!region || !text) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    region.replaceChildren(alert);
  }

  function text(name) {
    var region = document.getElementById("zl-messages");
    return region ? region.getAttribute(name) : "";
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    announce((text("data-failed") || "") + (status ? " (" + status + ")" : ""));
  });

  document.addEventListener("htmx:sendError", function () {
    announce(text("data-offline"));
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var marked = document.querySelector("[data-zl-focus]");
    if (marked) {
      marked.removeAttribute("data-zl-focus");
      if (!marked.hasAttribute("tabindex")) marked.setAttribute("tabindex", "-1");
      marked.focus();
      return;
    }
    var target = event.detail && event.detail.target;
    // After an outerHTML swap the old element is gone; its replacement has the same id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    var active = document.activeElement;
    if ((!active || active === document.body) && target && target.isConnected && target.hasAttribute("tabindex")) {
      target.focus();
    }
  });
})();
