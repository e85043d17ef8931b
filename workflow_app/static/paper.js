/* Print buttons on the paper pages (公示, 登记表): no inline handlers (CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
