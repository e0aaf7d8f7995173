/* Streetcare dispatcher page: plans per crew on a Leaflet map, a work queue, live updates.
   Uses the shared module (common.js); no inline script or style (CSP). */
(function () {
  "use strict";
  var SC = window.Streetcare, $ = SC.$, t = SC.t;
  var API = "/api/v1/scheduling";
  var TOKEN_KEY = "streetcare.dispatch.token";
  var ROLE_KEY = "streetcare.dispatch.role";
  var CREW_COLOURS = ["#0b6e4f", "#1f5fbf", "#b5179e", "#e76f51", "#2a9d8f", "#6a4c93", "#8d6e00", "#d62828"];
  var LEVEL_COLOURS = { "A+": "#1a7f37", A: "#6cbf4a", B: "#d4c43a", C: "#ef8a2b", D: "#c92a2a" };
  var LEVEL_RANK = { "A+": 0, A: 1, B: 2, C: 3, D: 4 };

  var state = { days: null, day: "today", plan: undefined, streets: {}, source: null, map: null, streetLines: {},
    routeLayer: null, reports: [], bags: null, uncovered: null, placeMarker: null, pendingDone: null, crews: [], pendingMove: null, editing: null,
    focus: null };
  /* streets load by viewport (bounding box), at most this many a view; past it the server sends the worst
     below their target first and the page asks the dispatcher to zoom in for the rest */
  var STREETS_PER_VIEW = 3000;
  var STREETS_KEPT = 20000; /* panning across a big city: forget what was loaded beyond this */
  var QUEUE_LENGTH = 30;
  var WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var MOVE_DAYS_AHEAD = 14;
  var PROBLEMS = ["dispatch.problem"]; /* the catalogue's words for the scheduling service's refusal codes (then "problem") */

  function el(tag, className, text) {
    var node = SC.el(tag, {}, text);
    if (className) node.className = className;
    return node;
  }
  function token() { try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }
  function role() { try { return localStorage.getItem(ROLE_KEY); } catch (e) { return null; } }
  /* the stored login, for the page's other sections below (categories, statistics) */
  SC.staff = { token: token, role: role };
  function say(text) { $("plan-message").textContent = text || ""; }

  /* JSON with the dispatcher's token; a 401 logs out. A refusal rejects with an Error whose message is
     the refusal in the page's language (Streetcare.explain, never the service's English), its answer
     kept (error.body) for the dialogs, which put what is about a field beside it (refused) */
  function json(path, options) {
    options = Object.assign({ token: token() }, options || {});
    var generic = options.method || options.json !== undefined ? "problem.generic" : "problem.notLoaded";
    return SC.api(path, options).then(function (answer) {
      if (answer.status === 401) { logout(); throw new Error("401"); }
      if (!answer.ok) {
        var error = new Error(SC.explain(answer.body, { status: answer.status, groups: PROBLEMS, generic: generic }));
        error.status = answer.status;
        error.body = answer.body || {};
        throw error;
      }
      return answer.body;
    }, function () { throw new Error(SC.explain(null, { generic: generic })); });
  }
  /* a refusal of a dialog's form: what is about a field beside it (`fieldsByName`: the service's field
     names), the rest in the dialog's `line` */
  function refused(error, form, fieldsByName, line) {
    line.textContent = error.body
      ? SC.explain(error.body, { status: error.status, groups: PROBLEMS, form: form, fields: SC.fieldsNamed(fieldsByName) })
      : error.message;
  }
  /* fields left empty, each told so beside it; true when there was one */
  function missing(fields) {
    var empty = fields.filter(function (node) { return !String(node.value).trim(); });
    empty.forEach(function (node) { SC.fieldError(node, { key: "dispatch.field_required", params: {} }); });
    if (empty.length) empty[0].focus();
    return empty.length > 0;
  }

  /* --- the planner's reasons and a version's trigger: codes and params (services/scheduling/planning/
     reasons.py, dirty/triggers.py) said from the catalogue (dispatch.reason.*, dispatch.trigger.*); the
     service's English only where a part has no code this page knows (a reason stored before codes) --- */
  function span(days) {
    var n = Math.floor(Number(days));
    if (n < 1) return t("dispatch.span.less_than_day");
    if (n < 14) return t("dispatch.span.days", { count: n });
    if (n < 60) return t("dispatch.span.weeks", { count: Math.floor(n / 7) });
    return t("dispatch.span.months", { count: Math.floor(n / 30) });
  }
  function sinceWords(iso, daysAgo) {
    if (daysAgo <= 0) return t("dispatch.since.today");
    if (daysAgo === 1) return t("dispatch.since.yesterday");
    var day = new Date(iso + "T12:00:00");
    return new Intl.DateTimeFormat(SC.locale(), daysAgo < 7 ? { weekday: "long" } : { day: "numeric", month: "short" }).format(day);
  }
  function partWords(group, part) {
    var key = "dispatch." + group + "." + part.code, params = part.params || {}, values = {}, unknown = false;
    if (SC.t(key) === key) return null;
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      if (value && typeof value === "object" && value.code) {
        values[name] = partWords(group, value);
        unknown = unknown || values[name] === null;
      } else if (name === "days") values[name] = span(value);
      else if (name === "on" || name === "from" || name === "day") values[name] = SC.fmtDate(value + "T12:00:00", false);
      else if (name === "rhythm") values[name] = t("volunteer.rhythm." + value);
      else if (name === "mode") values[name] = SC.code("mode", value);
      else if (name === "category") values[name] = SC.code("category", value);
      else if (name === "hours") values[name] = SC.fmtNumber(value, 1);
      else values[name] = value;
    });
    if (params.since) values.since = sinceWords(params.since, params.since_days);
    return unknown ? null : t(key, values);
  }
  function said(group, parts, english) {
    var words = (parts || []).map(function (part) { return partWords(group, part); });
    return words.length && words.indexOf(null) < 0 ? words.join("; ") : english;
  }
  function reasonOf(item) { return said("reason", item.reason_parts, item.reason); }
  function triggerOf(plan) {
    return said("trigger", plan.trigger_code ? [{ code: plan.trigger_code, params: plan.trigger_params }] : [], plan.trigger);
  }

  /* --- language --- */
  function applyLanguage() {
    SC.applyLanguage();
    document.title = t("dispatch.title");
    document.querySelectorAll("button.lang").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-lang") === SC.lang);
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === SC.lang));
    });
    if (state.plan !== undefined) renderPlan();
    renderQueue();
    renderCrews();
  }

  /* --- login: the token is kept in localStorage, so other tabs and reloads stay logged in --- */
  function showLogin(show) {
    $("login").hidden = !show;
    $("app").hidden = show;
    $("logout").hidden = show;
    $("replan").hidden = show;
  }
  function logout() {
    try { localStorage.removeItem(TOKEN_KEY); localStorage.removeItem(ROLE_KEY); } catch (e) { /* private mode */ }
    if (state.source) { state.source.close(); state.source = null; }
    showLogin(true);
  }
  function login(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    SC.api("/api/v1/auth/login", { json: { email: $("email").value, password: $("password").value } }).then(function (answer) {
      if (answer.status === 401) { $("login-error").textContent = t("dispatch.login_wrong"); $("password").focus(); return; }
      if (!answer.ok) {
        $("login-error").textContent = SC.explain(answer.body, { status: answer.status, form: $("login-form"),
          fields: SC.fieldsNamed({ email: $("email"), password: $("password") }) });
        return;
      }
      if (answer.body.role !== "dispatcher" && answer.body.role !== "admin") { $("login-error").textContent = t("dispatch.not_dispatcher"); return; }
      localStorage.setItem(TOKEN_KEY, answer.body.access_token);
      localStorage.setItem(ROLE_KEY, answer.body.role);
      start();
    }, function () { $("login-error").textContent = SC.explain(null, {}); });
  }

  /* --- map --- */
  function startMap() {
    if (state.map) return Promise.resolve(state.map);
    return SC.createMap($("map"), { keyboard: true }).then(function (map) {
      state.map = map;
      state.routeLayer = L.layerGroup().addTo(map);
      /* the whole city's extent first; every view after that asks for its own streets */
      return json(API + "/street-map/extent").then(function (extent) {
        var b = extent.bbox;
        if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [12, 12] }); else map.setView([52.37, 4.9], 13);
      }, function () { map.setView([52.37, 4.9], 13); }).then(function () {
        map.on("moveend", function () { loadStreets(); });
        return map;
      });
    });
  }
  function streetFeatures() { return Object.keys(state.streets).map(function (id) { return state.streets[id]; }); }
  function viewBox(map) {
    var b = map.getBounds().pad(0.2);
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
  }
  function drawStreet(f) {
    var p = f.properties, line = state.streetLines[p.id], colour = LEVEL_COLOURS[p.level] || "#888";
    if (line) { line.setStyle({ color: colour }); line.setTooltipContent(p.name + " \u2014 " + p.level); return; }
    line = L.polyline(SC.latLngs(f.geometry.coordinates), { color: colour, weight: 4, opacity: 0.9 });
    line.on("click", function () { showStreet(p.id); });
    line.bindTooltip(p.name + " \u2014 " + p.level, { sticky: true });
    line._streetId = p.id;
    state.map.streetLayer.addLayer(line);
    state.streetLines[p.id] = line;
  }
  function drawStreets(features) {
    if (!state.map) return;
    if (Object.keys(state.streets).length > STREETS_KEPT) { /* a long pan across a big city */
      state.map.streetLayer.clearLayers();
      state.streets = {};
      state.streetLines = {};
    }
    features.forEach(function (f) { state.streets[f.properties.id] = f; drawStreet(f); });
    SC.labelStreets(state.map, streetFeatures(), 16);
  }
  function crewColour(index) { return CREW_COLOURS[index % CREW_COLOURS.length]; }
  function drawRoutes() {
    if (!state.map) return;
    state.routeLayer.clearLayers();
    var legend = $("crew-legend");
    legend.textContent = "";
    if (!state.plan) return;
    legend.appendChild(el("li", "legend-title", t("dispatch.legend_crews")));
    state.plan.crews.forEach(function (crew, index) {
      var colour = crewColour(index);
      var item = el("li");
      var sw = el("span", "swatch crew-colour-" + (index % CREW_COLOURS.length));
      item.appendChild(sw);
      item.appendChild(document.createTextNode(crew.name));
      legend.appendChild(item);
      if (!crew.visits.length) return;
      var line;
      if (crew.path && crew.path.coordinates && crew.path.coordinates.length > 1) {
        line = SC.latLngs(crew.path.coordinates); /* along the streets, from the planner */
      } else {
        line = [[crew.depot_lat, crew.depot_lon]].concat(crew.visits.map(function (v) { return [v.lat, v.lon]; }))
          .concat([[crew.depot_lat, crew.depot_lon]]);
      }
      state.routeLayer.addLayer(L.polyline(line, { color: colour, weight: 3, opacity: 0.85, dashArray: crew.path ? null : "6 4", interactive: false, className: "route" }));
      crew.visits.forEach(function (v) {
        /* small at city scale so the street colours stay readable; new stops ringed in purple */
        var stop = L.circleMarker([v.lat, v.lon], { radius: 5, color: v.change === "added" ? "#7b2ff7" : "#fff",
          weight: v.change === "added" ? 2 : 1, fillColor: colour, fillOpacity: 1 });
        stop.bindTooltip(crew.name + " #" + (v.position + 1) + " " + (v.eta_local || "") + " " + v.street_name);
        stop.on("click", function () { showStreet(v.street_id); });
        state.routeLayer.addLayer(stop);
      });
      state.routeLayer.addLayer(L.circleMarker([crew.depot_lat, crew.depot_lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#111", fillOpacity: 1, interactive: false }));
    });
  }

  /* --- details of a street: opened by a click on the map, or by keyboard from the lists --- */
  function planEntry(streetId) {
    var found = null;
    (state.plan ? state.plan.crews : []).forEach(function (crew) {
      crew.visits.forEach(function (v) { if (v.street_id === streetId && !found) found = { crew: crew, visit: v }; });
    });
    return found;
  }
  /* a street's details; `place` ({lat, lon}: where it is) brings a street not loaded yet into view first */
  function showStreet(streetId, zoom, place) {
    var feature = state.streets[streetId];
    var box = $("details"), body = $("details-body");
    if (!feature && place && state.map) {
      state.focus = streetId;
      state.map.setView([place.lat, place.lon], Math.max(state.map.getZoom(), 17));
      return;
    }
    body.textContent = "";
    if (!feature) return;
    var p = feature.properties, entry = planEntry(streetId);
    $("details-title").textContent = p.name;
    var facts = [
      t("dispatch.street_level", { level: p.level, target: p.target }),
      t("dispatch.district", { district: p.district }) + " \u00b7 " + t("dispatch.length", { metres: SC.fmtNumber(Math.round(p.length_m), 0) }),
      p.adopted ? t("dispatch.adopted") : t("dispatch.not_adopted"),
      t("dispatch.open_reports", { count: p.open_reports }),
      entry ? t("dispatch.on_plan", { crew: entry.crew.name, position: entry.visit.position + 1, eta: entry.visit.eta_local || "" }) : t("dispatch.not_on_plan")
    ];
    var list = el("ul", "plain");
    facts.forEach(function (f) { list.appendChild(el("li", null, f)); });
    body.appendChild(list);
    if (entry) body.appendChild(el("p", "reason", reasonOf(entry.visit)));
    box.hidden = false;
    box.setAttribute("data-street", String(streetId));
    var line = state.streetLines[streetId];
    if (line && state.map) {
      Object.keys(state.streetLines).forEach(function (id) { state.streetLines[id].setStyle({ weight: 4 }); });
      line.setStyle({ weight: 9 });
      line.bringToFront();
      if (zoom) state.map.fitBounds(line.getBounds(), { maxZoom: 17 });
    }
    box.focus();
  }

  /* --- plan list --- */
  function badge(kind, text) { return el("span", "badge " + kind, text); }
  function visitItem(crew, v) {
    var item = el("li", "visit" + (v.change === "added" || v.change === "moved" ? " changed" : ""));
    item.setAttribute("data-visit", v.visit_id);
    item.setAttribute("data-street", v.street_id);
    var line = el("div", "line");
    line.appendChild(el("span", "eta", v.eta_local || ""));
    var name = el("button", "name link", v.street_name);
    name.type = "button";
    name.setAttribute("aria-label", v.street_name + ": " + t("dispatch.show_on_map"));
    name.addEventListener("click", function () { showStreet(v.street_id, true, v); });
    line.appendChild(name);
    line.appendChild(el("span", "kind", SC.code("kind", v.kind)));
    if (v.change) line.appendChild(badge(v.change, t("dispatch." + v.change)));
    if (v.directive === "pin") line.appendChild(badge("pinned", t("dispatch.pinned")));
    if (v.directive === "drop") line.appendChild(badge("dropped", t("dispatch.dropped")));
    if (v.status === "done") {
      line.appendChild(badge("done", t("dispatch.done")));
    } else {
      if (v.status === "started") line.appendChild(badge("started", t("dispatch.started")));
      var done = el("button", "mark-done", t("dispatch.mark_done"));
      done.type = "button";
      done.addEventListener("click", function () { askDone(v, done); });
      line.appendChild(done);
    }
    item.appendChild(line);
    item.setAttribute("data-candidate", v.candidate_id);
    if (v.directive) item.setAttribute("data-directive", v.directive);
    item.appendChild(visitActions(crew, v));
    var notes = [reasonOf(v)];
    if (v.moved_from) notes.push(t("dispatch.moved_from", { day: SC.fmtDate(v.moved_from + "T12:00:00", false) }));
    if (v.bags_collected) notes.push(t("dispatch.bags_collected_n", { count: v.bags_collected }));
    item.appendChild(el("div", "reason", notes.join(" \u00b7 ")));
    return item;
  }

  /* --- the dispatcher's word on a visit: move, pin/unpin, drop, undo done (the next re-plan respects it) --- */
  function actionButton(className, text, label, handler) {
    var b = el("button", "secondary " + className, text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function () { handler(b); });
    return b;
  }
  function visitActions(crew, v) {
    var box = el("div", "actions");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("dispatch.visit_actions", { street: v.street_name }));
    var named = function (key) { return t("dispatch." + key) + ": " + v.street_name; };
    if (v.status === "done") {
      box.appendChild(actionButton("undo-done", t("dispatch.undo_done"), named("undo_done"), function (b) { undoDone(v, b); }));
      return box;
    }
    if (v.status !== "planned") return box;
    if (v.directive === "drop") {
      box.appendChild(actionButton("undrop", t("dispatch.undrop"), named("undrop"), function (b) { takeBack(v.directive_id, v.street_name, b); }));
      return box;
    }
    box.appendChild(actionButton("move", t("dispatch.move"), named("move"), function () { askMove(v); }));
    if (v.directive === "pin") {
      box.appendChild(actionButton("unpin", t("dispatch.unpin"), named("unpin"), function (b) { takeBack(v.directive_id, v.street_name, b); }));
    } else {
      box.appendChild(actionButton("pin", t("dispatch.pin"), named("pin"), function (b) { direct(v, "pin", null, b); }));
    }
    box.appendChild(actionButton("drop", t("dispatch.drop"), named("drop"), function (b) { direct(v, "drop", null, b); }));
    return box;
  }
  function redrawVisit(v) {
    var old = document.querySelector('.visit[data-visit="' + v.visit_id + '"]');
    var crew = state.plan && state.plan.crews.filter(function (c) { return c.visits.indexOf(v) >= 0; })[0];
    if (old && crew) {
      var fresh = visitItem(crew, v);
      old.replaceWith(fresh);
      var first = fresh.querySelector(".actions button");
      if (first) first.focus();
    }
  }
  function keepDirectives(rows) {
    if (!state.plan) return;
    var ids = rows.map(function (r) { return r.candidate_id + "@" + r.plan_date; });
    state.plan.directives = (state.plan.directives || []).filter(function (d) { return ids.indexOf(d.candidate_id + "@" + d.plan_date) < 0; })
      .concat(rows.filter(function (r) { return r.plan_date === state.plan.plan_date; }));
    renderDirectives();
  }
  /* pin, drop, or move (body: crew and day); the visit changes in place, the re-plan arrives live */
  function direct(v, action, body, button) {
    if (button) button.disabled = true;
    return json(API + "/visits/" + v.visit_id + "/" + action, body ? { json: body } : { method: "POST" }).then(function (rows) {
      var here = rows.filter(function (r) { return r.plan_date === state.plan.plan_date && r.candidate_id === v.candidate_id; })[0];
      v.directive = here ? here.kind : null;
      v.directive_id = here ? here.directive_id : null;
      if (action === "move") v.change = "moved";
      keepDirectives(rows);
      redrawVisit(v);
      say(t("dispatch.directive_saved", { street: v.street_name }));
    }).catch(function (error) {
      if (button) button.disabled = false;
      if (action !== "move") say(error.message); /* a move's refusal is said in its dialog */
      throw error;
    });
  }
  function takeBack(directiveId, street, button) {
    if (button) button.disabled = true;
    return json(API + "/directives/" + directiveId, { method: "DELETE" }).then(function () {
      (state.plan ? state.plan.crews : []).forEach(function (crew) {
        crew.visits.forEach(function (v) {
          if (v.directive_id === directiveId) { v.directive = null; v.directive_id = null; redrawVisit(v); }
        });
      });
      if (state.plan) state.plan.directives = (state.plan.directives || []).filter(function (d) { return d.directive_id !== directiveId; });
      renderDirectives();
      say(t("dispatch.directive_removed", { street: street }));
    }).catch(function (error) {
      if (button) button.disabled = false;
      say(error.message);
    });
  }
  function renderDirectives() {
    var rows = (state.plan && state.plan.directives) || [], list = $("directives-list");
    list.textContent = "";
    $("directives").hidden = !rows.length;
    rows.forEach(function (d) {
      var day = function (iso) { return SC.fmtDate(iso + "T12:00:00", false); }, text;
      if (d.kind === "pin") {
        text = d.moved_from ? t("dispatch.directive_moved_in", { street: d.street_name, day: day(d.moved_from), crew: d.crew_name })
          : t("dispatch.directive_pin", { street: d.street_name, crew: d.crew_name });
      } else {
        text = d.moved_to ? t("dispatch.directive_moved_out", { street: d.street_name, day: day(d.moved_to) })
          : t("dispatch.directive_drop", { street: d.street_name });
      }
      var li = el("li", d.honoured ? null : "not-honoured");
      li.setAttribute("data-directive", d.directive_id);
      li.appendChild(el("span", null, text + (d.honoured ? "" : " (" + t("dispatch.directive_not_honoured", { crew: d.crew_name }) + ")") + " "));
      var b = actionButton("take-back", t("dispatch.take_back"), t("dispatch.take_back_label", { what: text }), function (button) {
        takeBack(d.directive_id, d.street_name, button);
      });
      li.appendChild(b);
      list.appendChild(li);
    });
  }
  function isoDay(offsetDays) {
    var base = new Date((state.days ? state.days.today : new Date().toISOString().slice(0, 10)) + "T12:00:00Z");
    base.setUTCDate(base.getUTCDate() + offsetDays);
    return base.toISOString().slice(0, 10);
  }
  function askMove(v) {
    state.pendingMove = v;
    $("move-title").textContent = t("dispatch.move_title", { street: v.street_name });
    var select = $("move-crew");
    select.textContent = "";
    state.crews.filter(function (c) { return c.active; }).forEach(function (c) {
      var option = el("option", null, c.name + " (" + SC.code("mode", c.mode) + ")");
      option.value = String(c.id);
      select.appendChild(option);
    });
    var current = v.crew_id || (planEntry(v.street_id) || { crew: {} }).crew.id;
    if (current) select.value = String(current);
    $("move-day").value = state.plan.plan_date;
    $("move-day").min = isoDay(0);
    $("move-day").max = isoDay(MOVE_DAYS_AHEAD);
    $("move-error").textContent = "";
    SC.clearFieldErrors($("move-form"));
    $("move-dialog").showModal();
  }
  function confirmMove(event) {
    event.preventDefault();
    var v = state.pendingMove, day = $("move-day").value;
    $("move-error").textContent = "";
    if (missing([$("move-crew"), $("move-day")])) return;
    $("move-confirm").disabled = true;
    direct(v, "move", { crew_id: Number($("move-crew").value), plan_date: day }).then(function () {
      $("move-dialog").close();
    }).catch(function (error) {
      refused(error, $("move-form"), { crew_id: $("move-crew"), plan_date: $("move-day") }, $("move-error"));
    }).then(function () { $("move-confirm").disabled = false; });
  }
  function undoDone(v, button) {
    button.disabled = true;
    json(API + "/visits/" + v.visit_id + "/undo-done", { method: "POST" }).then(function (visit) {
      v.status = visit.status;
      v.bags_collected = null;
      redrawVisit(v);
      say(t("dispatch.undone", { street: v.street_name }));
      renderQueue();
    }).catch(function (error) {
      button.disabled = false;
      say(error.message);
    });
  }

  /* --- crews and their absences (the planner's crews; a change re-plans the days it touches) --- */
  function crewsSay(text) { $("crews-message").textContent = text || ""; }
  function loadCrews() {
    return json(API + "/crews?include_inactive=true").then(function (crews) { state.crews = crews; renderCrews(); })
      .catch(function (error) { crewsSay(error.message); });
  }
  function shiftText(crew) {
    var groups = {};
    WEEKDAYS.forEach(function (d) {
      var s = crew.shifts[d];
      if (!s) return;
      var key = s.start + "\u2013" + s.end;
      (groups[key] = groups[key] || []).push(t("dispatch.weekday." + d));
    });
    var parts = Object.keys(groups).map(function (hours) { return groups[hours].join(" ") + " " + hours; });
    return parts.length ? parts.join("; ") : t("dispatch.crew_no_days");
  }
  function renderCrews() {
    var list = $("crew-list");
    if (!list) return;
    list.textContent = "";
    state.crews.forEach(function (crew) {
      var li = el("li", "crew-row" + (crew.active ? "" : " inactive"));
      li.setAttribute("data-crew", crew.id);
      var head = el("div", "crew-head");
      head.appendChild(el("strong", null, crew.name));
      head.appendChild(el("span", "small", " " + t("dispatch.crew_line", { mode: SC.code("mode", crew.mode), size: crew.size, shift: shiftText(crew) })));
      var edit = actionButton("crew-edit", t("dispatch.crew_edit"), t("dispatch.crew_edit_label", { crew: crew.name }), function () { askCrew(crew); });
      head.appendChild(edit);
      li.appendChild(head);
      var absences = el("div", "absences");
      absences.appendChild(el("span", "small", t("dispatch.absences") + " "));
      if (!crew.absences.length) absences.appendChild(el("span", "small", t("dispatch.no_absences")));
      crew.absences.forEach(function (a) {
        var label = t("dispatch.absence_remove_label", { crew: crew.name, day: SC.fmtDate(a.day + "T12:00:00", false) });
        var chip = actionButton("absence", SC.fmtDate(a.day + "T12:00:00", false) + " \u00d7", label, function (b) { removeAbsence(crew, a.day, b); });
        chip.setAttribute("data-day", a.day);
        absences.appendChild(chip);
      });
      li.appendChild(absences);
      var form = el("form", "absence-form");
      var id = "absence-day-" + crew.id;
      var label = el("label", "small", t("dispatch.absence_day"));
      label.setAttribute("for", id);
      var input = el("input");
      input.type = "date";
      input.id = id;
      input.required = true;
      input.min = isoDay(0);
      input.value = currentDate() || "";
      var add = el("button", "secondary absence-add", t("dispatch.absence_add"));
      add.type = "submit";
      add.setAttribute("aria-label", t("dispatch.absence_add") + ": " + crew.name);
      form.appendChild(label);
      form.appendChild(input);
      form.appendChild(add);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (missing([input])) return;
        addAbsence(crew, input, add);
      });
      li.appendChild(form);
      list.appendChild(li);
    });
  }
  function addAbsence(crew, input, button) {
    var day = input.value;
    button.disabled = true;
    json(API + "/crews/" + crew.id + "/absences", { json: { day: day, reason: "" }, headers: { "Idempotency-Key": SC.newKey() } })
      .then(function () { return loadCrews(); })
      .then(function () {
        crewsSay(t("dispatch.absence_saved", { crew: crew.name, day: SC.fmtDate(day + "T12:00:00", false) }));
        var again = document.querySelector('.crew-row[data-crew="' + crew.id + '"] .absence-add');
        if (again) again.focus();
      })
      .catch(function (error) { button.disabled = false; refused(error, input.form, { day: input }, $("crews-message")); });
  }
  function removeAbsence(crew, day, button) {
    button.disabled = true;
    json(API + "/crews/" + crew.id + "/absences/" + day, { method: "DELETE" })
      .then(function () { return loadCrews(); })
      .then(function () {
        crewsSay(t("dispatch.absence_removed", { crew: crew.name, day: SC.fmtDate(day + "T12:00:00", false) }));
        var again = document.querySelector('.crew-row[data-crew="' + crew.id + '"] .absence-add');
        if (again) again.focus();
      })
      .catch(function (error) { button.disabled = false; crewsSay(error.message); });
  }
  function askCrew(crew) {
    state.editing = crew || null;
    var f = $("crew-form"), first = crew ? WEEKDAYS.filter(function (d) { return crew.shifts[d]; })[0] : null;
    var hours = first ? crew.shifts[first] : { start: "07:00", end: "15:00" };
    $("crew-form-title").textContent = crew ? t("dispatch.crew_form_edit", { crew: crew.name }) : t("dispatch.crew_form_new");
    $("crew-name").value = crew ? crew.name : "";
    $("crew-mode").value = crew ? crew.mode : "foot";
    $("crew-size").value = crew ? crew.size : 2;
    var centre = state.map ? state.map.getCenter() : { lat: 0, lng: 0 };
    $("crew-lat").value = crew ? crew.depot_lat : centre.lat.toFixed(5);
    $("crew-lon").value = crew ? crew.depot_lon : centre.lng.toFixed(5);
    $("crew-start").value = hours.start;
    $("crew-end").value = hours.end;
    $("crew-start").setAttribute("data-initial", hours.start);
    $("crew-end").setAttribute("data-initial", hours.end);
    var days = $("crew-days");
    days.querySelectorAll("label").forEach(function (n) { n.remove(); });
    WEEKDAYS.forEach(function (d) {
      var label = el("label", "day-choice"), box = el("input");
      box.type = "checkbox";
      box.name = "day";
      box.value = d;
      box.checked = crew ? !!crew.shifts[d] : WEEKDAYS.indexOf(d) < 5;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + t("dispatch.weekday." + d)));
      days.appendChild(label);
    });
    $("crew-error").textContent = "";
    SC.clearFieldErrors($("crew-form"));
    $("crew-dialog").showModal();
    $("crew-name").focus();
  }
  function saveCrew(event) {
    event.preventDefault();
    var f = $("crew-form"), crew = state.editing;
    $("crew-error").textContent = "";
    if (missing(["crew-name", "crew-size", "crew-lat", "crew-lon", "crew-start", "crew-end"].map($))) return;
    /* the hours apply to the days ticked; a day the crew already worked keeps its own hours unless they were changed here */
    var changed = $("crew-start").value !== $("crew-start").getAttribute("data-initial") || $("crew-end").value !== $("crew-end").getAttribute("data-initial");
    var shifts = {};
    f.querySelectorAll("input[name=day]").forEach(function (box) {
      if (!box.checked) return;
      shifts[box.value] = crew && crew.shifts[box.value] && !changed ? crew.shifts[box.value] : { start: $("crew-start").value, end: $("crew-end").value };
    });
    var body = { name: $("crew-name").value.trim(), mode: $("crew-mode").value, size: Number($("crew-size").value), depot_lat: Number($("crew-lat").value),
      depot_lon: Number($("crew-lon").value), shifts: shifts };
    $("crew-save").disabled = true;
    var call = crew ? json(API + "/crews/" + crew.id, { method: "PATCH", json: body })
      : json(API + "/crews", { json: body, headers: { "Idempotency-Key": SC.newKey() } });
    call.then(function (saved) {
      $("crew-dialog").close();
      crewsSay(t("dispatch.crew_saved", { crew: saved.name }));
      return loadCrews();
    }).catch(function (error) {
      refused(error, f, { name: $("crew-name"), mode: $("crew-mode"), size: $("crew-size"), depot_lat: $("crew-lat"),
        depot_lon: $("crew-lon"), shifts: $("crew-end") }, $("crew-error"));
    }).then(function () { $("crew-save").disabled = false; });
  }
  /* a re-render (a live update, another version) must not take the keyboard's place away: the
     control that had focus in a visit is focused again in the same street's visit afterwards */
  function focusedVisit(container) {
    var active = document.activeElement;
    if (!active || active === container || !container.contains(active)) return null;
    var item = active.closest(".visit[data-street]");
    return item ? { street: item.getAttribute("data-street"), control: active.className.split(" ")[0] } : null;
  }
  function refocusVisit(container, kept) {
    if (!kept || !kept.control) return;
    var item = container.querySelector('.visit[data-street="' + kept.street + '"]');
    var control = item && item.querySelector("." + kept.control);
    if (control) control.focus();
  }
  function renderPlan() {
    var crews = $("crews");
    var kept = focusedVisit(crews);
    crews.textContent = "";
    $("removed-list").textContent = "";
    $("removed").hidden = true;
    var plan = state.plan;
    if (!plan) {
      $("directives").hidden = true;
      $("plan-summary").textContent = plan === null ? t("dispatch.no_plan") : t("dispatch.loading");
      $("plan-status").textContent = "";
      document.body.setAttribute("data-version", "0");
      drawRoutes();
      return;
    }
    document.body.setAttribute("data-version", String(plan.version));
    $("plan-status").textContent = SC.fmtDate(plan.plan_date + "T12:00:00", false) + " \u00b7 " + t("dispatch.version", { version: plan.version });
    var share = plan.prize_available ? plan.prize_collected / plan.prize_available : 1;
    $("plan-summary").textContent = t("dispatch.summary", {
      visits: plan.visits, crews: t("dispatch.crews_out", { count: plan.crew_shifts }),
      route: SC.fmtNumber(plan.route_hours, 1), shift: SC.fmtNumber(plan.shift_hours, 1),
      share: new Intl.NumberFormat(SC.locale(), { style: "percent" }).format(share), trigger: triggerOf(plan)
    });
    plan.crews.forEach(function (crew, index) {
      var box = el("article", "crew crew-colour-" + (index % CREW_COLOURS.length));
      box.setAttribute("data-crew", crew.id);
      var head = el("header");
      head.appendChild(el("h3", null, crew.name));
      head.appendChild(el("span", "meta", SC.code("mode", crew.mode) + " \u00b7 " + t("dispatch.shift", { time: crew.shift_local }) +
        (crew.returns_local ? " \u00b7 " + t("dispatch.back_at", { time: crew.returns_local }) : "") + " \u00b7 " +
        t("dispatch.visits_count", { count: crew.visits.length })));
      var print = el("button", "secondary print", t("dispatch.print"));
      print.type = "button";
      print.addEventListener("click", function () { printCrew(crew); });
      head.appendChild(print);
      box.appendChild(head);
      if (!crew.visits.length) box.appendChild(el("p", "small", t("dispatch.no_visits")));
      var list = el("ol", "visits");
      crew.visits.forEach(function (v) { list.appendChild(visitItem(crew, v)); });
      box.appendChild(list);
      crews.appendChild(box);
    });
    if (plan.removed_visits && plan.removed_visits.length) {
      $("removed").hidden = false;
      plan.removed_visits.forEach(function (r) { $("removed-list").appendChild(el("li", null, r.street_name + " \u2014 " + reasonOf(r))); });
    }
    renderDistricts();
    renderHorizon();
    renderDirectives();
    drawRoutes();
    renderQueue();
    refocusVisit(crews, kept);
  }
  function renderDistricts() {
    var rows = (state.plan && state.plan.districts) || [], body = $("districts-body");
    body.textContent = "";
    $("districts").hidden = !rows.length;
    rows.forEach(function (d) {
      var tr = el("tr");
      tr.appendChild(el("th", null, d.district)).setAttribute("scope", "row");
      [d.baseline_hours, d.added_hours, d.withdrawn_hours].forEach(function (h) { tr.appendChild(el("td", null, t("dispatch.hours", { hours: SC.fmtNumber(h || 0, 1) }))); });
      body.appendChild(tr);
    });
  }

  /* the next days of the horizon: per district, the streets coming due each day (a preview) */
  function renderHorizon() {
    var days = (state.plan && state.plan.horizon) || [], head = $("horizon-head"), body = $("horizon-body");
    var counts = {}, districts = [];
    days.forEach(function (day) {
      day.districts.forEach(function (d) {
        if (!counts[d.district]) { counts[d.district] = {}; districts.push(d.district); }
        counts[d.district][day.date] = d;
      });
    });
    districts.sort();
    head.textContent = "";
    body.textContent = "";
    $("horizon").hidden = !districts.length;
    head.appendChild(el("th")).setAttribute("scope", "col");
    var weekday = new Intl.DateTimeFormat(SC.locale(), { weekday: "short", day: "numeric" });
    days.forEach(function (day) {
      var th = el("th", null, weekday.format(new Date(day.date + "T12:00:00")));
      th.setAttribute("scope", "col");
      th.setAttribute("data-date", day.date);
      head.appendChild(th);
    });
    districts.forEach(function (name) {
      var tr = el("tr");
      tr.appendChild(el("th", null, name)).setAttribute("scope", "row");
      days.forEach(function (day) {
        var d = counts[name][day.date];
        var td = el("td", null, d ? String(d.streets) : "\u2013");
        if (d) {
          /* the hours beside the count where there is room (not on a phone); always in the title */
          var hours = SC.fmtNumber(d.hours, d.hours < 0.1 ? 2 : 1);
          td.appendChild(el("span", "hours", " (" + t("dispatch.hours", { hours: hours }) + ")"));
          td.title = t("dispatch.horizon_cell_long", { count: d.streets, hours: hours });
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  /* --- the work queue --- */
  /* a queue item: its text opens its place on the map (`place`: {lat, lon}, marked there); `onPlan`
     ({crew, visit}): a second link to its visit on the plan shown */
  function queueItem(text, streetId, extra, className, place, onPlan) {
    var li = el("li", className || null);
    var b = el("button", "link", text);
    b.type = "button";
    b.setAttribute("data-street", String(streetId));
    b.setAttribute("aria-label", text + ": " + t("dispatch.show_on_map"));
    b.addEventListener("click", function () { markPlace(place); showStreet(streetId, true, place); });
    li.appendChild(b);
    if (extra) li.appendChild(el("span", "small", " " + extra));
    if (onPlan) {
      var words = t("dispatch.queue_on_plan", { crew: onPlan.crew.name, position: onPlan.visit.position + 1, eta: onPlan.visit.eta_local || "" });
      var p = el("button", "link plan-link", words);
      p.type = "button";
      p.setAttribute("data-visit", String(onPlan.visit.visit_id));
      p.addEventListener("click", function () { focusVisit(onPlan.visit.visit_id); });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(p);
    }
    return li;
  }
  /* the first visit on the plan shown that `test` picks (not done), with its crew */
  function planVisit(test) {
    var found = null;
    (state.plan ? state.plan.crews : []).forEach(function (crew) {
      crew.visits.forEach(function (v) { if (!found && v.status !== "done" && test(v)) found = { crew: crew, visit: v }; });
    });
    return found;
  }
  function focusVisit(visitId) {
    var item = document.querySelector('.visit[data-visit="' + visitId + '"]');
    if (!item) return;
    document.querySelectorAll(".visit.focused").forEach(function (n) { n.classList.remove("focused"); });
    item.classList.add("focused");
    item.scrollIntoView({ block: "center" });
    var name = item.querySelector("button.name");
    if (name) name.focus();
  }
  /* the exact spot of a queue item (bags, a report) on the map */
  function markPlace(place) {
    if (!state.map || !place || place.lat === undefined) return;
    if (state.placeMarker) state.placeMarker.remove();
    state.placeMarker = L.circleMarker([place.lat, place.lon], { radius: 10, color: "#111", weight: 3, fill: false, interactive: false,
      className: "queue-place" }).addTo(state.map);
  }
  function more(list, total, shown) {
    if (total > shown) list.appendChild(el("li", "small", t("dispatch.queue_more", { count: total - shown })));
  }
  function renderQueue() {
    var reports = $("queue-reports"), bags = $("queue-bags"), uncovered = $("queue-uncovered");
    if (!reports) return;
    [reports, bags, uncovered].forEach(function (n) { n.textContent = ""; });
    state.reports.slice().sort(function (a, b) {
      return (b.overdue - a.overdue) || (new Date(a.due_at) - new Date(b.due_at));
    }).slice(0, 30).forEach(function (r) {
      /* on the plan: the bulky-waste truck's stop for it, or a crew cleaning its street */
      var onPlan = planVisit(function (v) { return v.candidate_id === "bulky:" + r.id; }) ||
        planVisit(function (v) { return v.kind === "clean" && v.street_id === r.street_id; });
      reports.appendChild(queueItem(((SC.lang === "nl" ? r.category_name_nl : r.category_name) || SC.code("category", r.category)) + " \u2014 " + r.street_name, r.street_id,
        r.overdue ? t("dispatch.overdue") : t("dispatch.due", { date: SC.fmtDate(r.due_at) }), r.overdue ? "overdue" : "", r, onPlan));
    });
    /* the volunteers' bag pick-ups still waiting (the volunteers service, through the gateway) */
    if (state.bags) {
      state.bags.requests.forEach(function (r) {
        var candidate = "bags:" + r.id, onPlan = planVisit(function (v) { return v.candidate_id === candidate; });
        var collected = (state.plan ? state.plan.crews : []).some(function (crew) {
          return crew.visits.some(function (v) { return v.candidate_id === candidate && v.status === "done"; });
        });
        if (collected) return; /* marked done here; the volunteers service hears of it in a moment */
        var extra = t("dispatch.queue_bags_waiting", { age: SC.fmtAge(r.ready_at) }) + (r.note ? " \u00b7 \u201c" + r.note + "\u201d" : "");
        var item = queueItem(t("dispatch.bags_n", { count: r.bags }) + " \u2014 " + r.street_name, r.street_id, extra, onPlan ? null : "unplanned", r, onPlan);
        item.setAttribute("data-bags", String(r.id));
        bags.appendChild(item);
      });
      more(bags, state.bags.total, state.bags.requests.length);
    }
    /* worked out by the service (plans/queue.py) for the day shown: no street map of the whole city needed */
    if (state.uncovered && state.uncovered.plan_date === currentDate()) {
      state.uncovered.streets.filter(function (s) { return !planEntry(s.street_id); }).forEach(function (s) {
        uncovered.appendChild(queueItem(s.name, s.street_id, s.level + " / " + s.target, null, s));
      });
      more(uncovered, state.uncovered.total, state.uncovered.streets.length);
    }
    [reports, bags, uncovered].forEach(function (n) { if (!n.children.length) n.appendChild(el("li", "small", t("dispatch.queue_empty"))); });
  }

  /* --- data --- */
  function currentDate() { return state.days ? state.days[state.day] : null; }
  function loadPlan() {
    var day = currentDate();
    if (!day) return Promise.resolve();
    return json(API + "/plans/" + day).then(function (plan) {
      if (plan.status === "planning") {  // 202: the day's first version is being made
        state.plan = null;
        renderPlan();
        $("plan-summary").textContent = t("dispatch.planning");
        setTimeout(function () { if (currentDate() === day) { loadPlan(); } }, 3000);
        return;
      }
      state.plan = plan;
      renderPlan();
    }).catch(function (error) {
      if (error.status === 404) { state.plan = null; renderPlan(); return; }
      $("plan-summary").textContent = error.message;
    }).then(function () { if (currentDate() === day) return loadUncovered(); });
  }
  /* the streets in view (and a margin), drawn as they come; a newer view's answer wins */
  var streetsRequest = 0;
  function loadStreets() {
    if (!state.map) return Promise.resolve();
    var mine = ++streetsRequest;
    return json(API + "/street-map?limit=" + STREETS_PER_VIEW + "&bbox=" + viewBox(state.map)).then(function (fc) {
      if (mine !== streetsRequest) return;
      drawStreets(fc.features);
      $("map-note").hidden = !fc.truncated;
      if (state.focus !== null && state.streets[state.focus]) { var id = state.focus; state.focus = null; showStreet(id, false); }
    }).catch(function (error) { say(error.message); });
  }
  function loadUncovered() {
    var day = currentDate();
    if (!day) return Promise.resolve();
    return json(API + "/plans/" + day + "/uncovered?limit=" + QUEUE_LENGTH).then(function (queue) {
      state.uncovered = queue;
      renderQueue();
    }).catch(function () { state.uncovered = null; });
  }
  function loadBags() {
    return json("/api/v1/volunteers/bags/waiting?limit=" + QUEUE_LENGTH).then(function (answer) { state.bags = answer; renderQueue(); })
      .catch(function () { state.bags = null; renderQueue(); });
  }
  function loadReports() {
    return json("/api/v1/reports/reports?status=open&limit=200").then(function (reports) { state.reports = reports; renderQueue(); })
      .catch(function () { state.reports = []; });
  }

  /* --- mark done, with the CROW level found; the page changes in place --- */
  function askDone(visit, button) {
    state.pendingDone = { visit: visit, button: button };
    $("done-title").textContent = t("dispatch.done_title", { street: visit.street_name });
    $("done-level").value = "";
    $("done-bags").value = "";
    /* the reports service takes a CROW level from inspectors (and admins), not from dispatchers */
    $("done-level-row").hidden = (role() || "dispatcher") === "dispatcher";
    $("done-error").textContent = "";
    SC.clearFieldErrors($("done-form"));
    $("done-dialog").showModal();
  }
  function confirmDone(event) {
    event.preventDefault();
    var pending = state.pendingDone, visit = pending.visit, level = $("done-level").value, bagsText = $("done-bags").value;
    var bags = bagsText === "" ? null : Number(bagsText);
    if (bags !== null && !(bags >= 0 && bags <= 200 && Math.floor(bags) === bags)) {
      SC.fieldError($("done-bags"), { key: "dispatch.bags_range", params: {} });
      $("done-bags").focus();
      return;
    }
    $("done-confirm").disabled = true;
    json(API + "/visits/" + visit.visit_id + "/done", { json: { bags_collected: bags } }).then(function (done) {
      visit.bags_collected = done.bags_collected;
      if (!level) return null;
      return json("/api/v1/reports/inspections", { json: { street_id: visit.street_id, level: level, coarse_litter: 0, fine_litter: 0,
        note: "found when the crew marked the visit done" } });
    }).then(function () {
      $("done-dialog").close();
      visit.status = "done";
      redrawVisit(visit);
      var feature = state.streets[visit.street_id];
      if (feature && level) {
        feature.properties.level = level;
        var line = state.streetLines[visit.street_id];
        if (line) line.setStyle({ color: LEVEL_COLOURS[level] });
      }
      say(t("dispatch.done_saved", { street: visit.street_name }) + (level ? ", " + t("dispatch.level_saved", { level: level }) : ""));
      renderQueue();
    }).catch(function (error) {
      refused(error, $("done-form"), { bags_collected: $("done-bags"), level: $("done-level") }, $("done-error"));
    }).then(function () { $("done-confirm").disabled = false; });
  }

  /* re-plan now: the service answers 202 with a job that the planner worker carries out; the page
     follows the job's URL (queued, planning… N s) and then says how long the re-plan took */
  var REPLAN_POLL_MS = 1000;
  function replan() {
    var day = currentDate();
    $("replan").disabled = true;
    json(API + "/plans/" + day + "/replan", { method: "POST" })
      .then(followReplan)
      .then(function (job) {
        if (job.status !== "done") throw new Error(t("dispatch.replan_failed", { reason: job.error || job.detail }));
        return Promise.resolve(currentDate() === day ? loadPlan() : null).then(function () {
          say(t("dispatch.replanned", { seconds: SC.fmtNumber(job.seconds || 0, 1), version: job.version }));
        });
      })
      .catch(function (error) { say(error.message); })
      .then(function () { $("replan").disabled = false; document.body.removeAttribute("data-replan"); });
  }
  function followReplan(job) {
    return new Promise(function (resolve, reject) {
      var misses = 0;
      function show(current) {
        document.body.setAttribute("data-replan", current.status);
        say(current.status === "running"
          ? t("dispatch.replan_running", { seconds: SC.fmtNumber(current.seconds || 0, 0) })
          : t("dispatch.replan_queued"));
      }
      function poll() {
        json(job.url).then(function (current) {
          misses = 0;
          if (current.status === "done" || current.status === "failed") { resolve(current); return; }
          show(current);
          setTimeout(poll, REPLAN_POLL_MS);
        }, function (error) {
          /* a refusal (the job is gone) ends it; a blip of the network or a busy service is waited out */
          if (error.status || ++misses > 30) { reject(error); return; }
          setTimeout(poll, 2 * REPLAN_POLL_MS);
        });
      }
      show(job);
      setTimeout(poll, REPLAN_POLL_MS);
    });
  }
  /* the crew's sheet, printed in the page's language from the plan shown (the same catalogue and
     reasons as the page; the service's /print endpoint stays for scripts, in English) */
  function crewSheet(plan, crew) {
    var sheet = el("main", "crew-sheet");
    sheet.setAttribute("lang", SC.lang);
    sheet.appendChild(el("h1", null, crew.name + " \u2014 " + SC.fmtDate(plan.plan_date + "T12:00:00", false) +
      " (" + t("dispatch.version", { version: plan.version }) + ")"));
    sheet.appendChild(el("p", null, [t("dispatch.crew_line", { mode: SC.code("mode", crew.mode), size: crew.size, shift: crew.shift_local }),
      crew.returns_local ? t("dispatch.back_at", { time: crew.returns_local }) : null,
      t("dispatch.visits_count", { count: crew.visits.length })].filter(Boolean).join(" \u00b7 ")));
    var table = el("table", "sheet"), head = el("tr");
    ["number", "eta", "street", "work", "minutes", "why", "done"].forEach(function (column) {
      head.appendChild(el("th", null, t("dispatch.sheet." + column))).setAttribute("scope", "col");
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    crew.visits.forEach(function (v) {
      var row = el("tr");
      row.appendChild(el("td", null, String(v.position + 1)));
      row.appendChild(el("td", null, v.eta_local || ""));
      var street = row.appendChild(el("td", null, v.street_name));
      street.appendChild(el("br"));
      street.appendChild(el("span", "muted", v.district));
      row.appendChild(el("td", null, SC.code("kind", v.kind)));
      row.appendChild(el("td", null, String(v.service_minutes)));
      row.appendChild(el("td", null, reasonOf(v)));
      row.appendChild(el("td", "tick", "\u2610"));
      body.appendChild(row);
    });
    sheet.appendChild(table);
    return sheet;
  }
  function printCrew(crew) {
    var area = $("print-area");
    area.textContent = "";
    area.appendChild(crewSheet(state.plan, crew));
    window.print();
  }

  /* --- live updates: staff only; EventSource sends no headers, so the token goes in the query --- */
  function connectLive() {
    if (state.source || typeof EventSource === "undefined") return;
    var source = new EventSource("/api/v1/live/plans?access_token=" + encodeURIComponent(token() || ""));
    state.source = source;
    source.addEventListener("ready", function () {
      $("live-status").setAttribute("data-state", "on");
      $("live-status").textContent = t("dispatch.live_on");
    });
    source.addEventListener("plan.published", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.plan_date !== currentDate()) return;
      $("live-status").setAttribute("data-state", "updated");
      $("live-status").textContent = t("dispatch.updated", { version: data.version, added: data.added, removed: data.removed });
      document.body.setAttribute("data-live-version", String(data.version));
      loadPlan();
      loadStreets();
      loadBags();
    });
    source.onerror = function () {
      $("live-status").setAttribute("data-state", "off");
      $("live-status").textContent = t("dispatch.live_off");
    };
  }
  function selectDay(which) {
    state.day = which;
    document.querySelectorAll("button.day").forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-day") === which)); });
    state.plan = undefined;
    renderPlan();
    loadPlan();
  }
  function start() {
    showLogin(false);
    startMap().then(function () {
      return json(API + "/plan-days");
    }).then(function (days) {
      state.days = days;
      connectLive();
      return Promise.all([loadStreets(), loadPlan(), loadReports(), loadBags(), loadCrews()]);
    }).catch(function (error) {
      if (error.message !== "401") $("plan-summary").textContent = error.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", function () {
      SC.api("/api/v1/auth/logout", { method: "POST", token: token() }).catch(function () { return null; }).then(logout);
    });
    $("replan").addEventListener("click", replan);
    $("details-close").addEventListener("click", function () { $("details").hidden = true; });
    $("done-form").addEventListener("submit", confirmDone);
    $("done-cancel").addEventListener("click", function () { $("done-dialog").close(); });
    $("move-form").addEventListener("submit", confirmMove);
    $("move-cancel").addEventListener("click", function () { $("move-dialog").close(); });
    $("crew-form").addEventListener("submit", saveCrew);
    $("crew-cancel").addEventListener("click", function () { $("crew-dialog").close(); });
    $("crew-add").addEventListener("click", function () { askCrew(null); });
    document.querySelectorAll("button.lang").forEach(function (b) {
      b.addEventListener("click", function () { SC.setLang(b.getAttribute("data-lang")); applyLanguage(); });
    });
    document.querySelectorAll("button.day").forEach(function (b) {
      b.addEventListener("click", function () { selectDay(b.getAttribute("data-day")); });
    });
    window.addEventListener("storage", function (event) {
      if (event.key === TOKEN_KEY && !event.newValue) logout(); /* logged out in another tab */
    });
    SC.loadCatalogues().then(function () {
      applyLanguage();
      if (token()) start(); else showLogin(true);
    });
  });
}());

/* ---------- Categories (admins only; issue 17) ----------
   A section of its own: what residents and Open311 apps can report, managed through
   /api/v1/reports/categories. It shows itself when the page's app is shown to an admin, and shares
   nothing with the plan code above but the shared module and the stored login. */
(function () {
  "use strict";
  var SC = window.Streetcare, $ = SC.$, t = SC.t;
  var URL = "/api/v1/reports/categories";
  var DATATYPES = ["string", "number", "text", "datetime", "singlevaluelist", "multivaluelist"];
  var cats = { list: [], editing: null, loaded: false };

  function isAdmin() { return SC.staff.role() === "admin"; }
  var PROBLEMS = ["categoryAdmin.problem"]; /* the reports service's refusal codes for categories (then "problem") */
  /* JSON with the admin's login; a refusal rejects with an Error in the page's language (from its code,
     never the service's `detail`), its answer kept (error.body) so the form can say it beside its field */
  function call(path, options) {
    options = Object.assign({ token: SC.staff.token(), headers: { "accept-language": SC.lang } }, options || {});
    var generic = options.method || options.json !== undefined ? "problem.generic" : "problem.notLoaded";
    return SC.api(path, options).then(function (answer) {
      if (!answer.ok) {
        var error = new Error(SC.explain(answer.body, { status: answer.status, groups: PROBLEMS, generic: generic }));
        error.status = answer.status;
        error.body = answer.body || {};
        throw error;
      }
      return answer.body;
    }, function () { throw new Error(SC.explain(null, { generic: generic })); });
  }
  /* the form's field a refusal is about: "name_nl", "severity", … or "attributes.2.values" (the third question's answers) */
  var FIELD_IDS = { code: "cat-code", name_nl: "cat-name-nl", name_en: "cat-name-en", description_nl: "cat-description-nl",
    description_en: "cat-description-en", severity: "cat-severity", response_working_days: "cat-target", crew_mode: "cat-crew" };
  function formField(path) {
    if (path[0] === "attributes") {
      var box = $("cat-questions").querySelectorAll(".category-question")[Number(path[1])];
      return box ? box.querySelector('[data-q="' + (path[2] || "code") + '"]') || box : null;
    }
    return FIELD_IDS[path[0]] ? $(FIELD_IDS[path[0]]) : null;
  }
  function tell(text) { $("categories-message").textContent = text || ""; }
  function name(c) { return SC.lang === "nl" ? c.name_nl : c.name_en; }
  function button(label, onClick, secondary) {
    var b = SC.el("button", { type: "button" }, label);
    if (secondary) b.className = "secondary";
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    var body = $("categories-body");
    body.textContent = "";
    cats.list.forEach(function (c) {
      var row = SC.el("tr", { "data-code": c.code });
      if (c.retired) row.className = "retired";
      [c.code, name(c), String(c.response_working_days), String(c.severity), String(c.attributes.length),
        t(c.retired ? "categoryAdmin.retired" : "categoryAdmin.offered")].forEach(function (text) { row.appendChild(SC.el("td", {}, text)); });
      var actions = SC.el("td");
      actions.appendChild(button(t("categoryAdmin.edit"), function () { openForm(c); }, true));
      actions.appendChild(button(t(c.retired ? "categoryAdmin.offer_again" : "categoryAdmin.retire"), function () { setRetired(c, !c.retired); }, true));
      row.appendChild(actions);
      body.appendChild(row);
    });
  }
  function load() {
    return call(URL + "/all").then(function (list) { cats.list = list; cats.loaded = true; render(); })
      .catch(function (error) { tell(error.message); });
  }
  function setRetired(c, retired) {
    call(URL + "/" + encodeURIComponent(c.code), { method: "PATCH", json: { retired: retired } }).then(function () {
      tell(t(retired ? "categoryAdmin.retired_done" : "categoryAdmin.offered_done", { name: name(c) }));
      return load();
    }).catch(function (error) { tell(error.message); });
  }

  /* --- the form: one category, its questions as rows; answers one per line "key | English | Nederlands" --- */
  function questionRow(q) {
    q = q || { code: "", datatype: "string", required: false, description_nl: "", description_en: "", values: [] };
    var box = SC.el("div", { "class": "category-question" });
    function field(label, input) { var l = SC.el("label"); l.appendChild(SC.el("span", {}, label)); l.appendChild(input); box.appendChild(l); return input; }
    field(t("categoryAdmin.q_code"), SC.el("input", { "data-q": "code", maxlength: "40" })).value = q.code;
    var type = field(t("categoryAdmin.q_datatype"), SC.el("select", { "data-q": "datatype" }));
    DATATYPES.forEach(function (d) { type.appendChild(SC.el("option", { value: d }, d)); });
    type.value = q.datatype;
    field(t("categoryAdmin.q_text_nl"), SC.el("input", { "data-q": "description_nl", maxlength: "300" })).value = q.description_nl;
    field(t("categoryAdmin.q_text_en"), SC.el("input", { "data-q": "description_en", maxlength: "300" })).value = q.description_en;
    field(t("categoryAdmin.q_answers"), SC.el("textarea", { "data-q": "values", rows: "3", placeholder: "glass | Broken glass | Gebroken glas" })).value =
      q.values.map(function (v) { return [v.key, v.name_en, v.name_nl].join(" | "); }).join("\n");
    var required = SC.el("label", { "class": "check" });
    var tick = SC.el("input", { type: "checkbox", "data-q": "required" });
    tick.checked = !!q.required;
    required.appendChild(tick);
    required.appendChild(SC.el("span", {}, " " + t("categoryAdmin.q_required")));
    box.appendChild(required);
    box.appendChild(button(t("categoryAdmin.q_remove"), function () { box.remove(); }, true));
    $("cat-questions").appendChild(box);
  }
  function openForm(c) {
    cats.editing = c || null;
    $("category-form-title").textContent = c ? t("categoryAdmin.edit_title", { name: name(c) }) : t("categoryAdmin.new_title");
    $("cat-code").value = c ? c.code : "";
    $("cat-code").disabled = !!c;
    $("cat-name-nl").value = c ? c.name_nl : "";
    $("cat-name-en").value = c ? c.name_en : "";
    $("cat-description-nl").value = c ? c.description_nl : "";
    $("cat-description-en").value = c ? c.description_en : "";
    $("cat-target").value = c ? c.response_working_days : 3;
    $("cat-severity").value = String(c ? c.severity : 2);
    $("cat-crew").value = c ? c.crew_mode : "foot";
    $("cat-cleans").checked = c ? c.cleans_street : true;
    $("cat-questions").textContent = "";
    (c ? c.attributes : []).forEach(questionRow);
    $("category-error").textContent = "";
    SC.clearFieldErrors($("category-form"));
    $("category-form").hidden = false;
    $("cat-name-nl").focus();
  }
  function formBody() {
    var questions = Array.prototype.map.call($("cat-questions").querySelectorAll(".category-question"), function (box) {
      function v(key) { return box.querySelector('[data-q="' + key + '"]'); }
      return {
        code: v("code").value.trim(), datatype: v("datatype").value, required: v("required").checked,
        description_nl: v("description_nl").value, description_en: v("description_en").value,
        values: v("values").value.split("\n").filter(function (line) { return line.trim(); }).map(function (line) {
          var parts = line.split("|").map(function (p) { return p.trim(); });
          return { key: parts[0] || "", name_en: parts[1] || "", name_nl: parts[2] || "" };
        })
      };
    });
    var target = parseInt($("cat-target").value, 10);
    return {
      name_nl: $("cat-name-nl").value, name_en: $("cat-name-en").value,
      description_nl: $("cat-description-nl").value, description_en: $("cat-description-en").value,
      response_working_days: isNaN(target) ? -1 : target, severity: parseInt($("cat-severity").value, 10),
      crew_mode: $("cat-crew").value, cleans_street: $("cat-cleans").checked,
      keywords: cats.editing ? cats.editing.keywords : [], attributes: questions
    };
  }
  function save(event) {
    event.preventDefault();
    var body = formBody(), editing = cats.editing;
    if (!editing) body.code = $("cat-code").value.trim();
    $("category-save").disabled = true;
    $("category-error").textContent = "";
    var sent = editing ? call(URL + "/" + encodeURIComponent(editing.code), { method: "PUT", json: body }) : call(URL, { json: body });
    sent.then(function (saved) {
      $("category-form").hidden = true;
      tell(t("categoryAdmin.saved", { name: name(saved) }));
      return load();
    }).catch(function (error) {
      $("category-error").textContent = error.body
        ? SC.explain(error.body, { status: error.status, groups: PROBLEMS, form: $("category-form"), fields: formField })
        : error.message;
    }).then(function () { $("category-save").disabled = false; });
  }

  function follow() {
    var show = !$("app").hidden && isAdmin();
    $("categories-admin").hidden = !show;
    if (show && !cats.loaded) load();
    if (!show) { cats.loaded = false; $("category-form").hidden = true; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!$("categories-admin")) return;
    $("category-add").addEventListener("click", function () { openForm(null); });
    $("cat-question-add").addEventListener("click", function () { questionRow(null); });
    $("category-form").addEventListener("submit", save);
    $("category-cancel").addEventListener("click", function () { $("category-form").hidden = true; });
    document.querySelectorAll("button.lang").forEach(function (b) { b.addEventListener("click", render); });
    new MutationObserver(follow).observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
    follow();
  });
}());

/* ---------- Report statistics (staff; issue 17) ----------
   Received, resolved, overdue, median time to resolve and the share within target, per district and
   category, from /api/v1/reports/statistics, with the same filters as its CSV export (the link
   downloads exactly the table shown). Shown with the page's app, to dispatchers and admins. */
(function () {
  "use strict";
  var SC = window.Streetcare, $ = SC.$, t = SC.t;
  var URL = "/api/v1/reports/statistics";
  var TOTAL = "(all)", UNKNOWN_STREET = "(unknown street)";
  var DEFAULT_DAYS = 30;
  var stats = { rows: null, names: {}, shown: false };

  function isoDay(date) {
    var m = date.getMonth() + 1, d = date.getDate();
    return date.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (d < 10 ? "0" : "") + d;
  }
  /* a date field's day as the instant its local midnight starts, `days` later */
  function startOf(day, days) {
    var parts = day.split("-").map(Number);
    return new Date(parts[0], parts[1] - 1, parts[2] + (days || 0)).toISOString();
  }
  function fields(path) {
    return { from: $("stats-from"), to: $("stats-to"), district: $("stats-district"), category: $("stats-category") }[path[0]] || null;
  }
  /* the filters as a query, or null when a date is missing (said beside it) */
  function query() {
    var missing = ["stats-from", "stats-to"].filter(function (id) { return !$(id).value; });
    missing.forEach(function (id) { SC.fieldError($(id), { key: "problem.type.missing", params: {} }); });
    if (missing.length) return null;
    var params = new URLSearchParams();
    params.set("from", startOf($("stats-from").value));
    params.set("to", startOf($("stats-to").value, 1)); /* the last day counts whole */
    if ($("stats-district").value) params.set("district", $("stats-district").value);
    if ($("stats-category").value) params.set("category", $("stats-category").value);
    return params.toString();
  }
  function refused(answer) {
    $("stats-message").textContent = SC.explain(answer.body, {
      status: answer.status, fields: fields, form: $("stats-form"), groups: ["statistics.problem"], generic: "problem.notLoaded"
    });
  }

  function option(value, text) { return SC.el("option", { value: value }, text); }
  function fillSelect(select, items) {
    var chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (item) { select.appendChild(option(item[0], item[1])); });
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }
  /* districts from the street registry, categories (names in the page's language) from the reports service */
  function loadChoices() {
    var token = SC.staff.token();
    return Promise.all([
      SC.api("/api/v1/scheduling/districts", { token: token }),
      SC.api("/api/v1/reports/categories?lang=" + SC.lang)
    ]).then(function (answers) {
      if (answers[0].ok) fillSelect($("stats-district"), answers[0].body.map(function (d) { return [d.name, d.name]; }));
      if (answers[1].ok) {
        stats.names = {};
        answers[1].body.forEach(function (c) { stats.names[c.code] = c.name; });
        fillSelect($("stats-category"), answers[1].body.map(function (c) { return [c.code, c.name]; }));
      }
    }).catch(function () { /* the filters stay as they are; the table says whether the service answers */ });
  }

  function categoryName(code) { return code === TOTAL ? "" : stats.names[code] || SC.code("category", code); }
  function districtName(name) { return name === UNKNOWN_STREET ? t("statistics.unknown_street") : name; }
  function hours(value) {
    if (value === null || value === undefined) return "\u2013";
    if (value < 1) return t("statistics.minutes", { minutes: SC.fmtNumber(Math.max(1, Math.round(value * 60)), 0) });
    return value < 48 ? t("statistics.hours", { hours: SC.fmtNumber(value, 1) }) : t("statistics.days", { days: SC.fmtNumber(value / 24, 1) });
  }
  function share(value) {
    if (value === null || value === undefined) return "\u2013";
    return new Intl.NumberFormat(SC.locale(), { style: "percent", maximumFractionDigits: 0 }).format(value);
  }
  function render() {
    var body = $("stats-body");
    body.textContent = "";
    (stats.rows || []).forEach(function (r) {
      var total = r.district === TOTAL, row = SC.el("tr", { "data-district": r.district, "data-category": r.category });
      if (total) row.className = "total";
      row.appendChild(SC.el(total ? "th" : "td", total ? { scope: "row" } : {}, total ? t("statistics.total") : districtName(r.district)));
      row.appendChild(SC.el("td", {}, categoryName(r.category)));
      [SC.fmtNumber(r.received, 0), SC.fmtNumber(r.resolved, 0), SC.fmtNumber(r.overdue, 0), hours(r.median_hours_to_resolve),
        share(r.share_within_target)].forEach(function (text) { row.appendChild(SC.el("td", {}, text)); });
      body.appendChild(row);
    });
    var total = (stats.rows || []).filter(function (r) { return r.district === TOTAL; })[0];
    if (total && stats.period) {
      $("stats-message").textContent = t("statistics.summary", { count: SC.fmtNumber(total.received, 0),
        from: SC.fmtDate(stats.period.from, false), to: SC.fmtDate(stats.period.to, false) });
    }
  }
  function load(event) {
    if (event) event.preventDefault();
    SC.clearFieldErrors($("stats-form"));
    var q = query();
    if (q === null) return;
    $("stats-csv").setAttribute("href", URL + ".csv?" + q);
    $("stats-body").setAttribute("aria-busy", "true");
    SC.api(URL + "?" + q, { token: SC.staff.token(), headers: { "accept-language": SC.lang } }).then(function (answer) {
      if (!answer.ok) { stats.rows = null; render(); refused(answer); return; }
      stats.rows = answer.body.rows;
      stats.period = { from: $("stats-from").value + "T12:00:00", to: $("stats-to").value + "T12:00:00" };
      render();
    }, function () { $("stats-message").textContent = t("problem.notLoaded"); })
      .then(function () { $("stats-body").removeAttribute("aria-busy"); });
  }
  /* the CSV of exactly the filters shown: fetched with the login (a plain link sends none), saved as the service names it */
  function download(event) {
    event.preventDefault();
    var link = $("stats-csv");
    fetch(link.getAttribute("href"), { headers: { authorization: "Bearer " + (SC.staff.token() || ""), "accept-language": SC.lang } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            var body = null;
            try { body = JSON.parse(text); } catch (e) { body = null; }
            refused({ status: response.status, body: body });
          });
        }
        var named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
        return response.blob().then(function (blob) {
          var url = window.URL.createObjectURL(blob), save = SC.el("a", { href: url, download: named ? named[1] : "report-statistics.csv" });
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { window.URL.revokeObjectURL(url); }, 10000);
        });
      }, function () { $("stats-message").textContent = t("problem.notLoaded"); });
  }

  function follow() {
    var show = !$("app").hidden;
    $("statistics").hidden = !show;
    if (show && !stats.shown) {
      stats.shown = true;
      loadChoices();
      load();
    }
    if (!show) { stats.shown = false; stats.rows = null; render(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!$("statistics")) return;
    var today = new Date();
    $("stats-to").value = isoDay(today);
    $("stats-from").value = isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1)));
    $("stats-form").addEventListener("submit", load);
    $("stats-csv").addEventListener("click", download);
    document.querySelectorAll("button.lang").forEach(function (b) {
      b.addEventListener("click", function () { render(); if (stats.shown) loadChoices().then(render); });
    });
    new MutationObserver(follow).observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
    follow();
  });
}());
