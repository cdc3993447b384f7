// Polls an import's state and reloads the page when the job is finished. Without JavaScript
// the page works the same: its refresh link shows the current state.
(function () {
  "use strict";
  var box = document.getElementById("import-poll");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var label = document.getElementById("import-stage");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (!state.busy) {
          window.location.reload();
          return;
        }
        if (label && label.textContent !== state.label) {
          label.textContent = state.label;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
})();
