/* Keyboard shortcuts for clerks; the list is in web/_shortcuts_help.html ("?" shows it).
 * j / k select the next / previous row of a list ([data-zl-row]) and focus its link, so Enter
 * opens it as any link; o opens it too; "/" goes to the search or filter box; n opens the intake
 * screen; g then i goes to the inbox. Keys typed into a field are left alone, as are keys with
 * Ctrl, Alt or Meta. Static file, no inline script: the pages' CSP forbids those. */
(function () {
  "use strict";

  var SEQUENCE_MS = 1500;
  var gPressedAt = 0;

  function typing(element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-zl-row]"));
  }

  function selectedRow() {
    return document.querySelector("[data-zl-row].zl-selected");
  }

  function select(step) {
    var list = rows();
    if (!list.length) return false;
    var index = list.indexOf(selectedRow());
    if (index < 0) index = step > 0 ? 0 : list.length - 1;
    else index = Math.min(list.length - 1, Math.max(0, index + step));
    list.forEach(function (row) { row.classList.remove("zl-selected"); });
    var row = list[index];
    row.classList.add("zl-selected");
    var link = row.querySelector("a[href]");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function openSelected() {
    var row = selectedRow();
    var link = row && row.querySelector("a[href]");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function focusSearch() {
    var box = document.querySelector("[data-zl-search]") ||
      document.querySelector("input[type=search]") ||
      document.getElementById("id_q") ||
      document.querySelector("form[role=search] input:not([type=hidden])");
    if (!box) return false;
    var folded = box.closest(".collapse:not(.show)");
    if (folded && window.bootstrap) window.bootstrap.Collapse.getOrCreateInstance(folded).show();
    box.focus();
    if (box.select) box.select();
    return true;
  }

  function go(attribute) {
    var url = document.body.getAttribute(attribute);
    if (!url) return false;
    window.location.assign(url);
    return true;
  }

  function help() {
    var dialog = document.getElementById("zl-shortcuts");
    if (!dialog || !window.bootstrap) return false;
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (typing(event.target) || document.querySelector(".modal.show")) return;
    var key = event.key;
    var handled = false;
    if (gPressedAt && Date.now() - gPressedAt < SEQUENCE_MS) {
      gPressedAt = 0;
      if (key === "i") handled = go("data-zl-inbox");
    } else if (key === "g") {
      gPressedAt = Date.now();
      handled = true;
    } else if (key === "j") {
      handled = select(1);
    } else if (key === "k") {
      handled = select(-1);
    } else if (key === "o" || (key === "Enter" && event.target === document.body)) {
      handled = openSelected();
    } else if (key === "/") {
      handled = focusSearch();
    } else if (key === "n") {
      handled = go("data-zl-intake");
    } else if (key === "?") {
      handled = help();
    }
    if (handled) event.preventDefault();
  });
})();
