/* The sign form's proof of work, solved in the background while the person types.
 *
 * The form names its challenge URL (same origin, fetched without cookies) and a worker that
 * solves it (altcha-worker.js). The solution goes into the hidden `altcha` field as ALTCHA's
 * base64 JSON payload. If someone sends the form before the solution is ready, the form waits
 * for it, says so, then sends itself. A challenge near its expiry is replaced before sending.
 * Nothing here talks to any other site. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-challenge-url]");
  if (!form || !window.fetch || !window.Promise) { return; }
  var field = form.querySelector("input[name=altcha]");
  var status = form.querySelector("[data-challenge-status]");
  var current = null;  // {promise, expires}

  function expiresOf(salt) {
    var match = /[?&]expires=(\d+)/.exec(salt);
    return match ? parseInt(match[1], 10) : Infinity;
  }

  function solveInWorker(challenge) {
    var task = { salt: challenge.salt, challenge: challenge.challenge,
                 max: challenge.maxnumber || challenge.maxNumber };
    return new Promise(function (resolve, reject) {
      var worker;
      try { worker = new Worker(form.getAttribute("data-challenge-worker")); } catch (e) { reject(e); return; }
      worker.onmessage = function (event) { worker.terminate(); resolve(event.data); };
      worker.onerror = function (e) { worker.terminate(); reject(e); };
      worker.postMessage(task);
    }).catch(function (error) {
      // No worker here (a sandboxed iframe): the same search on the page, in slices.
      if (!window.petitionProofOfWork) { throw error; }
      return window.petitionProofOfWork(task);
    });
  }

  function start() {
    var url = form.getAttribute("data-challenge-url");
    var promise = fetch(url, { credentials: "omit", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("challenge " + response.status); }
        return response.json();
      })
      .then(function (challenge) {
        current.expires = expiresOf(challenge.salt);
        return solveInWorker(challenge).then(function (solved) {
          if (solved.number === null) { throw new Error("unsolved"); }
          var payload = { algorithm: challenge.algorithm, challenge: challenge.challenge,
                          number: solved.number, salt: challenge.salt,
                          signature: challenge.signature, took: solved.took };
          field.value = btoa(JSON.stringify(payload));
          form.setAttribute("data-challenge-took", String(solved.took));
          return true;
        });
      })
      // Without a solution the form is still sent: the server asks for one only when due.
      .catch(function () { field.value = ""; return false; });
    current = { promise: promise, expires: Infinity };
    return promise;
  }

  function stale() {
    return current && Date.now() / 1000 > current.expires - 60;
  }

  start();
  // For scripts that send the form themselves (embed-sandboxed.js): the solution, once ready.
  form.petitionChallenge = {
    ready: function () {
      if (stale()) { start(); }
      return current.promise;
    }
  };
  var waiting = false;
  form.addEventListener("submit", function (event) {
    // The browser has checked the fields already; only the proof of work may be missing.
    event.preventDefault();
    if (waiting) { return; }
    waiting = true;
    if (stale()) { start(); }
    if (status) { status.hidden = false; }
    form.setAttribute("aria-busy", "true");
    current.promise.then(function () {
      // submit() sends the form without firing this event again.
      HTMLFormElement.prototype.submit.call(form);
    });
  });
  // Back to this page from the next one (the back/forward cache keeps scripts' state):
  // ready for another sending, with a fresh challenge since the last one has been used.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    waiting = false;
    if (status) { status.hidden = true; }
    form.removeAttribute("aria-busy");
    start();
  });
})();
