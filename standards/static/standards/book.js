// The book's "Print" button, and a printed table of contents that lists everything.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".book-toc details").forEach(function (details) { details.open = true; });
  });
})();
