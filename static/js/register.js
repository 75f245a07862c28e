// Registration: a diacritics-insensitive filter over the unit list ("xuan hung" finds
// "Xuân Hưng"), and the parent's consent shown only for birth years under 16.
(function () {
  "use strict";
  function fold(text) {
    return text.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/\s+/g, " ").trim();
  }
  var select = document.getElementById("f-unit_code");
  var box = document.querySelector(".unit-search");
  var search = document.getElementById("f-unit_search");
  if (select && box && search) {
    box.hidden = false;
    var options = Array.prototype.slice.call(select.options, 1);
    search.addEventListener("input", function () {
      var words = fold(search.value).split(" ").filter(Boolean);
      var first = null;
      options.forEach(function (option) {
        var haystack = option.dataset.search + " " + fold(option.value);
        var show = words.every(function (w) { return haystack.indexOf(w) !== -1; });
        option.hidden = !show;
        option.disabled = !show;
        if (show && !first) first = option;
      });
      if (first && (select.selectedIndex <= 0 || select.options[select.selectedIndex].hidden)) {
        first.selected = true;
      }
    });
  }
  var year = document.getElementById("f-birth_year");
  var parent = document.querySelector(".parent-consent");
  if (year && parent) {
    var thisYear = new Date().getFullYear();
    var update = function () {
      var value = parseInt(year.value, 10);
      parent.hidden = !(value > 1900 && thisYear - value < 16);
    };
    year.addEventListener("input", update);
    update();
  }
})();
