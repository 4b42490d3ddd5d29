// Clipper admin, shipping screens. Everything here is an extra: without the script each form still works.
// - A form marked data-submit-once sends once: its buttons disable themselves, so a double click buys one label
//   (the server's idempotency key is what really guarantees it).
// - On the parcel form, changing a quantity or the box recomputes the weight (units × unit weight + empty box)
//   and the box fills in its dimensions; the weight stays editable for a scale's reading.
// - The orders list gets a "select all" box for the orders that can get a label.
(function () {
  "use strict";

  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitted") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted", "true");
      var buttons = form.querySelectorAll("button[type='submit'], button:not([type])");
      // After this turn, so the pressed button's name and value still travel with the form.
      window.setTimeout(function () {
        Array.prototype.forEach.call(buttons, function (button) {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
        });
      }, 0);
    });
  }

  function parcelForm(select) {
    var form = select.form;
    var weight = form.querySelector("[name='weight_grams']");
    var quantities = form.querySelectorAll("input[data-unit-grams]");

    function chosenBox() { return select.options[select.selectedIndex]; }

    function recomputeWeight() {
      var total = parseInt(chosenBox().getAttribute("data-tare-grams"), 10) || 0;
      for (var i = 0; i < quantities.length; i++) {
        var grams = parseInt(quantities[i].getAttribute("data-unit-grams"), 10);
        if (isNaN(grams)) return; // a line without weight: leave the weight as typed
        total += grams * (parseInt(quantities[i].value, 10) || 0);
      }
      if (weight && quantities.length) weight.value = total;
    }

    select.addEventListener("change", function () {
      var box = chosenBox();
      ["length_mm", "width_mm", "height_mm"].forEach(function (name) {
        var size = form.querySelector("[name='" + name + "']");
        if (size) size.value = box.getAttribute("data-" + name.replace("_", "-")) || "";
      });
      recomputeWeight();
    });
    Array.prototype.forEach.call(quantities, function (input) {
      input.addEventListener("change", recomputeWeight);
    });
  }

  function selectAll(box) {
    var name = box.getAttribute("data-select-all");
    box.hidden = false;
    box.addEventListener("change", function () {
      var items = box.form.querySelectorAll("input[type='checkbox'][name='" + name + "']");
      Array.prototype.forEach.call(items, function (item) { item.checked = box.checked; });
    });
  }

  document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  document.querySelectorAll("select[data-box-preset]").forEach(parcelForm);
  document.querySelectorAll("[data-select-all]").forEach(selectAll);
})();
