/* Runs inside the embed iframe: tells the host page our height, and when someone signed.
 * The messages carry nothing private, so any embedding origin may receive them. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  function post(message) {
    message.source = "petition-service";
    window.parent.postMessage(message, "*");
  }
  // WordPress embeds an oEmbed iframe with "#?secret=…" in its address and resizes it when
  // the frame posts {message: "height", value, secret} (its wp-embed protocol).
  var wpSecret = (window.location.hash.match(/[#?&]secret=([A-Za-z0-9]+)/) || [])[1];
  var lastHeight = 0;
  function reportHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "resize", height: height });
      if (wpSecret) {
        window.parent.postMessage({ message: "height", value: height, secret: wpSecret }, "*");
      }
    }
  }
  reportHeight();
  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.documentElement);
  } else {
    window.addEventListener("resize", reportHeight);
    setInterval(reportHeight, 500);
  }
  var signed = document.querySelector("[data-signed]");
  if (signed) { post({ type: "signed", petition: signed.getAttribute("data-signed") }); }
  var signedSeveral = document.querySelector("[data-signed-organisation]");
  if (signedSeveral) {
    post({ type: "signed", organisation: signedSeveral.getAttribute("data-signed-organisation") });
  }
})();
