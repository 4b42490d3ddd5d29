// Clipper admin, landing page sections: of "a collection or picked products" (or "a campaign or a date"), only
// the fields of the chosen source show. Without this script both show, and the chosen radio button decides.
(function () {
  "use strict";

  var choices = document.querySelectorAll("[data-source-choice]");
  if (!choices.length) return;

  function update() {
    var chosen = document.querySelector("[data-source-choice]:checked");
    document.querySelectorAll("[data-source-for]").forEach(function (part) {
      part.hidden = !chosen || part.getAttribute("data-source-for") !== chosen.value;
    });
  }

  choices.forEach(function (choice) { choice.addEventListener("change", update); });
  update();
})();
