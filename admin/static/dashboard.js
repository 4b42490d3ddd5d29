// Clipper admin dashboard: draws the sales and orders charts (Chart.js) from the page's JSON; the same numbers
// are in the tables below each chart.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var palette = ["#0b5cad", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#e67700", "#1098ad", "#5c940d", "#495057"];
  var money = new Intl.NumberFormat(data.locale, { style: "currency", currency: data.currency });
  var count = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 0 });
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function draw(canvasId, chart, format, precision) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: chart.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: palette[index % palette.length] };
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: reducedMotion ? false : undefined,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: precision, callback: function (value) { return format.format(value); } }
          }
        },
        plugins: {
          title: { display: true, text: chart.title },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format.format(item.parsed.y); }
            }
          }
        }
      }
    });
  }

  draw("sales-chart", data.sales, money, undefined);
  draw("orders-chart", data.orders, count, 0);
})();
