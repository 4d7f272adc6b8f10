// Order pages: a live countdown in the last 24 hours of a deadline, and the print button.
// Without this file the pages show the same text, computed when the page was made.
(function () {
  "use strict";
  var DAY = 24 * 3600;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick(el) {
    var left = Math.floor((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000);
    if (isNaN(left) || left >= DAY) return;
    if (left <= 0) { el.textContent = el.getAttribute("data-over"); return; }
    var clock = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
    el.textContent = el.getAttribute("data-template").replace("%(time)s", clock);
  }
  var timers = document.querySelectorAll("[data-countdown]");
  if (timers.length) {
    var all = function () { timers.forEach(tick); };
    all();
    window.setInterval(all, 1000);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
