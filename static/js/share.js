// Sharing with the phone's own share sheet (Web Share API) where there is one.
(function () {
  "use strict";
  var button = document.getElementById("share");
  if (!button || !navigator.share) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.share({ title: button.dataset.title, url: button.dataset.url }).catch(function () {});
  });
})();
