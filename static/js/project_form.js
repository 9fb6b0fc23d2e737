// The project form: choosing a country picks its currency (Canada: CAD), unless the admin chose a currency
// themselves. Without JavaScript the currency stays "The country's" and the server picks the same one.
(function () {
  "use strict";
  var CURRENCY = { US: "USD", CA: "CAD" };

  function start() {
    var country = document.getElementById("country");
    var currency = document.getElementById("currency");
    if (!country || !currency) return;
    // Left to the country (blank) on a new project: follow it. A stored or hand-picked currency stays.
    var follow = currency.value === "";
    currency.addEventListener("change", function () { follow = currency.value === ""; });
    function pick() {
      if (follow && CURRENCY[country.value]) currency.value = CURRENCY[country.value];
    }
    country.addEventListener("change", pick);
    pick();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
