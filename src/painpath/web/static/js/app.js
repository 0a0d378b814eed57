// painpath: small behaviours for every page. No inline scripts, so a strict CSP stays possible.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  // htmx requests carry the session's CSRF token in the header the server checks on writes.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // Regions marked data-busy say aria-busy while htmx replaces them, so screen readers wait for the new content.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-busy")) {
      target.removeAttribute("aria-busy");
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-busy")) {
      target.setAttribute("aria-busy", "true");
    }
  });
})();
