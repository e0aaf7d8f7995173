/* The start page: three cards, in the visitor's language. */
(function () {
  "use strict";
  var SC = window.Streetcare;
  function apply() { SC.applyLanguage(); }
  document.addEventListener("DOMContentLoaded", function () {
    SC.$("lang").addEventListener("click", function () { SC.setLang(SC.lang === "nl" ? "en" : "nl"); apply(); });
    SC.loadCatalogues().then(apply);
  });
})();
