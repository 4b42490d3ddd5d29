// Landing pages: a countdown ticks every second towards the end time the server wrote, and hides at the end
// (also on a page served from the cache after the offer ended). Without this script the server's count shows.
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  document.querySelectorAll("[data-countdown]").forEach(function (section) {
    var end = Date.parse(section.getAttribute("data-ends-at"));
    if (isNaN(end)) return;
    var units = {};
    section.querySelectorAll("[data-unit]").forEach(function (el) { units[el.getAttribute("data-unit")] = el; });
    var timer = null;

    function tick() {
      var left = Math.floor((end - Date.now()) / 1000);
      if (left <= 0) {
        section.hidden = true;
        if (timer) clearInterval(timer);
        return;
      }
      units.days.textContent = String(Math.floor(left / 86400));
      units.hours.textContent = pad(Math.floor((left % 86400) / 3600));
      units.minutes.textContent = pad(Math.floor((left % 3600) / 60));
      units.seconds.textContent = pad(left % 60);
    }

    tick();
    if (!section.hidden) timer = setInterval(tick, 1000);
  });
})();
