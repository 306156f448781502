// featureline review UI: live run progress over server-sent events, Mermaid drawing,
// and a JSON check in the edit form. Text from the server's JSON is only ever set with
// textContent; HTML comes only from the server's own (autoescaped) fragments.
"use strict";

function followRun(root) {
  const runId = root.dataset.run;
  const dot = document.getElementById("live-dot");
  const label = document.getElementById("live-text");
  const live = document.getElementById("live");
  let first = true;
  const source = new EventSource("/runs/" + encodeURIComponent(runId) + "/events");
  source.addEventListener("open", () => { dot.classList.add("on"); label.textContent = "live"; });
  source.addEventListener("error", () => { dot.classList.remove("on"); label.textContent = "reconnecting…"; });
  source.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (state.error) { label.textContent = state.error; return; }
    label.textContent = "live · run " + state.status;
    for (const [step, info] of Object.entries(state.steps)) {
      const node = document.querySelector('g.node[data-step="' + CSS.escape(step) + '"]');
      if (!node) continue;
      node.setAttribute("class", "node st-" + info.status);
      const text = node.querySelector(".node-status");
      text.textContent = info.status + (info.attempts ? " · #" + info.attempts : "");
    }
    document.body.dataset.runStatus = state.status;
    if (first) { first = false; return; }  // the page was rendered from this very state
    fetch(live.dataset.src, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { live.innerHTML = html; })
      .catch(() => { label.textContent = "could not refresh the panel"; });
  });
}

function drawMermaid() {
  const blocks = document.querySelectorAll("pre.mermaid");
  if (!blocks.length) return;
  const script = document.createElement("script");
  script.src = "/static/vendor/mermaid.min.js";
  script.onload = () => {
    // strict: labels are text, no click handlers, no HTML from the diagram source.
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    window.mermaid.run({ nodes: blocks, suppressErrors: true }).then(() => {
      document.body.dataset.mermaid = "drawn";
    });
  };
  document.head.appendChild(script);
}

function checkJson(form) {
  const area = form.querySelector("textarea.json-editor");
  const state = form.querySelector(".json-state");
  const check = () => {
    try {
      const value = JSON.parse(area.value);
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("the artifact must be a JSON object");
      state.textContent = "JSON is well-formed; the server checks it against the schema.";
      return true;
    } catch (err) {
      state.textContent = "Not valid JSON: " + err.message;
      return false;
    }
  };
  area.addEventListener("input", check);
  form.addEventListener("submit", (event) => { if (!check()) event.preventDefault(); });
}

document.addEventListener("DOMContentLoaded", () => {
  const run = document.getElementById("run");
  if (run) followRun(run);
  drawMermaid();
  const edit = document.getElementById("edit-form");
  if (edit) checkJson(edit);
});
