// Clipper admin: a form with data-confirm="…" asks before it is sent (deactivating, deleting, refunding).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
