// Clipper admin, campaigns: copy buttons for tracked links, the campaign form's landing and discount pickers
// (only the relevant ones shown), and the report's chart (Chart.js) drawn from the page's JSON; the same numbers
// are in the table below the chart.
(function () {
  // -- copy a link's address --------------------------------------------------------------------------------
  var status = document.getElementById("copy-status");

  function announce(key) {
    if (status) {
      status.textContent = "";
      status.textContent = status.getAttribute(key) || "";
    }
  }

  function copyFallback(input) {
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { announce("data-copied"); },
        function () { announce(copyFallback(input) ? "data-copied" : "data-failed"); }
      );
    } else {
      announce(copyFallback(input) ? "data-copied" : "data-failed");
    }
  });

  // -- show only the pickers that apply ---------------------------------------------------------------------
  function toggle(select, update) {
    if (select) {
      select.addEventListener("change", update);
      update();
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-landing]"), function (fieldset) {
    var kind = fieldset.querySelector("select[name=landing_kind]");
    toggle(kind, function () {
      Array.prototype.forEach.call(fieldset.querySelectorAll("[data-landing-kind]"), function (part) {
        part.hidden = part.getAttribute("data-landing-kind") !== kind.value;
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-discount-choice]"), function (fieldset) {
    var choice = fieldset.querySelector("select[name=discount_choice]");
    var details = fieldset.querySelector("[data-new-discount]");
    toggle(choice, function () {
      if (details) {
        details.hidden = choice.value !== "new";
      }
    });
  });

  // -- the report chart -------------------------------------------------------------------------------------
  var source = document.getElementById("campaign-report-data");
  var canvas = document.getElementById("campaign-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var money = new Intl.NumberFormat(data.locale, { style: "currency", currency: data.currency });
  var count = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 0 });
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var series = data.series;

  function line(part, colour, axis) {
    return { label: part.label, data: part.data, borderColor: colour, backgroundColor: colour, yAxisID: axis };
  }

  function ticks(format, precision) {
    return { precision: precision, callback: function (value) { return format.format(value); } };
  }

  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        line(series.visits, "#0b5cad", "count"),
        line(series.orders, "#2b8a3e", "count"),
        Object.assign(line(series.revenue, "#d9480f", "money"), { borderDash: [6, 4] })
      ]
    },
    options: {
      maintainAspectRatio: false,
      animation: reducedMotion ? false : undefined,
      interaction: { mode: "index", intersect: false },
      scales: {
        count: { type: "linear", position: "left", beginAtZero: true, ticks: ticks(count, 0) },
        money: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                 ticks: ticks(money, undefined) }
      },
      plugins: {
        title: { display: true, text: data.title },
        tooltip: {
          callbacks: {
            label: function (item) {
              var format = item.dataset.yAxisID === "money" ? money : count;
              return item.dataset.label + ": " + format.format(item.parsed.y);
            }
          }
        }
      }
    }
  });
})();
