// Small behaviours shared by every page. The pages work without it; it only helps.
(function () {
  "use strict";

  // Tell the person when a request could not reach the server, instead of failing silently.
  function showConnectionError(text) {
    var box = document.getElementById("connection-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "connection-error";
      box.className = "notice notice-error connection-error";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
    window.setTimeout(function () { if (box) { box.remove(); } }, 6000);
  }

  document.addEventListener("htmx:sendError", function () {
    showConnectionError(document.body.dataset.msgOffline || "No connection: nothing was saved. Try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403 || status === 404) {
      showConnectionError(document.body.dataset.msgForbidden || "This is not available to you.");
    } else {
      showConnectionError(document.body.dataset.msgServer || "Something went wrong on our side: nothing was saved.");
    }
  });

  // After an htmx swap, move focus to the first field of a form that was swapped in,
  // or to the element that asks for it, so keyboard users stay in place.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.querySelector) { return; }
    var focus = target.querySelector("[autofocus], [data-focus]");
    if (focus) { focus.focus(); }
  });

  // The main menu folds behind its button on a phone (CSS decides the width at which).
  document.querySelectorAll("[data-menu]").forEach(function (menu) {
    var toggle = menu.querySelector("[data-menu-toggle]");
    if (!toggle) { return; }
    menu.classList.add("is-foldable");
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("is-open")) {
        menu.classList.remove("is-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  });

  // Close an open dropdown when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
      if (!details.contains(event.target)) { details.removeAttribute("open"); }
    });
  });
})();
