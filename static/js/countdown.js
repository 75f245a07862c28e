// Countdown to the next round on the landing page, synced to the server's clock.
(function () {
  "use strict";
  var el = document.querySelector(".countdown");
  if (!el) return;
  var offset = Date.parse(el.dataset.now) - Date.now();
  var target = Date.parse(el.dataset.target);
  function tick() {
    var left = Math.max(0, Math.floor((target - Date.now() - offset) / 1000));
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
    el.textContent = " (còn " + (d ? d + " ngày " : "") + h + " giờ " + m + " phút)";
    if (left === 0) { window.location.reload(); return; }
    setTimeout(tick, 30000);
  }
  tick();
})();
