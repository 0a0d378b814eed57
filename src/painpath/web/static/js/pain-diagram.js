// The pain diagram form: clicking a region on the body map marks it in the list (kind "aching", the
// intensity left for the clinician to type) or clears it; changing the list recolours the map. The list
// is the form: without this script it works the same, the map just does not follow the typing.
(function () {
  "use strict";
  // The fills of documents/body_map.py PAIN_COLOURS (Okabe-Ito palette).
  var COLOURS = {aching: "#E69F00", burning: "#D55E00", electric: "#0072B2", numbness: "#56B4E9", pins_and_needles: "#CC79A7"};

  function field(form, region, part) {
    return form.querySelector('[name="region.' + region + '.' + part + '"]');
  }

  function paint(map, region, kind) {
    var shape = map.querySelector('[data-region="' + region + '"]');
    if (shape) { shape.setAttribute("fill", COLOURS[kind] || "#ffffff"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pain-diagram-form");
    var map = document.getElementById("pain-map-form");
    if (!form || !map) { return; }
    map.addEventListener("click", function (event) {
      var shape = event.target.closest("[data-region]");
      if (!shape) { return; }
      var region = shape.getAttribute("data-region");
      var kind = field(form, region, "type");
      var intensity = field(form, region, "intensity");
      if (!kind || !intensity) { return; }
      if (kind.value) {
        kind.value = "";
        intensity.value = "";
      } else {
        kind.value = "aching";
        intensity.focus();
      }
      paint(map, region, kind.value);
      var row = form.querySelector('[data-region-row="' + region + '"]');
      if (row && kind.value) { row.scrollIntoView({block: "nearest"}); }
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.tagName === "SELECT" && target.hasAttribute("data-region")) {
        paint(map, target.getAttribute("data-region"), target.value);
      }
    });
  });
})();
