/* Streetcare service worker: the report and volunteer pages open offline.
   Pages: network first, the cached copy when offline. Our static files: the cached copy at once,
   refreshed in the background. Versioned vendor files: cached for good. APIs are never cached
   here: the pages keep their own queues of what waits to be sent. */
"use strict";
var CACHE = "streetcare-v1";
var SHELL = [
  "/report", "/volunteer", "/static/common.js", "/static/streetcare.css", "/static/report.css", "/static/report.js",
  "/static/volunteer.css", "/static/volunteer.js", "/static/i18n/en.json", "/static/i18n/nl.json",
  "/static/favicon.svg", "/map-config.json",
  "/static/vendor/leaflet-1.9.4/leaflet.js", "/static/vendor/leaflet-1.9.4/leaflet.css",
  "/static/vendor/leaflet-1.9.4/images/marker-icon.png", "/static/vendor/leaflet-1.9.4/images/marker-icon-2x.png",
  "/static/vendor/leaflet-1.9.4/images/marker-shadow.png"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request) {
  return fetch(request).then(function (answer) {
    if (answer.ok) { var copy = answer.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
    return answer;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (hit) { return hit || Response.error(); });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    var refresh = fetch(request).then(function (answer) {
      if (answer.ok) { var copy = answer.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
      return answer;
    });
    if (hit) { refresh.catch(function () {}); return hit; }
    return refresh;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && (url.pathname === "/report" || url.pathname === "/volunteer")) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/map-config.json") {
    event.respondWith(url.pathname.indexOf("/static/vendor/") === 0 ? cacheFirst(request) : networkFirst(request));
  }
});
