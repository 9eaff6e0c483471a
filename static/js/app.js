// Progressive enhancement only: every page works without JavaScript.
// Forms with data-confirm ask before a destructive action.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
