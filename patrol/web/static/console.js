// Review console keyboard shortcuts: c confirm, d dismiss, e escalate, n next.
// Plain script, no build step, no third-party code.
"use strict";
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.repeat) return;
  var target = event.target;
  if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
  var key = (event.key || "").toLowerCase();
  if (key === "n") {
    var next = document.getElementById("next-form");
    if (next) { event.preventDefault(); next.requestSubmit(); }
    return;
  }
  var form = document.getElementById("decision-form");
  if (!form || form.dataset.sent) return;
  var button = form.querySelector('button[data-key="' + key + '"]');
  if (button) {
    event.preventDefault();
    form.dataset.sent = "1";  // one decision per page load
    form.requestSubmit(button);
  }
});
