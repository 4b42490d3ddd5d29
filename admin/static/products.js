// Clipper admin, catalogue editors: the copy of each language becomes a tab (WAI-ARIA tabs pattern), and the
// product list gets a "select all" box. Without this script every language shows, one below the other.
(function () {
  "use strict";

  function setUpTabs(container, index) {
    var panels = Array.prototype.filter.call(container.children, function (el) {
      return el.hasAttribute("data-tab-panel");
    });
    if (panels.length < 2) return;
    var tablist = document.createElement("div");
    tablist.setAttribute("role", "tablist");
    tablist.setAttribute("aria-label", container.getAttribute("data-tabs-label") || "");
    tablist.className = "tablist";
    var tabs = panels.map(function (panel, i) {
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = "tab-" + index + "-" + i;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      tab.textContent = panel.getAttribute("data-tab-label");
      if (panel.querySelector("[aria-invalid='true']")) tab.classList.add("has-errors");
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.setAttribute("tabindex", "0");
      var heading = panel.querySelector("[data-tab-heading]");
      if (heading) heading.classList.add("visually-hidden");
      tab.addEventListener("click", function () { select(i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: panels.length - 1 }[event.key];
        if (next === undefined) return;
        event.preventDefault();
        select((next + panels.length) % panels.length, true);
      });
      tablist.appendChild(tab);
      return tab;
    });

    function select(chosen, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === chosen;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        panels[i].hidden = !on;
      });
      if (focus) tabs[chosen].focus();
    }

    container.insertBefore(tablist, panels[0]);
    var firstWithErrors = panels.findIndex(function (panel) { return panel.querySelector("[aria-invalid='true']"); });
    select(firstWithErrors >= 0 ? firstWithErrors : 0, false);
  }

  function setUpSelectAll(box) {
    var name = box.getAttribute("data-select-all");
    var form = box.form;
    box.hidden = false;
    box.addEventListener("change", function () {
      Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (item) {
        item.checked = box.checked;
      });
    });
  }

  document.querySelectorAll("[data-tabs]").forEach(setUpTabs);
  document.querySelectorAll("[data-select-all]").forEach(setUpSelectAll);
})();
