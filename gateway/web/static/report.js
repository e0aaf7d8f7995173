/* Streetcare: the resident's report page. Uses the shared module (common.js) and Leaflet. */
(function () {
  "use strict";
  var SC = window.Streetcare, $ = SC.$, el = SC.el, t = SC.t;
  var API = "/api/v1/reports";
  var QUEUE_KEY = "streetcare.report.queue";
  var MINE_KEY = "streetcare.report.mine";
  var SNAP_DISTANCE_M = 150; /* the reports service files a report only this close to a street */
  var STREETS_MIN_ZOOM = 14; /* below it the whole city would be asked for: streets load by viewport */

  var state = { categories: [], spot: null, viewChosen: false, tracking: null, map: null, pin: null, base: null, nearbyLayer: null, nearby: [] };

  function say(text, ok) { var m = $("message"); m.textContent = text || ""; m.className = ok ? "message ok" : "message"; }

  /* ---------- language ---------- */
  function applyLanguage() {
    SC.applyLanguage();
    document.title = t("report.title") + " \u2014 Streetcare";
    if (state.pin) state.pin.getElement() && state.pin.getElement().setAttribute("aria-label", t("report.pinLabel"));
    renderCategories();
    showSpot();
    renderNearby(state.nearby);
    if (state.tracking) renderTracking(state.tracking);
    renderMine();
    updateNet();
    showPhotoName();
  }
  /* the chosen photo's name, or that none is, in the page's language (the browser's own file
     button would say it in the browser's) */
  function showPhotoName() {
    var file = $("photo").files && $("photo").files[0];
    $("photo-name").textContent = file ? file.name : t("report.photoNone");
  }

  /* ---------- categories and questions ---------- */
  function renderCategories() {
    var box = $("categories");
    var chosen = (box.querySelector("input:checked") || {}).value;
    box.querySelectorAll("label").forEach(function (n) { n.remove(); });
    state.categories.forEach(function (c) {
      var label = el("label");
      var input = el("input", { type: "radio", name: "category", value: c.code });
      if (c.code === chosen) input.checked = true;
      input.addEventListener("change", renderQuestions);
      label.appendChild(input);
      label.appendChild(el("span", {}, categoryName(c.code)));
      box.appendChild(label);
    });
    renderQuestions();
  }
  /* the stored name (the admin manages categories), the catalogue's for one the list does not hold */
  function categoryName(code) {
    var c = state.categories.filter(function (x) { return x.code === code; })[0];
    return c && c.name_nl && c.name_en ? (SC.lang === "nl" ? c.name_nl : c.name_en) : SC.code("category", code);
  }
  function chosenCategory() {
    var input = document.querySelector("input[name=category]:checked");
    return input ? state.categories.filter(function (c) { return c.code === input.value; })[0] : null;
  }
  function question(a) { var text = SC.code("question", a.code); return text === a.code.replace(/_/g, " ") ? a.description : text; }
  function answer(v) { var text = SC.code("answer", v.key); return text === v.key.replace(/_/g, " ") ? v.name : text; }
  function renderQuestions() {
    var box = $("questions");
    box.textContent = "";
    var c = chosenCategory();
    if (!c) return;
    c.attributes.forEach(function (a) {
      var id = "q-" + a.code;
      if (a.datatype === "singlevaluelist") {
        box.appendChild(el("label", { "for": id }, question(a) + (a.required ? " *" : "")));
        var select = el("select", { id: id, "data-code": a.code });
        if (a.required) select.required = true;
        select.appendChild(el("option", { value: "" }, "\u2014"));
        a.values.forEach(function (v) { select.appendChild(el("option", { value: v.key }, answer(v))); });
        box.appendChild(select);
      } else if (a.datatype === "multivaluelist") {
        var fs = el("fieldset", { id: id, "data-code": a.code, "class": "multi" });
        fs.appendChild(el("legend", {}, question(a)));
        a.values.forEach(function (v) {
          var l = el("label");
          l.appendChild(el("input", { type: "checkbox", value: v.key }));
          l.appendChild(document.createTextNode(" " + answer(v)));
          fs.appendChild(l);
        });
        box.appendChild(fs);
      } else {
        box.appendChild(el("label", { "for": id }, question(a)));
        box.appendChild(el("input", { id: id, type: "text", "data-code": a.code }));
      }
    });
  }
  function answers() {
    var out = {};
    $("questions").querySelectorAll("select[data-code], input[data-code]").forEach(function (n) {
      if (n.value) out[n.getAttribute("data-code")] = n.value;
    });
    $("questions").querySelectorAll("fieldset[data-code]").forEach(function (fs) {
      var values = [];
      fs.querySelectorAll("input:checked").forEach(function (i) { values.push(i.value); });
      if (values.length) out[fs.getAttribute("data-code")] = values;
    });
    return out;
  }

  /* ---------- the map: streets by viewport, a draggable pin ---------- */
  function startMap() {
    return SC.createMap($("map"), { tap: true }).then(function (map) {
      state.map = map;
      state.nearbyLayer = L.layerGroup().addTo(map);
      map.on("click", function (ev) { setSpot(ev.latlng.lat, ev.latlng.lng); });
      state.base = SC.streetBase(map, API + "/streets.geojson", {
        minZoom: STREETS_MIN_ZOOM,
        onLoad: function () { if (state.spot) showSpot(); }
      });
      /* a first look at the city: a sample of its streets gives the extent */
      return fetch(API + "/streets.geojson?limit=400").then(function (r) { return r.json(); }).then(function (fc) {
        var bounds = L.latLngBounds([]);
        fc.features.forEach(function (f) { f.geometry.coordinates.forEach(function (c) { bounds.extend([c[1], c[0]]); }); });
        /* the person may have located themselves or zoomed while this was loading: keep their view */
        if (state.viewChosen) { /* theirs */ }
        else if (state.spot) showPlace(state.spot.lat, state.spot.lon);
        else if (bounds.isValid()) map.fitBounds(bounds);
        else map.setView([52.37, 4.9], 13);
        state.base.add(fc.features);
        if (state.spot) showSpot(); /* "near X" or "far from every street" needs the streets known */
      }).catch(function () { if (!state.viewChosen) map.setView([52.37, 4.9], 13); });
    });
  }
  function visibleStreets() { return state.base ? state.base.features() : []; }
  function nearestStreet(lat, lon) {
    var best = null;
    visibleStreets().forEach(function (f) {
      var d = SC.distanceToLine(lat, lon, f.geometry.coordinates);
      if (!best || d < best.distance) best = { name: f.properties.name, distance: d };
    });
    return best;
  }
  function setSpot(lat, lon, label, fromSearch) {
    state.spot = { lat: lat, lon: lon, label: label || "" };
    SC.fieldError($("spot"), ""); /* a refusal about the old spot no longer holds */
    if (state.map) {
      if (!state.pin) {
        state.pin = L.marker([lat, lon], { draggable: true, autoPan: true, keyboard: true, title: t("report.pinLabel"), alt: t("report.pinLabel"),
          icon: L.divIcon({ className: "pin", html: "<span></span>", iconSize: [44, 44], iconAnchor: [22, 44] }) }).addTo(state.map);
        state.pin.on("dragend", function () { var p = state.pin.getLatLng(); setSpot(p.lat, p.lng, "", false); });
      } else {
        state.pin.setLatLng([lat, lon]);
      }
      if (fromSearch !== false) showPlace(lat, lon);
    }
    showSpot();
    loadNearby();
  }
  /* Centre on a place at street level; a map without a view yet has no zoom to keep. */
  function showPlace(lat, lon) {
    var zoom = state.map.getZoom();
    state.map.setView([lat, lon], Math.max(isFinite(zoom) ? zoom : 0, 17));
    state.viewChosen = true;
  }
  function showSpot() {
    var node = $("spot"), s = state.spot;
    if (!s) { node.textContent = t("report.noSpot"); node.setAttribute("data-state", "none"); return; }
    var near = nearestStreet(s.lat, s.lon);
    if (near && near.distance > SNAP_DISTANCE_M) {
      node.textContent = t("report.spotFar", { distance: SC.fmtNumber(Math.round(near.distance), 0), street: near.name });
      node.setAttribute("data-state", "far");
    } else if (near || s.label) {
      node.textContent = t("report.spotNear", { street: near ? near.name : s.label });
      node.setAttribute("data-state", "street");
    } else {
      node.textContent = t("report.spotUnknown");
      node.setAttribute("data-state", "unknown");
    }
  }
  function locate() {
    if (!navigator.geolocation) { say(t("report.noGeo")); return; }
    say(t("report.locating"), true);
    navigator.geolocation.getCurrentPosition(function (pos) {
      say("");
      setSpot(pos.coords.latitude, pos.coords.longitude, "");
    }, function () { say(t("report.noGeo")); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  var searchTimer = null;
  function searchStreets() {
    clearTimeout(searchTimer);
    var q = $("street-q").value.trim();
    var list = $("street-results");
    if (q.length < 2) { list.textContent = ""; return; }
    searchTimer = setTimeout(function () {
      fetch(API + "/streets/search?q=" + encodeURIComponent(q)).then(function (r) { return r.ok ? r.json() : []; })
        .then(function (streets) {
          list.textContent = "";
          streets.forEach(function (s) {
            var li = el("li");
            var b = el("button", { type: "button" }, s.name);
            b.addEventListener("click", function () { list.textContent = ""; $("street-q").value = s.name; setSpot(s.lat, s.lon, s.name); });
            li.appendChild(b);
            list.appendChild(li);
          });
        }).catch(function () {});
    }, 250);
  }

  /* ---------- nearby open reports, "me too" ---------- */
  function loadNearby() {
    if (!state.spot || !navigator.onLine) return;
    fetch(API + "/nearby?lat=" + state.spot.lat + "&lon=" + state.spot.lon + "&radius_m=150")
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(renderNearby).catch(function () {});
  }
  function renderNearby(reports) {
    state.nearby = reports || [];
    var list = $("nearby");
    list.textContent = "";
    if (state.nearbyLayer) state.nearbyLayer.clearLayers();
    $("nearby-box").hidden = !state.nearby.length;
    state.nearby.forEach(function (r) {
      var li = el("li", { "data-report": r.id });
      if (r.thumbnail_url) li.appendChild(el("img", { src: r.thumbnail_url, alt: "", "class": "thumb", width: "56", height: "56", loading: "lazy" }));
      var text = el("span", { "class": "what" });
      text.appendChild(el("strong", {}, categoryName(r.category)));
      text.appendChild(document.createTextNode(" \u2014 " + r.street_name + ", " + SC.fmtNumber(Math.round(r.distance_m), 0) + " m"));
      text.appendChild(el("br"));
      text.appendChild(el("small", { "class": "age" }, t("report.reportedAgo", { age: SC.fmtAge(r.created_at) }) +
        (r.also_reported ? "; " + t("report.alsoBy", { count: r.also_reported }) : "")));
      li.appendChild(text);
      var b = el("button", { type: "button", "class": "secondary" }, t("report.meToo"));
      b.addEventListener("click", function () {
        b.disabled = true;
        SC.api(API + "/reports/" + r.id + "/me-too", { method: "POST" }).then(function (x) {
          if (!x.ok) { b.disabled = false; refusal(x, null, b); return; }
          SC.fieldError(b, "");
          b.textContent = t("report.counted", { count: x.body.also_reported });
        }, function () { b.disabled = false; refusal({ status: 0, body: {} }, null, b); });
      });
      li.appendChild(b);
      list.appendChild(li);
      if (state.nearbyLayer) {
        state.nearbyLayer.addLayer(L.circleMarker([r.lat, r.lon], { radius: 9, color: "#1b1f23", weight: 1, fillColor: "#f0b400", fillOpacity: 0.95 })
          .bindTooltip(categoryName(r.category) + " \u2014 " + SC.fmtAge(r.created_at)));
      }
    });
  }

  /* ---------- sending, and the offline queue ----------
     A queued item keeps everything needed to send it exactly once: its Idempotency-Key, and the
     photo's id as soon as the photo is uploaded (saved before the report is sent), so a retry after
     a lost answer sends the same body with the same key and gets the report it created. */
  function readPhoto(file) {
    return new Promise(function (resolve) {
      if (!file) { resolve(null); return; }
      var reader = new FileReader();
      reader.onload = function () { resolve({ name: file.name, type: file.type, data: reader.result }); };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(file);
    });
  }
  function dataUrlToBlob(url) {
    var parts = url.split(","), bin = atob(parts[1]), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: (parts[0].match(/data:([^;]+)/) || [])[1] || "application/octet-stream" });
  }
  function updateQueued(item) {
    var q = SC.store.load(QUEUE_KEY, []);
    SC.store.save(QUEUE_KEY, q.map(function (x) { return x.key === item.key ? item : x; }));
  }
  /* resolves the service's answer: the report's, or the photo upload's refusal (answer.photo), since
     a report is not sent without the photo the person chose */
  function send(item) {
    var photoStep = Promise.resolve(null);
    if (item.photo && !item.body.photo_id) {
      var form = new FormData();
      form.append("photo", dataUrlToBlob(item.photo.data), item.photo.name || "photo.jpg");
      photoStep = SC.api(API + "/photos", { method: "POST", body: form }).then(function (r) {
        if (!r.ok) return { ok: false, status: r.status, body: r.body, photo: true };
        item.body.photo_id = r.body.id;
        item.photo = null; /* uploaded: the id is all a retry needs */
        updateQueued(item);
        return null;
      });
    }
    return photoStep.then(function (refused) {
      return refused || SC.api(API + "/reports", { json: item.body, headers: { "Idempotency-Key": item.key } });
    });
  }
  var flushing = false;
  function flushQueue() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    var waiting = SC.store.load(QUEUE_KEY, []).filter(function (q) { return !q.refused; });
    if (!waiting.length) return Promise.resolve();
    flushing = true;
    var item = waiting[0];
    return send(item).then(function (result) {
      if (result.ok) {
        SC.store.save(QUEUE_KEY, SC.store.load(QUEUE_KEY, []).filter(function (q) { return q.key !== item.key; }));
        remember(result.body);
        say(t("report.flushed"), true);
        if (!state.tracking) location.hash = "track=" + result.body.tracking_token;
      } else {
        item.refused = { status: result.status, body: result.body, photo: !!result.photo }; /* said in words when shown, in the page's language */
        updateQueued(item);
      }
      flushing = false;
      retry.reset();
      renderMine();
      return flushQueue();
    }, function () { flushing = false; retry.later(); });
  }
  var retry = SC.retrier(function () { flushQueue().then(renderMine); });
  function remember(created) {
    var mine = SC.store.load(MINE_KEY, []);
    if (!mine.some(function (m) { return m.token === created.tracking_token; })) {
      mine.unshift({ token: created.tracking_token, category: created.category, street: created.street_name, at: created.created_at });
      SC.store.save(MINE_KEY, mine.slice(0, 20));
    }
    renderMine();
  }
  function submit(ev) {
    ev.preventDefault();
    var category = chosenCategory();
    if (!state.spot) { say(t("report.needSpot")); $("locate").focus(); return; }
    if (!category) { say(t("report.needCategory")); var first = document.querySelector("input[name=category]"); if (first) first.focus(); return; }
    var body = { category: category.code, lat: state.spot.lat, lon: state.spot.lon, description: $("description").value.trim(), attributes: answers() };
    var email = $("email").value.trim();
    if (email) body.email = email;
    var button = $("submit");
    button.disabled = true;
    say(t("report.sending"), true);
    readPhoto($("photo").files[0]).then(function (photo) {
      var item = { key: SC.newKey(), body: body, photo: photo, at: new Date().toISOString() };
      if (!navigator.onLine) { queue(item); return; }
      /* kept on the phone while it is being sent: a lost answer leaves it queued, with its key */
      store(item);
      return send(item).then(function (result) {
        if (result.ok) {
          SC.store.save(QUEUE_KEY, SC.store.load(QUEUE_KEY, []).filter(function (q) { return q.key !== item.key; }));
          remember(result.body);
          location.hash = "track=" + result.body.tracking_token;
        } else {
          SC.store.save(QUEUE_KEY, SC.store.load(QUEUE_KEY, []).filter(function (q) { return q.key !== item.key; }));
          say(refusal(result, fieldAbout, result.photo ? $("photo") : null));
        }
      }, function () { queue(item); });
    }).then(function () { button.disabled = false; });
  }
  /* a refusal in the page's language: by its code, beside the field it is about (when `fields`), beside
     the control it is about (`beside`: the photo, a "Me too" or reopen button), or in general */
  function refusal(answer, fields, beside) {
    var body = answer.body && typeof answer.body === "object" ? answer.body : {}; /* an older page kept only the words */
    return SC.explain(body, { status: answer.status, groups: ["report.problem"], fields: fields, form: $("report"), beside: beside || undefined });
  }
  /* where the service's words about a field of the report go: lat/lon are the spot */
  function fieldAbout(path) {
    var name = path[0];
    if (name === "lat" || name === "lon") return $("spot");
    if (name === "category") return $("categories");
    if (name === "attributes") return (path[1] && $("q-" + path[1])) || $("questions");
    if (name === "photo_id" || name === "photo") return $("photo");
    return name === "description" || name === "email" ? $(name) : null;
  }
  function store(item) {
    var q = SC.store.load(QUEUE_KEY, []);
    if (q.some(function (x) { return x.key === item.key; })) return;
    q.push(item);
    try { SC.store.save(QUEUE_KEY, q); }
    catch (e) { item.photo = null; q[q.length - 1] = item; SC.store.save(QUEUE_KEY, q); } /* photo too big for storage */
  }
  function queue(item) {
    store(item);
    say(t("report.queued"), true);
    $("report").reset();
    renderMine();
  }

  /* ---------- tracking ---------- */
  function trackToken() {
    var m = location.hash.match(/track=([A-Za-z0-9_-]+)/) || location.search.match(/[?&]track=([A-Za-z0-9_-]+)/);
    return m ? m[1] : null;
  }
  function route() {
    var token = trackToken();
    $("report").hidden = !!token;
    $("tracking").hidden = !token;
    if (!token) { state.tracking = null; if (state.map) state.map.invalidateSize(); return; }
    fetch(API + "/track/" + token).then(function (r) {
      if (!r.ok) throw new Error("not found");
      return r.json();
    }).then(function (report) {
      state.tracking = report;
      renderTracking(report);
      $("track-h").focus();
    }).catch(function () {
      $("track-facts").textContent = t("report.notFound");
    });
  }
  function renderTracking(r) {
    var facts = $("track-facts");
    facts.textContent = "";
    var rows = [
      [t("report.status"), SC.code("status", r.status), "track-status"],
      [t("report.kind"), categoryName(r.category)],
      [t("report.street"), r.street_name],
      [t("report.filed"), SC.fmtDate(r.created_at)],
      [t("report.due"), SC.fmtDate(r.due_at)]
    ];
    if (r.duplicate_of) rows.push([t("report.duplicateOf"), "#" + r.duplicate_of + (r.duplicate_of_status ? " (" + SC.code("status", r.duplicate_of_status) + ")" : "")]);
    rows.forEach(function (row) {
      facts.appendChild(el("dt", {}, row[0]));
      var dd = el("dd", {}, row[1]);
      if (row[2]) dd.id = row[2];
      facts.appendChild(dd);
    });
    var img = $("track-photo");
    if (r.thumbnail_url) { img.src = r.thumbnail_url; img.hidden = false; } else { img.hidden = true; }
    var list = $("track-history");
    list.textContent = "";
    r.history.forEach(function (h) {
      var li = el("li");
      li.appendChild(el("strong", {}, SC.code("status", h.status)));
      /* the service's own notes by their code, in the page's language; a person's words as written */
      var note = h.note_code ? t("report.note." + h.note_code, h.note_params || {}) : h.note;
      if (note === "report.note." + h.note_code) note = h.note; /* a code this page does not know yet */
      li.appendChild(document.createTextNode(" \u2014 " + SC.fmtDate(h.at) + (note ? ": " + note : "")));
      list.appendChild(li);
    });
    $("reopen").hidden = !r.can_reopen;
  }
  function reopen() {
    var button = $("reopen");
    button.disabled = true;
    SC.api(API + "/track/" + trackToken() + "/reopen", { json: {} }).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { refusal(answer, null, button); return; }
      SC.fieldError(button, "");
      route();
    }, function () { button.disabled = false; refusal({ status: 0, body: {} }, null, button); });
  }
  function renderMine() {
    var mine = SC.store.load(MINE_KEY, []), pending = SC.store.load(QUEUE_KEY, []), list = $("mine");
    list.textContent = "";
    $("mine-box").hidden = !mine.length && !pending.length;
    pending.forEach(function (p) {
      var li = el("li", { "class": p.refused ? "pending refused" : "pending", "data-key": p.key });
      var what = categoryName(p.body.category) + (p.body.photo_id || p.photo ? " (" + t("report.photoAttached") + ")" : "");
      li.appendChild(el("span", {}, what + " \u2014 " + (p.refused ? t("report.refused", { reason: refusal(p.refused) }) : t("report.pending"))));
      if (p.refused) {
        li.appendChild(el("p", { "class": "hint" }, t("report.refusedHelp")));
        var retry = el("button", { type: "button", "class": "secondary" }, t("common.retry"));
        retry.addEventListener("click", function () { delete p.refused; updateQueued(p); flushQueue().then(renderMine); });
        var remove = el("button", { type: "button", "class": "secondary" }, t("common.remove"));
        remove.addEventListener("click", function () {
          SC.store.save(QUEUE_KEY, SC.store.load(QUEUE_KEY, []).filter(function (q) { return q.key !== p.key; }));
          renderMine();
        });
        li.appendChild(retry);
        li.appendChild(remove);
      }
      list.appendChild(li);
    });
    mine.forEach(function (m) {
      var li = el("li"), a = el("a", { href: "/report#track=" + m.token },
        categoryName(m.category) + ", " + (m.street || "") + " \u2014 " + SC.fmtDate(m.at));
      li.appendChild(a);
      list.appendChild(li);
    });
  }
  function updateNet() {
    var net = $("net");
    net.hidden = navigator.onLine;
    net.textContent = navigator.onLine ? "" : t("common.offline");
  }

  /* ---------- start ---------- */
  function start() {
    $("lang").addEventListener("click", function () { SC.setLang(SC.lang === "nl" ? "en" : "nl"); applyLanguage(); });
    $("locate").addEventListener("click", locate);
    $("street-q").addEventListener("input", searchStreets);
    $("report").addEventListener("submit", submit);
    $("photo").addEventListener("change", showPhotoName);
    $("report").addEventListener("reset", function () { setTimeout(showPhotoName, 0); });
    $("reopen").addEventListener("click", reopen);
    $("new-report").addEventListener("click", function (ev) { ev.preventDefault(); history.pushState(null, "", "/report"); route(); });
    window.addEventListener("hashchange", route);
    window.addEventListener("popstate", route);
    window.addEventListener("online", function () { updateNet(); flushQueue().then(renderMine); loadNearby(); });
    window.addEventListener("offline", updateNet);
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
    SC.loadCatalogues().then(function () {
      applyLanguage();
      startMap().catch(function () {});
      return fetch(API + "/categories?lang=" + SC.lang).then(function (r) { return r.json(); })
        .then(function (c) { state.categories = c; SC.store.save("streetcare.report.categories", c); })
        .catch(function () { state.categories = SC.store.load("streetcare.report.categories", []); });
    }).then(function () { applyLanguage(); route(); return flushQueue(); }).then(renderMine);
  }
  document.addEventListener("DOMContentLoaded", start);
})();
