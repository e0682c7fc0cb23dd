// The status page: polls /api/* and draws plans, one plan, ledgers and peers.
//
// Plan ids, reasons, receipts and organization names come from peers and ledgers, so they are
// attacker-controlled: every one reaches the DOM as a text node (el() below), never as markup,
// and links are built from encodeURIComponent'd ids behind "#". Nothing here uses innerHTML.
"use strict";

const PLAN_POLL_MS = 1000;  // while a plan runs
const LIST_POLL_MS = 2000;
const STATUSES = ["proposed", "in-progress", "completed", "failed", "halted", "rejected",
  "cancelled"];
let timer = null;
let generation = 0;  // a view started later wins over a poll still in flight

// el("td", {class: "x"}, "text", otherNode): strings become text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }
  return node;
}

function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes);
}

async function getJson(path) {
  const response = await fetch(path, {cache: "no-store"});
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function age(fromMillis, nowMillis) {
  if (!fromMillis) return "";
  let s = Math.max(0, Math.round((nowMillis - fromMillis) / 1000));
  if (s < 120) return s + " s";
  if (s < 7200) return Math.round(s / 60) + " min";
  if (s < 172800) return Math.round(s / 3600) + " h";
  return Math.round(s / 86400) + " d";
}

function when(millis) {
  return millis ? new Date(Number(millis)).toISOString().replace("T", " ").replace("Z", " UTC")
    : "never";
}

function statusText(status) {
  return el("span", {class: "status status-" + status}, status);
}

function planLink(id) {
  return el("a", {href: "#/plan/" + encodeURIComponent(id), class: "mono plan-link"}, id);
}

function stamp(nowMillis) {
  document.getElementById("updated").textContent = "updated " + when(nowMillis);
}

function setOrganization(organization) {
  if (organization) document.getElementById("organization").textContent = organization;
}

// ---- plans ----

function readFilters(params) {
  const out = {};
  for (const name of ["status", "org", "q", "from", "to"]) {
    const v = params.get(name);
    if (v) out[name] = v;
  }
  return out;
}

function localInput(millis) {  // a datetime-local value in the browser's time zone
  if (!millis) return "";
  const d = new Date(Number(millis));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function filterForm(filters) {
  const status = el("select", {name: "status", id: "filter-status"}, el("option", {value: ""}, "any"),
    STATUSES.map((s) => el("option", {value: s}, s)));
  status.value = filters.status || "";
  const input = (name, label, type, value) => el("label", {}, label,
    el("input", {name, id: "filter-" + name, type, value: value || ""}));
  const form = el("form", {class: "filters", id: "filters"},
    el("label", {}, "status", status),
    input("org", "organization", "text", filters.org),
    input("q", "plan id contains", "search", filters.q),
    input("from", "created from", "datetime-local", localInput(filters.from)),
    input("to", "created before", "datetime-local", localInput(filters.to)),
    el("button", {type: "submit", id: "filter-apply"}, "Filter"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of ["status", "org", "q"]) {
      const v = form.elements[name].value.trim();
      if (v) params.set(name, v);
    }
    for (const name of ["from", "to"]) {
      const v = form.elements[name].value;
      if (v) params.set(name, String(new Date(v).getTime()));
    }
    location.hash = "#/plans?" + params.toString();
  });
  return form;
}

function countsBar(counts) {
  const links = STATUSES.filter((s) => counts[s]).map((s) =>
    el("a", {href: "#/plans?status=" + s, class: "count", "data-status": s},
      el("b", {}, String(counts[s])), statusText(s)));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return el("div", {class: "counts", id: "counts"},
    el("a", {href: "#/plans", class: "count", "data-status": "all"}, el("b", {}, String(total)),
      "plans"), links);
}

function plansTable(body) {
  const rows = body.plans.map((p) => el("tr", {"data-plan-id": p.planId, class: "plan-row"},
    el("td", {}, planLink(p.planId)),
    el("td", {class: "plan-status"}, statusText(p.status)),
    el("td", {}, age(p.createdAtMillis, body.nowMillis)),
    el("td", {}, p.terminal ? el("span", {class: "muted"}, "ended at instruction " +
      p.currentSequence) : "instruction " + p.currentSequence),
    el("td", {}, p.participants.join(", ")),
    el("td", {class: "plan-reason"}, p.reason)));
  return el("table", {id: "plans-table"},
    el("thead", {}, el("tr", {}, ["plan", "status", "age", "current step", "participants",
      "reason"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", {colspan: 6, class: "muted"},
      "no plan matches"))));
}

async function plansView(params, mine) {
  const filters = readFilters(params);
  const query = new URLSearchParams(filters).toString();
  const form = filterForm(filters);
  const poll = async () => {
    try {
      const body = await getJson("/api/plans" + (query ? "?" + query : ""));
      if (mine !== generation) return;
      setOrganization(body.organization);
      stamp(body.nowMillis);
      show(countsBar(body.counts), form, plansTable(body));
    } catch (e) {
      if (mine === generation) show(form, el("p", {class: "error"}, String(e.message)));
    }
    if (mine === generation) timer = setTimeout(poll, LIST_POLL_MS);
  };
  await poll();
}

// ---- one plan ----

const ROLE_NAMES = {1: "observer", 2: "contributor", Observer: "observer",
  Contributor: "contributor"};

function instructionText(ins) {
  for (const kind of ["hold", "transfer", "release", "issue", "redeem"]) {
    const body = ins[kind];
    if (body) return kind + " " + body.amount + " " + ((body.asset || {}).id || "");
  }
  if (ins.revertHold) return "revert the hold of instruction " + ins.revertHold.holdInstructionSequence;
  if (ins.await) return "await" + (ins.await.condition ? " " + ins.await.condition : "") +
    (Number(ins.await.waitUntil) ? " until " + when(Number(ins.await.waitUntil) * 1000) : "");
  return "?";
}

function stepState(ins, step, view) {
  const status = view.execution.executionPlanStatus;
  if (step) {
    if (step.completions.some((c) => c.code !== 0)) return "failed";
    if (step.settled) return "done";
    return "running";
  }
  return status === "proposed" || status === "in-progress" ? "pending" : "not run";
}

function completionFacts(c) {
  return el("dl", {class: "facts completion", "data-executor": c.executor},
    el("dt", {}, "executor"), el("dd", {}, c.executor),
    el("dt", {}, "result"), el("dd", {class: c.code === 0 ? "ok" : "bad"},
      c.code === 0 ? "done" : "failed (code " + c.code + ")" + (c.message ? ": " + c.message : "")),
    el("dt", {}, "transaction"), el("dd", {class: "mono step-receipt"}, c.transactionId || "none"),
    el("dt", {}, "approved by"), el("dd", {class: "step-approvals"},
      c.approvedBy.length ? c.approvedBy.join(", ") : "no approval yet"));
}

function timeline(body) {
  const view = body.view;
  const steps = {};
  for (const s of view.steps) steps[s.sequence] = s;
  const items = (view.execution.plan.instructions || []).map((ins) => {
    const step = steps[ins.sequence];
    const state = stepState(ins, step, view);
    const ledger = body.ledgers[String(ins.sequence)];
    return el("li", {class: "step step-" + state.replace(" ", "-"), "data-sequence": ins.sequence},
      el("div", {class: "step-head"}, ins.sequence + ". " + instructionText(ins), " ",
        el("span", {class: "step-status status status-" + state.replace(" ", "-")}, state)),
      el("dl", {class: "facts"},
        el("dt", {}, "executed by"), el("dd", {class: "step-executor"},
          (ins.organizations || []).join(", ")),
        el("dt", {}, "ledger"), el("dd", {class: "step-ledger"}, ledger
          ? ledger + " (this router)" : "the executor's own"),
        step && step.startedAtMillis !== "0" ? [el("dt", {}, "started"),
          el("dd", {}, when(Number(step.startedAtMillis)))] : null),
      step ? step.completions.map(completionFacts) : null);
  });
  return el("ol", {class: "timeline", id: "timeline"}, items);
}

function planPage(body) {
  const view = body.view;
  const execution = view.execution;
  const status = execution.executionPlanStatus;
  const participants = (execution.plan.participants || []).map((p) =>
    el("tr", {"data-organization": p.organizationID},
      el("td", {}, p.organizationID),
      el("td", {}, (p.roles || []).map((r) => ROLE_NAMES[r] || String(r)).join(", "))));
  const chain = body.chain;
  return [
    el("p", {}, el("a", {href: "#/plans"}, "all plans")),
    el("h2", {}, "Plan ", el("span", {class: "mono", id: "plan-id"},
      execution.plan.id ? execution.plan.id.id : "")),
    el("dl", {class: "facts"},
      el("dt", {}, "status"), el("dd", {id: "plan-status"}, statusText(status)),
      el("dt", {}, "plan approvals"), el("dd", {id: "plan-approvals"},
        (execution.approvals || []).map((a) => a.organizationID).join(", ") || "none yet"),
      el("dt", {}, "agreed journal head"), el("dd", {class: "mono", id: "journal-head"},
        view.journalHeadHash || "none yet"),
      el("dt", {}, "this router's chain"), el("dd", {id: "chain-status",
        class: chain.intact ? "ok" : "bad"}, chain.intact
        ? "verifies (" + chain.entries + " entries, head " + view.localJournalHeadHash + ")"
        : "DOES NOT VERIFY: " + chain.problem)),
    view.failureReason ? el("div", {class: "reason", id: "plan-reason"},
      (view.failedInstructionSequence ? "instruction " + view.failedInstructionSequence + ": "
        : ""), view.failureReason) : null,
    el("h2", {}, "Participants"),
    el("table", {id: "participants"}, el("thead", {}, el("tr", {}, el("th", {}, "organization"),
      el("th", {}, "roles"))), el("tbody", {}, participants)),
    el("h2", {}, "Instructions"),
    timeline(body),
  ];
}

async function planView(id, mine) {
  const poll = async () => {
    let ended = false;
    try {
      const body = await getJson("/api/plan?id=" + encodeURIComponent(id));
      if (mine !== generation) return;
      setOrganization(body.organization);
      stamp(body.nowMillis);
      show(...planPage(body).filter((n) => n));
      const status = body.view.execution.executionPlanStatus;
      ended = status !== "proposed" && status !== "in-progress";
    } catch (e) {
      if (mine !== generation) return;
      show(el("p", {}, el("a", {href: "#/plans"}, "all plans")),
        el("p", {class: "error", id: "plan-error"}, "plan ", id, ": ", String(e.message)));
    }
    // Live while it runs; a finished plan does not change.
    if (mine === generation && !ended) timer = setTimeout(poll, PLAN_POLL_MS);
  };
  await poll();
}

// ---- ledgers and peers ----

function abiText(v) {
  const n = Number(v);
  return (n >>> 16) + "." + (n & 0xffff);
}

async function ledgersView(mine) {
  const poll = async () => {
    try {
      const body = await getJson("/api/ledgers");
      if (mine !== generation) return;
      const rows = (body.ledgers || []).map((l) => el("tr", {"data-ledger": l.name},
        el("td", {}, l.name),
        el("td", {}, l.pluginName + " " + l.pluginVersion),
        el("td", {class: "mono"}, l.pluginPath),
        el("td", {class: "mono"}, l.sha256),
        el("td", {}, abiText(l.abiVersion)),
        el("td", {}, String(l.generation)),
        el("td", {}, (l.supportedOperations || []).join(", ")),
        // A serving ledger whose plugin last answered UNAVAILABLE (its adapter or node is down).
        el("td", {class: "ledger-health " + (l.state === "serving" && !l.unavailable ? "ok" : "bad")},
          l.unavailable ? l.state + ", unavailable: " + l.unavailable : l.state),
        el("td", {}, l.isolation + (l.isolation === "process" ? ", " + l.crashes + " crashes" +
          (l.lastCrash ? " (last: " + l.lastCrash + ")" : "") : "")),
        el("td", {}, String(l.operationsInFlight))));
      show(el("h2", {}, "Ledgers"), el("table", {id: "ledgers-table"},
        el("thead", {}, el("tr", {}, ["name", "plugin", "file", "sha256", "ABI", "generation",
          "operations", "health", "isolation", "in flight"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows)));
    } catch (e) {
      if (mine === generation) show(el("p", {class: "error"}, String(e.message)));
    }
    if (mine === generation) timer = setTimeout(poll, LIST_POLL_MS);
  };
  await poll();
}

// A router older than the state field reports reachability only.
function peerState(p) {
  return p.state || (p.reachable ? "reachable" : "unreachable");
}

function refusals(p) {
  const refused = Number(p.refusedMessages || 0);
  if (refused === 0) return "none";
  let text = refused + " (last " + when(Number(p.lastRefusalAtMillis)) + ", code " +
    (p.lastRefusalCode || 0) + ")";
  const held = Number(p.heldForRedelivery || 0);
  if (held > 0) text += "; " + held + " held for re-delivery";
  const dropped = Number(p.droppedOverCap || 0);
  if (dropped > 0) text += "; " + dropped + " dropped over the cap";
  return text;
}

async function peersView(mine) {
  const poll = async () => {
    try {
      const body = await getJson("/api/peers");
      if (mine !== generation) return;
      const rows = (body.peers || []).map((p) => el("tr", {"data-peer": p.organization},
        el("td", {}, p.organization),
        el("td", {class: "mono"}, p.address),
        el("td", {class: "peer-reachable " + (peerState(p) === "reachable" ? "ok" : "bad")},
          peerState(p)),
        el("td", {}, String(p.backlog)),
        el("td", {}, when(Number(p.lastAnswerAtMillis))),
        el("td", {}, when(Number(p.lastMessageAtMillis))),
        el("td", {class: "peer-refused"}, refusals(p))));
      show(el("h2", {}, "Peers"), el("table", {id: "peers-table"},
        el("thead", {}, el("tr", {}, ["organization", "address", "state", "outbox backlog",
          "last answer from it", "last message from it", "refused by it"]
          .map((h) => el("th", {}, h)))),
        el("tbody", {}, rows)));
    } catch (e) {
      if (mine === generation) show(el("p", {class: "error"}, String(e.message)));
    }
    if (mine === generation) timer = setTimeout(poll, LIST_POLL_MS);
  };
  await poll();
}

// ---- routing: #/plans?filters, #/plan/ID, #/ledgers, #/peers ----

function route() {
  clearTimeout(timer);
  const mine = ++generation;
  const hash = location.hash.slice(1) || "/plans";
  const [path, query] = hash.split("?");
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", a.getAttribute("href") === "#" + path.split("/").slice(0, 2)
      .join("/"));
  }
  if (path.startsWith("/plan/")) {
    let id = path.slice(6);
    try {
      id = decodeURIComponent(id);
    } catch (e) {
      // not an id this page made; looked up as written
    }
    return planView(id, mine);
  }
  if (path === "/ledgers") return ledgersView(mine);
  if (path === "/peers") return peersView(mine);
  return plansView(new URLSearchParams(query || ""), mine);
}

window.addEventListener("hashchange", route);
route();
