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

// Idle time-out (WCAG 2.2.1): two minutes before the session ends, a dialog offers to stay
// signed in. Its button posts to the keep-alive address, which renews the idle clock.
document.addEventListener("DOMContentLoaded", function () {
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var timeout = parseInt(dialog.getAttribute("data-timeout"), 10) * 1000;
  var warnBefore = parseInt(dialog.getAttribute("data-warn-before"), 10) * 1000;
  var timer = null;
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      if (!dialog.open) {
        dialog.showModal();
      }
    }, timeout - warnBefore);
  }
  var form = dialog.querySelector("form[data-keepalive]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        dialog.close();
        if (response.ok) {
          schedule();
        } else {
          window.location.reload();
        }
      });
  });
  schedule();
});

// After an automatic sign-out, the fields of the form the person was filling in come back
// (the server kept them in the session; they are handed to this page once).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("form-draft");
  if (!source) {
    return;
  }
  var fields = JSON.parse(source.textContent);
  Object.keys(fields).forEach(function (name) {
    var values = fields[name];
    document.querySelectorAll("form [name='" + CSS.escape(name) + "']").forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = values.indexOf(input.value) !== -1;
      } else if (input.tagName === "SELECT" && input.multiple) {
        Array.prototype.forEach.call(input.options, function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else if (input.type !== "file" && input.type !== "hidden") {
        input.value = values[0] || "";
      }
    });
  });
});

// Progress by polling (no meta refresh, WCAG F41): a region with data-poll fetches that address
// every data-poll-seconds and shows the answer inside itself, an aria-live region, so screen
// readers hear what changed. Polling stops when the answer no longer holds data-poll-continue.
// Without script the region's own "Vernieuwen" link reloads the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-poll]").forEach(function (region) {
    var url = region.getAttribute("data-poll");
    var seconds = parseInt(region.getAttribute("data-poll-seconds"), 10) || 3;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.redirected || !response.ok) {
            // Signed out, or the run is gone: let the full page say what happened.
            window.location.reload();
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null) {
            return;
          }
          // Swap only when the text changed, so an unchanged state is not read out again.
          var next = document.createElement("template");
          next.innerHTML = html;
          var words = function (node) {
            return node.textContent.replace(/\s+/g, " ").trim();
          };
          if (words(next.content) !== words(region)) {
            region.innerHTML = html;
          }
          if (region.querySelector("[data-poll-continue]")) {
            window.setTimeout(poll, seconds * 1000);
          }
        })
        .catch(function () {
          window.setTimeout(poll, seconds * 1000 * 2); // a network hiccup: try again later
        });
    }
    window.setTimeout(poll, seconds * 1000);
  });
});

// On a narrow screen a wide table scrolls sideways inside itself (app.css); such a table must be
// reachable with the keyboard to be scrolled (WCAG 2.1.1), so it joins the tab order while it
// scrolls, and leaves it again when the window is wide enough.
function markScrollingTables() {
  document.querySelectorAll("main .table").forEach(function (table) {
    if (table.closest(".table-scroll")) {
      return; // its region is focusable already
    }
    if (table.scrollWidth > table.clientWidth + 1) {
      table.setAttribute("tabindex", "0");
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
