/* The signing form inside a sandboxed iframe: WordPress (and other oEmbed consumers) put
 * a provider's iframe in sandbox="allow-scripts", where submitting a form is blocked. There
 * the document's origin is "null"; this script then sends the form to the JSON API, which
 * any origin may call, and shows the answer in place. Elsewhere it does nothing and the
 * form posts as usual. No cookies either way. */
(function () {
  "use strict";
  if (window.origin !== "null") { return; }
  var form = document.querySelector("form.sign-form");
  if (!form) { return; }
  // A petition's form (/embed/SLUG) or an organisation's, which signs several (/o/ORG/embed).
  var organisation = (window.location.pathname.match(/^\/o\/([^/]+)\/embed/) || [])[1];
  var slug = organisation || (window.location.pathname.match(/\/embed\/([^/]+)/) || [])[1];
  if (!slug) { return; }
  var action = new URL(form.getAttribute("action"), window.location.href);
  var lang = "?lang=" + encodeURIComponent(action.searchParams.get("lang") || document.documentElement.lang || "en");
  var api = action.origin + (organisation
    ? "/api/v1/organisations/" + slug + "/signatures" : "/api/v1/petitions/" + slug + "/signatures") + lang;
  var thanks = action.origin + (organisation ? "/o/" + slug + "/embed/thanks" : "/embed/" + slug + "/thanks") + lang;
  // The API's fields; anything else the form carries stays out (the API refuses unknown ones).
  var TEXT = ["name", "email", "country", "city", "form_token", "website", "display", "altcha"];
  var CHECK = ["consent", "updates"];

  function clearErrors() {
    var old = form.querySelectorAll(".field-error.from-api, .form-alert.from-api");
    for (var i = 0; i < old.length; i++) { old[i].remove(); }
    var marked = form.querySelectorAll("[aria-invalid]");
    for (var j = 0; j < marked.length; j++) { marked[j].removeAttribute("aria-invalid"); }
  }

  function alertBox(text) {
    var box = document.createElement("p");
    box.className = "form-alert from-api";
    box.setAttribute("role", "alert");
    box.textContent = text;
    form.insertBefore(box, form.firstChild);
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(errors).forEach(function (field) {
      var input = form.querySelector("[name='" + field + "']");
      if (field === "petitions") { input = form.querySelector("fieldset.petition-choices input"); }
      var message = document.createElement("p");
      message.className = "field-error from-api";
      message.id = "sign-" + field + "-error";
      message.textContent = [].concat(errors[field]).join(" ");
      if (input && input.type !== "hidden") {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", message.id);
        input.closest(".field").appendChild(message);
        first = first || input;
      } else {
        alertBox(message.textContent);
      }
    });
    if (first) { first.focus(); }
  }

  function send(event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button && button.disabled) { return; }  // already on its way (Enter pressed again)
    // The browser's own checks first (required fields, email syntax), as a submit would.
    if (!form.noValidate && !form.reportValidity()) { return; }
    if (button) { button.disabled = true; }
    // The proof of work, when the form carries one (challenge.js), must be ready first.
    var challenge = form.petitionChallenge;
    Promise.resolve(challenge ? challenge.ready() : null).then(function () { post(button); });
  }

  function post(button) {
    var body = {};
    TEXT.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && typeof input.value === "string") { body[name] = input.value; }
    });
    CHECK.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input) { body[name] = !!input.checked; }
    });
    if (organisation) {
      body.petitions = Array.prototype.filter.call(form.querySelectorAll("input[name=petitions]"),
        function (box) { return box.checked; }).map(function (box) { return box.value; });
    }
    fetch(api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 202) { window.location.href = thanks; return; }
        clearErrors();
        if (data.form_token) { form.elements.namedItem("form_token").value = data.form_token; }
        if (response.status === 422 && data.errors) { showErrors(data.errors); }
        else if (data.error && data.error.message) { alertBox(data.error.message); }
        else { alertBox(response.status + " " + response.statusText); }
      });
    }).catch(function () {
      clearErrors();
      alertBox(form.getAttribute("data-offline") || "Network error. Please try again.");
    }).then(function () {
      if (button) { button.disabled = false; }
    });
  }

  // Chromium drops a blocked submission before any "submit" event, so the button's click
  // and Enter in a field are where sending starts.
  form.addEventListener("click", function (event) {
    if (event.target.closest("button[type=submit], input[type=submit]")) { send(event); }
  });
  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key === "Enter" && field.tagName === "INPUT" && field.type !== "checkbox") {
      send(event);
    }
  });
  form.addEventListener("submit", send);  // where forms are allowed after all
})();
