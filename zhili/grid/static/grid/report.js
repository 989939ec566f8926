// The grid report page: take triage's suggested category with a tap, fill the matter's place from
// the device's location or a tap on the map. The position goes into the form's lon/lat fields and
// nowhere else: it is the matter's place, not a record of where the worker has been.
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) return;
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  var category = document.getElementById("id_category");
  var status = document.getElementById("location-status");
  var locate = document.getElementById("use-location");
  var mapBox = document.getElementById("grid-map");
  var marker = null;
  var map = null;

  // The messages come from the page, translated with it.
  function text(name) {
    return status.getAttribute("data-" + name) || "";
  }

  function say(message) {
    status.textContent = message;
  }

  // The suggestion is swapped in by htmx; one listener on the form serves every version of it.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-take-category]");
    if (!button) return;
    category.value = button.getAttribute("data-take-category");
    button.textContent = button.getAttribute("data-taken");
    button.setAttribute("aria-pressed", "true");
  });

  function place(lonValue, latValue, pan) {
    lon.value = lonValue.toFixed(6);
    lat.value = latValue.toFixed(6);
    if (!map) return;
    var point = [latValue, lonValue];
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = window.L.circleMarker(point, { radius: 9, color: "#b02a37", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }
    if (pan) map.panTo(point);
  }

  function typed() {
    var x = parseFloat(lon.value);
    var y = parseFloat(lat.value);
    if (!isNaN(x) && !isNaN(y)) place(x, y, true);
  }
  lon.addEventListener("change", typed);
  lat.addEventListener("change", typed);

  if ("geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say(text("busy"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          place(position.coords.longitude, position.coords.latitude, true);
          say(text("located").replace("%s", String(Math.round(position.coords.accuracy))));
        },
        function (error) {
          say(text(error.code === error.PERMISSION_DENIED ? "denied" : "failed"));
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  var data = document.getElementById("grid-boundaries");
  var shapes = data ? JSON.parse(data.textContent) : [];
  if (!window.L || !shapes.length) {
    if (!shapes.length) say(text("no-boundary"));
    return;
  }
  mapBox.hidden = false;
  var tiles = mapBox.getAttribute("data-tile-url");
  map = window.L.map(mapBox, { attributionControl: Boolean(tiles) });
  if (tiles) {
    window.L.tileLayer(tiles, { attribution: mapBox.getAttribute("data-tile-attribution") || "" }).addTo(map);
  }
  var own = window.L.featureGroup().addTo(map);
  var around = window.L.featureGroup().addTo(map);
  shapes.forEach(function (shape) {
    var style = shape.own
      ? { color: "#0b3d6e", weight: 3, fillOpacity: 0.08 }
      : { color: "#6c757d", weight: 2, dashArray: "6 6", fill: false };
    window.L.geoJSON(shape.boundary, { style: style, interactive: false }).addTo(shape.own ? own : around);
  });
  map.fitBounds((own.getLayers().length ? own : around).getBounds(), { padding: [12, 12] });
  map.on("click", function (event) {
    place(event.latlng.lng, event.latlng.lat, false);
    say(text("picked"));
  });
  typed();
})();
