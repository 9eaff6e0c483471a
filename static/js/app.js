// Progressive enhancement only: every page works without JavaScript.
// Forms with data-confirm ask before a destructive action.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A form that came back with errors: move focus to the summary and say so in the title, so that
// screen-reader and keyboard users land on the list of what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    var prefix = summary.getAttribute("data-title-prefix") || "Fout:";
    if (document.title.indexOf(prefix) !== 0) {
      document.title = prefix + " " + document.title;
    }
    summary.focus();
  }
});

// Menu groups are <details>: close them with Escape or a click elsewhere, and keep one open.
function closeMenus(except) {
  document.querySelectorAll(".nav-group details[open]").forEach(function (details) {
    if (details !== except) {
      details.removeAttribute("open");
    }
  });
}
document.addEventListener("click", function (event) {
  var inside = event.target.closest ? event.target.closest(".nav-group details") : null;
  closeMenus(inside);
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    var open = document.querySelector(".nav-group details[open]");
    if (open) {
      closeMenus(null);
      var summary = open.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  }
});
