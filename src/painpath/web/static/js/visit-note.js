// painpath: the visit-note screen. Ctrl+Enter (Cmd+Enter on a Mac) saves the note from any field.
// Saving works without this script: the form has a plain submit button.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) {
      return;
    }
    var form = event.target && event.target.closest ? event.target.closest("form[data-ctrl-enter]") : null;
    if (!form) {
      return;
    }
    event.preventDefault();
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
