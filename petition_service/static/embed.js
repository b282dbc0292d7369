/* petition-service embed loader. No dependencies.
 *   <div data-petition="SLUG" data-lang="vi"></div>
 *   <div data-organisation="ORG-SLUG"></div>   (its form that signs several petitions at once)
 *   <script src="https://PETITIONS.EXAMPLE/embed.js" async></script>
 * Each div becomes an iframe holding the signing form, resized to its content. When someone
 * signs, the div dispatches a bubbling "petition:signed" event (detail: {petition: SLUG}, or
 * {organisation: ORG-SLUG} for an organisation's form). */
(function () {
  "use strict";
  var script = document.currentScript || (function () {
    var found = document.querySelectorAll('script[src*="/embed.js"]');
    return found[found.length - 1];
  })();
  if (!script) { return; }
  var serviceOrigin = new URL(script.src, window.location.href).origin;
  var frames = [];

  function mount(host) {
    if (host.getAttribute("data-petition-mounted")) { return; }
    var kind = host.hasAttribute("data-petition") ? "petition" : "organisation";
    var slug = host.getAttribute("data-" + kind) || "";
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(slug)) { return; }
    var lang = (host.getAttribute("data-lang") || document.documentElement.lang || "").slice(0, 2);
    var iframe = document.createElement("iframe");
    var src = serviceOrigin + (kind === "petition"
      ? "/embed/" + encodeURIComponent(slug)
      : "/o/" + encodeURIComponent(slug) + "/embed");
    if (lang) { src += "?lang=" + encodeURIComponent(lang.toLowerCase()); }
    iframe.src = src;
    iframe.title = host.getAttribute("data-title") || "Petition";
    iframe.setAttribute("scrolling", "no");
    iframe.style.cssText = "display:block;width:100%;min-height:360px;border:0;overflow:hidden;";
    host.setAttribute("data-petition-mounted", "1");
    host.appendChild(iframe);
    frames.push({ host: host, iframe: iframe, kind: kind, slug: slug });
  }

  window.addEventListener("message", function (event) {
    // Only our own frames speak to us; anything else on the page is ignored.
    if (event.origin !== serviceOrigin) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || data.source !== "petition-service") { return; }
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.iframe.contentWindow !== event.source) { continue; }
      if (data.type === "resize" && typeof data.height === "number" && data.height > 0) {
        frame.iframe.style.height = Math.ceil(Math.min(data.height, 20000)) + "px";
      } else if (data.type === "signed") {
        var detail = {};
        detail[frame.kind] = frame.slug;
        frame.host.dispatchEvent(new CustomEvent("petition:signed", { bubbles: true, detail: detail }));
      }
    }
  });

  function mountAll() {
    var hosts = document.querySelectorAll("[data-petition], [data-organisation]");
    for (var i = 0; i < hosts.length; i++) { mount(hosts[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
