/* geoplan workbench: the map beside the tables.
 * The map in the page is the very file geoplan writes (served from the same origin); this
 * script only reaches into it through what it exposes: window.geoplan (map, layers, value,
 * openFeature) and window.L. No eval, no inline script: the pages' CSP forbids both. */
(function () {
  'use strict';

  function mapOf(frame) {
    var w = frame && frame.contentWindow;
    if (!w || !w.geoplan || !w.geoplan.map || !w.L) { return null; }
    return {w: w, G: w.geoplan, L: w.L};
  }

  // Wait for the map in `frame` to be drawn, then call fn(map).
  function whenDrawn(frame, fn, tries) {
    tries = tries === undefined ? 200 : tries;
    var m = mapOf(frame);
    var drawn = m && m.w.document.documentElement.getAttribute('data-geoplan-drawn') === '1';
    if (drawn) { fn(m); return; }
    if (tries > 0) { setTimeout(function () { whenDrawn(frame, fn, tries - 1); }, 100); }
  }

  // Outline a GeoJSON feature on the map and zoom to it.
  function highlight(frame, feature, row) {
    whenDrawn(frame, function (m) {
      if (frame._gpHighlight) { m.G.map.removeLayer(frame._gpHighlight); }
      var style = {color: '#d01c8b', weight: 5, opacity: 0.95, fill: false};
      var layer = m.L.geoJSON(feature, {
        style: function () { return style; },
        pointToLayer: function (f, latlng) {
          return m.L.circleMarker(latlng, {radius: 14, color: '#d01c8b', weight: 4, fill: false});
        }
      }).addTo(m.G.map);
      frame._gpHighlight = layer;
      var b = layer.getBounds();
      if (b.isValid()) { m.G.map.fitBounds(b.pad(0.6), {maxZoom: 16}); }
      var rows = document.querySelectorAll('tr.highlight');
      for (var i = 0; i < rows.length; i++) { rows[i].classList.remove('highlight'); }
      if (row) { row.classList.add('highlight'); }
      document.body.setAttribute('data-highlighted', row ? row.getAttribute('data-index') : '');
      frame.scrollIntoView({block: 'nearest'});
    });
  }

  // Zoom to a plan feature by layer name and id, and open its popup.
  function focusFeature(frame, layerName, id, status) {
    whenDrawn(frame, function (m) {
      var entry = m.G.layers[layerName], i, obj;
      if (entry) {
        var d = entry.data;
        for (i = 0; i < d.n; i++) {
          if (String(m.G.value(d, 'id', i)) === id || String(m.G.value(d, 'name', i)) === id) {
            obj = entry.object(i);
            break;
          }
        }
      }
      if (!obj) {
        if (status) { status.textContent = status.getAttribute('data-missing'); }
        return;
      }
      if (!m.G.map.hasLayer(entry.group)) { m.G.map.addLayer(entry.group); }
      if (obj.getLatLng) { m.G.map.setView(obj.getLatLng(), Math.max(m.G.map.getZoom(), 15)); }
      else { m.G.map.fitBounds(obj.getBounds(), {maxZoom: 16}); }
      m.G.openFeature(m.G.map, obj);
      document.body.setAttribute('data-focused', layerName + '/' + id);
    });
  }

  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('.focus-btn');
    if (!btn) { return; }
    var frame = document.getElementById('map-frame');
    if (!frame) { return; }
    fetch(btn.getAttribute('data-geojson'), {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (feature) { if (feature) { highlight(frame, feature, btn.closest('tr')); } });
  });

  document.addEventListener('DOMContentLoaded', function () {
    var frame = document.getElementById('map-frame');
    if (frame && frame.getAttribute('data-layer')) {
      focusFeature(frame, frame.getAttribute('data-layer'), frame.getAttribute('data-feature'),
                   document.getElementById('focus-status'));
    }
  });

  window.workbench = {highlight: highlight, focusFeature: focusFeature};
})();
