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

// Lease renewal: while a flag page the analyst holds stays open, ping the
// server so the 15-minute lease does not run out under a long read; when the
// lease was lost anyway, say so and keep the decision buttons from sending.
(function () {
  var article = document.querySelector("article.flag[data-renew-url]");
  if (!article) return;
  var seconds = Math.max(1, parseFloat(article.dataset.renewSeconds) || 120);
  var token = document.querySelector('input[name="csrf_token"]');
  var timer = null;
  function lost(message) {
    var box = document.getElementById("lease-lost");
    if (box) { box.textContent = message || article.dataset.lostMessage; box.hidden = false; }
    article.dataset.lease = "lost";
    var form = document.getElementById("decision-form");
    if (form) {
      form.dataset.sent = "1";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }
    if (timer) clearInterval(timer);
  }
  function ping() {
    fetch(article.dataset.renewUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) {
          var lease = document.getElementById("lease");
          if (lease && body.text) { lease.textContent = body.text; lease.dataset.state = "live"; }
          article.dataset.renewed = String((parseInt(article.dataset.renewed || "0", 10)) + 1);
        } else if (r.status === 409 || r.status === 404 || r.status === 302 || r.status === 401) {
          lost(body.message);
        }
      });
    }).catch(function () { /* offline for a moment: the next ping tries again */ });
  }
  timer = setInterval(ping, seconds * 1000);
})();

// The queue's "select the page" box for a lead's bulk action.
(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("input.select-flag").forEach(function (b) { b.checked = all.checked; });
  });
})();
