/* The map page: districts coloured by risk band, expected events or escalation (the layer
   switch), a horizon/target switch, and a panel with the clicked district's drivers and
   history. Data comes from the JSON API with the key the user pasted (kept in
   localStorage); bands, the intensity layers' classes, towns and words come from #config. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);
  var S = config.strings;
  var KEY_STORE = "forecast.apiKey";
  var NO_DATA = "#ffffff";
  var LAYERS = ["probability", "events", "escalation"];
  // view: the layer shown; layer: the Leaflet GeoJSON layer of the current answer.
  var state = {
    horizon: config.default_horizon || 4, target: "any", view: "probability", layer: null,
    selected: null, features: {}, request: 0, collection: null,
  };
  // Weekly answers carry issue_week, monthly ones (FORECAST_CADENCE=month) issue_month.
  function issued(row) { return row.issue_week || row.issue_month; }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return values && values[k] !== undefined && values[k] !== null ? values[k] : m;
    });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function pct(p) {
    if (p === null || p === undefined) return "–";
    return (Math.round(p * 1000) / 10).toLocaleString(config.lang, { maximumFractionDigits: 1 }) + "%";
  }
  function points(change) {
    if (change === null || change === undefined) return "–";
    var v = Math.round(change * 100);
    return (v > 0 ? "+" : v < 0 ? "−" : "±") + Math.abs(v) + " pts";
  }
  function num(value, decimals) {
    return Number(value).toLocaleString(config.lang, { maximumFractionDigits: decimals });
  }
  // An expected count as the bulletin prints it: one decimal below 1.5, whole above.
  function countText(value) {
    if (value === null || value === undefined) return "–";
    return value < 1.5 ? num(Math.round(value * 10) / 10, 1) : num(Math.round(value), 0);
  }
  // A district's normal as the bulletin prints it: one decimal below 10.
  function normalText(value) {
    if (value === null || value === undefined) return "–";
    return value < 10 ? num(Math.round(value * 10) / 10, 1) : num(Math.round(value), 0);
  }
  function rangeText(pair) { return pair ? pair[0] + "–" + pair[1] : "–"; }
  function horizonLabel() {
    for (var i = 0; i < config.horizons.length; i++) {
      if (config.horizons[i].value === state.horizon) return config.horizons[i].label;
    }
    return String(state.horizon);
  }
  function normalise(name) {
    return String(name || "").trim().toLowerCase().replace(/[\s-]+/g, "_");
  }

  // Band of a feature: its band name when known, else from its probability.
  function bandIndex(band, probability) {
    var key = normalise(band);
    for (var i = 0; i < config.bands.length; i++) if (config.bands[i].name === key) return i;
    if (probability === null || probability === undefined) return -1;
    var index = 0;
    config.bands.forEach(function (b, j) { if (probability >= b.lower) index = j; });
    return index;
  }
  // Class of an expected count among config.event_classes (-1 when unknown).
  function eventClass(expected) {
    if (expected === null || expected === undefined) return -1;
    var index = 0;
    config.event_classes.forEach(function (c, j) { if (expected >= c.lower) index = j; });
    return index;
  }
  function escalationOf(props) {
    var label = props.escalation && props.escalation.label;
    for (var i = 0; i < config.escalation.length; i++) {
      if (config.escalation[i].name === label) return config.escalation[i];
    }
    return null;
  }
  function colour(props) {
    if (state.view === "events") {
      var k = eventClass(props.expected_events);
      return k < 0 ? NO_DATA : config.event_classes[k].colour;
    }
    if (state.view === "escalation") {
      var e = escalationOf(props);
      return e ? e.colour : NO_DATA;
    }
    var i = bandIndex(props.band, props.probability);
    return i < 0 ? NO_DATA : config.bands[i].colour;
  }
  function tooltipFor(props) {
    var name = props.name || props.code;
    if (state.view === "events") {
      if (props.expected_events === null || props.expected_events === undefined) return name + " — " + S.no_data;
      return name + " — " + fmt(S.tooltip_events, { n: countText(props.expected_events) }) +
        " (80%: " + rangeText(props.events_80) + ")";
    }
    if (state.view === "escalation") {
      var e = escalationOf(props);
      if (!e) return name + " — " + S.no_data;
      return name + " — " + fmt(S.tooltip_escalation, { label: e.label, ratio: num(props.escalation.ratio, 1) });
    }
    return name + " — " + pct(props.probability);
  }
  function bandChip(band, probability) {
    var i = bandIndex(band, probability);
    if (i < 0) return el("span", { className: "band", text: S.no_forecast });
    var b = config.bands[i];
    var chip = el("span", { className: "band" + (i === config.bands.length - 1 ? " dark" : ""), text: b.label });
    chip.style.background = b.colour;
    return chip;
  }

  function setStatus(text, isError) {
    var node = document.getElementById("status");
    node.textContent = text;
    node.className = isError ? "error" : "";
  }
  function apiKey() { return localStorage.getItem(KEY_STORE) || ""; }

  // GET a JSON answer with the key; rejects with {status, detail} on an error answer.
  function getJSON(url) {
    return fetch(url, { headers: { "X-API-Key": apiKey(), Accept: "application/json" } })
      .then(function (response) {
        return response.text().then(function (body) {
          var data = null;
          try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
          if (!response.ok) {
            throw { status: response.status, detail: (data && (data.detail || data.title)) || response.statusText };
          }
          return data;
        });
      });
  }
  function reportError(error) {
    if (error && (error.status === 401 || error.status === 403)) {
      setStatus(fmt(S.bad_key, { status: error.status }), true);
    } else {
      setStatus(fmt(S.error, { detail: (error && (error.detail || error.message)) || String(error) }), true);
    }
  }

  // ---- map ----
  var map = L.map("map", { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
  map.setView([17, -3], 5);
  map.createPane("towns");
  map.getPane("towns").style.zIndex = 650;
  map.getPane("towns").style.pointerEvents = "none";

  // One legend box, refilled for the layer shown (renderLegend).
  var legendBox = el("div", { className: "legend" });
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () { return legendBox; };
  legend.addTo(map);

  function legendRow(colourValue, text) {
    var swatch = el("i");
    swatch.style.background = colourValue;
    return el("div", {}, [swatch, document.createTextNode(text)]);
  }
  // True when the current answer has any intensity (the store may have none: older
  // stores, intensity disabled, monthly cadence, a horizon without a count model).
  function hasIntensity() {
    var features = (state.collection && state.collection.features) || [];
    return features.some(function (f) {
      return f.properties.expected_events !== null && f.properties.expected_events !== undefined;
    });
  }
  function renderLegend() {
    legendBox.innerHTML = "";
    legendBox.setAttribute("data-layer", state.view);
    if (state.view === "events") {
      legendBox.appendChild(el("div", { className: "title", text: fmt(S.legend_events, { horizon: horizonLabel() }) }));
      config.event_classes.forEach(function (c, i) {
        var next = config.event_classes[i + 1];
        legendBox.appendChild(legendRow(c.colour, next ? num(c.lower, 1) + "–" + num(next.lower, 1) : num(c.lower, 1) + "+"));
      });
      legendBox.appendChild(legendRow(NO_DATA, S.no_data));
    } else if (state.view === "escalation") {
      legendBox.appendChild(el("div", { className: "title", text: fmt(S.legend_escalation, { horizon: horizonLabel() }) }));
      config.escalation.forEach(function (e) { legendBox.appendChild(legendRow(e.colour, e.label)); });
      legendBox.appendChild(legendRow(NO_DATA, S.no_data));
    } else {
      legendBox.appendChild(el("div", { className: "title", text: S.probability }));
      config.bands.forEach(function (b, i) {
        var next = config.bands[i + 1];
        var range = Math.round(b.lower * 100) + (next ? "–" + Math.round(next.lower * 100) + "%" : "%+");
        legendBox.appendChild(legendRow(b.colour, b.label + " (" + range + ")"));
      });
      legendBox.appendChild(legendRow(NO_DATA, S.no_forecast));
    }
    if (state.view !== "probability" && state.collection && !hasIntensity()) {
      legendBox.appendChild(el("div", { className: "note", text: S.no_intensity }));
    }
  }
  renderLegend();

  // Towns of the countries on the map only, drawn once the first map arrives.
  var townLayer = L.layerGroup().addTo(map);
  function drawTowns(collection) {
    var countries = {};
    (collection.features || []).forEach(function (f) { countries[f.properties.country] = true; });
    townLayer.clearLayers();
    config.towns.forEach(function (town) {
      if (!countries[town.country]) return;
      var marker = L.circleMarker([town.lat, town.lon], {
        pane: "towns", radius: town.capital ? 4 : 2.5, color: "#fff", weight: 1,
        fillColor: "#000", fillOpacity: 1, interactive: false,
      });
      marker.bindTooltip(town.name, {
        permanent: true, direction: "right", offset: [4, 0], pane: "towns",
        className: "town-label" + (town.capital ? " capital" : ""),
      });
      townLayer.addLayer(marker);
    });
  }

  function styleFor(feature) {
    var selected = state.selected === feature.properties.code;
    return {
      fillColor: colour(feature.properties), fillOpacity: 0.9,
      color: selected ? "#000" : "#555", weight: selected ? 3 : 0.6,
    };
  }

  function drawMap(collection) {
    var first = !state.layer;
    state.collection = collection;
    if (state.layer) map.removeLayer(state.layer);
    state.features = {};
    window.__riskByCode = {};  // read by forecast.bulletin.screenshots to click the riskiest
    (collection.features || []).forEach(function (f) {
      window.__riskByCode[f.properties.code] = f.properties.probability;
    });
    state.layer = L.geoJSON(collection, {
      style: styleFor,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 7 });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        state.features[p.code] = layer;
        layer.bindTooltip(function () { return tooltipFor(p); }, { sticky: true });
        layer.on("click", function () { select(p.code); });
        if (layer.getElement && layer.getElement()) layer.getElement().setAttribute("data-code", p.code);
        layer.on("add", function () {
          if (layer.getElement && layer.getElement()) layer.getElement().setAttribute("data-code", p.code);
        });
      },
    }).addTo(map);
    if (first) drawTowns(collection);
    if (first && state.layer.getBounds().isValid()) map.fitBounds(state.layer.getBounds(), { padding: [10, 10] });
    renderLegend();
    document.getElementById("map").setAttribute("data-loaded", collection.horizon + ":" + collection.target);
  }

  // A layer switch recolours the features already drawn: the answer has every layer's field.
  function showLayer(view) {
    state.view = LAYERS.indexOf(view) < 0 ? "probability" : view;
    Array.prototype.forEach.call(document.querySelectorAll("#layer-switch label"), function (label) {
      var input = label.querySelector("input");
      input.checked = input.value === state.view;
      label.classList.toggle("on", input.checked);
    });
    if (state.layer) state.layer.setStyle(styleFor);
    renderLegend();
    document.getElementById("map").setAttribute("data-layer", state.view);
  }

  function loadMap() {
    if (!apiKey()) { setStatus(S.need_key, true); return Promise.resolve(); }
    setStatus(S.loading);
    var ticket = ++state.request;
    var url = "/v1/map?horizon=" + state.horizon + "&target=" + encodeURIComponent(state.target);
    return getJSON(url).then(function (collection) {
      if (ticket !== state.request) return;  // a newer switch won
      drawMap(collection);
      var status = fmt(S.status, {
        week: issued(collection), data_as_of: collection.data_as_of || "–",
        model: collection.model_version || "",
      });
      setStatus(collection.stale ? status + " · " + S.stale : status, false);
      if (state.selected) select(state.selected);
    }).catch(reportError);
  }

  // ---- district panel ----
  function historyChart(items) {
    var rows = items.filter(function (r) { return r.probability !== null && r.probability !== undefined; })
      .sort(function (a, b) { return issued(a) < issued(b) ? -1 : 1; });
    if (!rows.length) return el("p", { className: "hint", text: S.no_history });
    var W = 320, H = 150, left = 34, right = 8, top = 8, bottom = 24;
    var NS = "http://www.w3.org/2000/svg";
    function svgEl(tag, attrs) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      return n;
    }
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, class: "history", role: "img" });
    var n = rows.length;
    function x(i) { return left + (n === 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (n - 1)); }
    function y(p) { return top + (1 - p) * (H - top - bottom); }
    [0, 0.25, 0.5, 0.75, 1].forEach(function (p) {
      svg.appendChild(svgEl("line", { x1: left, x2: W - right, y1: y(p), y2: y(p), stroke: "#ddd", "stroke-width": 1 }));
      var label = svgEl("text", { x: left - 4, y: y(p) + 3, "text-anchor": "end", "font-size": 9, fill: "#555" });
      label.textContent = Math.round(p * 100) + "%";
      svg.appendChild(label);
    });
    config.bands.slice(1).forEach(function (b) {
      svg.appendChild(svgEl("line", {
        x1: left, x2: W - right, y1: y(b.lower), y2: y(b.lower), stroke: b.colour, "stroke-width": 1, "stroke-dasharray": "3 2",
      }));
    });
    var d = rows.map(function (r, i) { return (i ? "L" : "M") + x(i).toFixed(1) + " " + y(r.probability).toFixed(1); }).join(" ");
    svg.appendChild(svgEl("path", { d: d, fill: "none", stroke: "#222", "stroke-width": 1.6, class: "line" }));
    rows.forEach(function (r, i) {
      var known = r.happened === true || r.happened === false;
      svg.appendChild(svgEl("circle", {
        cx: x(i), cy: y(r.probability), r: 3, class: "point",
        fill: r.happened === true ? "#000" : known ? "#fff" : "#bbb",
        stroke: known ? "#000" : "#999", "stroke-width": 1.2,
      }));
    });
    [[0, "start"], [n - 1, "end"]].forEach(function (pair) {
      if (n === 1 && pair[0] === n - 1 && pair[1] === "end") return;
      var t = svgEl("text", { x: x(pair[0]), y: H - 6, "text-anchor": n === 1 ? "middle" : pair[1], "font-size": 9, fill: "#555" });
      t.textContent = issued(rows[pair[0]]);
      svg.appendChild(t);
    });
    return svg;
  }

  function forecastFor(detail) {
    var list = (detail && detail.forecasts) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].horizon === state.horizon && list[i].target === state.target) return list[i];
    }
    return null;
  }

  // Expected counts and escalation of the selected forecast, or why there are none.
  function intensityLines(f) {
    var box = el("div", { className: "intensity" });
    if (f.expected_events === null || f.expected_events === undefined) {
      box.appendChild(el("p", { className: "hint", text: S.no_intensity }));
      return box;
    }
    box.appendChild(el("p", { className: "sub", text: fmt(S.expected_events, { n: countText(f.expected_events), range: rangeText(f.events_80) }) }));
    if (f.expected_fatalities !== null && f.expected_fatalities !== undefined) {
      box.appendChild(el("p", { className: "sub", text: fmt(S.expected_deaths, { n: countText(f.expected_fatalities), range: rangeText(f.fatalities_80) }) }));
    }
    var e = escalationOf(f);
    if (e) {
      var line = el("p", { className: "sub" });
      var chip = el("span", { className: "escalation", text: e.label });
      chip.style.background = e.colour;
      if (e.name !== "usual") chip.style.color = "#fff";
      line.appendChild(chip);
      line.appendChild(document.createTextNode(" " + fmt(S.escalation_line, {
        ratio: num(f.escalation.ratio, 1), normal: normalText(f.escalation.normal),
      })));
      box.appendChild(line);
    }
    return box;
  }

  function renderPanel(code, detail, history) {
    var panel = document.getElementById("panel");
    panel.innerHTML = "";
    var district = (detail && detail.district) || { code: code };
    panel.appendChild(el("h2", { text: district.name || code }));
    panel.appendChild(el("p", { className: "sub", text: [district.admin1, district.code].filter(Boolean).join(" · ") }));
    var f = forecastFor(detail);
    var risk = el("p", { className: "risk-line" });
    risk.appendChild(el("span", { className: "risk", text: f ? pct(f.probability) + " " : "– " }));
    risk.appendChild(bandChip(f && f.band, f && f.probability));
    panel.appendChild(risk);
    if (f) {
      panel.appendChild(el("p", { className: "sub", text: S.change + ": " + points(f.change) }));
      panel.appendChild(intensityLines(f));
    }
    var counts = detail && detail.event_counts;
    if (counts) {
      var monthly = counts.last_month !== undefined;
      panel.appendChild(el("p", { className: "sub", text: fmt(S.events, {
        n4: monthly ? counts.last_month : counts.last_4_weeks,
        n52: monthly ? counts.last_12_months : counts.last_52_weeks,
      }) }));
    }
    panel.appendChild(el("h3", { text: S.drivers }));
    var drivers = (f && f.drivers) || [];
    if (drivers.length) {
      var list = el("ul", { className: "drivers" });
      drivers.forEach(function (dr) {
        var up = dr.contribution > 0;
        var text = dr.text || (dr.feature + ": " + dr.value);
        var item = el("li", { className: up ? "up" : "down", title: dr.feature });
        item.appendChild(document.createTextNode((up ? "▲ " : "▼ ") + text));
        list.appendChild(item);
      });
      panel.appendChild(list);
    } else {
      panel.appendChild(el("p", { className: "hint", text: S.no_drivers }));
    }
    panel.appendChild(el("h3", { text: S.history }));
    panel.appendChild(historyChart((history && history.items) || []));
    panel.appendChild(el("p", { className: "caption", text: S.history_caption }));
  }

  function select(code) {
    var previous = state.selected;
    state.selected = code;
    [previous, code].forEach(function (c) {
      var layer = c && state.features[c];
      if (layer && layer.setStyle) layer.setStyle(styleFor(layer.feature));
      if (layer && layer.bringToFront && c === code) layer.bringToFront();
    });
    var base = "/v1/districts/" + encodeURIComponent(code);
    var query = "?horizon=" + state.horizon + "&target=" + encodeURIComponent(state.target) + "&limit=52";
    return Promise.all([getJSON(base), getJSON(base + "/history" + query)])
      .then(function (answers) {
        if (state.selected !== code) return;
        renderPanel(code, answers[0], answers[1]);
        document.getElementById("panel").setAttribute("data-code", code);
      })
      .catch(reportError);
  }

  // ---- controls ----
  Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
    node.textContent = S[node.getAttribute("data-text")] || "";
  });
  var horizon = document.getElementById("horizon");
  config.horizons.forEach(function (h) {
    horizon.appendChild(el("option", { value: h.value, text: h.label }));
  });
  horizon.value = String(state.horizon);
  var target = document.getElementById("target");
  config.targets.forEach(function (t) { target.appendChild(el("option", { value: t.value, text: t.label })); });
  target.value = state.target;
  horizon.addEventListener("change", function () { state.horizon = Number(horizon.value); loadMap(); });
  Array.prototype.forEach.call(document.querySelectorAll("#layer-switch input"), function (input) {
    input.addEventListener("change", function () { if (input.checked) showLayer(input.value); });
    input.addEventListener("focus", function () { input.parentNode.classList.add("focus"); });
    input.addEventListener("blur", function () { input.parentNode.classList.remove("focus"); });
  });
  showLayer(state.view);
  target.addEventListener("change", function () { state.target = target.value; loadMap(); });

  var keyInput = document.getElementById("key");
  keyInput.value = apiKey();
  keyInput.setAttribute("title", S.key_hint);
  document.getElementById("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    localStorage.setItem(KEY_STORE, keyInput.value.trim());
    loadMap();
  });

  // The bulletin needs the key too: fetch it and open the PDF from memory.
  document.getElementById("bulletin").addEventListener("click", function (event) {
    event.preventDefault();
    fetch("/v1/bulletins/latest?format=pdf&lang=" + config.lang, { headers: { "X-API-Key": apiKey() } })
      .then(function (response) {
        if (!response.ok) throw { status: response.status, detail: response.statusText };
        return response.blob();
      })
      .then(function (blob) { window.open(URL.createObjectURL(blob), "_blank"); })
      .catch(reportError);
  });

  loadMap();
})();
