/* How a signer appears: preselect the petition's default for the chosen country (initials
 * in a protected country, else the full name) until the signer picks a choice themselves,
 * and show the line that says why only while it applies. No cookies, no network. */
(function () {
  "use strict";
  var groups = document.querySelectorAll(".display-group[data-protected-countries]");
  Array.prototype.forEach.call(groups, function (group) {
    var form = group.closest("form");
    var country = form && form.elements.namedItem("country");
    if (!country) { return; }
    var protectedCodes = group.getAttribute("data-protected-countries").split(" ").filter(Boolean);
    var note = group.querySelector("[data-protected-note]");
    var chosenByHand = false;
    group.addEventListener("change", function (event) {
      if (event.target.name === "display") { chosenByHand = true; }
    });
    function follow() {
      var code = (country.value || "").toUpperCase();
      var isProtected = protectedCodes.indexOf(code) !== -1;
      if (note) { note.hidden = !(isProtected || (!code && protectedCodes.length)); }
      if (chosenByHand || !code) { return; }
      var radio = group.querySelector("input[name=display][value=" + (isProtected ? "initials" : "full") + "]");
      if (radio) { radio.checked = true; }
    }
    country.addEventListener("change", follow);
    follow();
  });
})();
