// Advocacy Lab: tell the learner, on the page itself, when the course can no
// longer be reached, and what to do.
//
// The kernel may be gone (server stopped or restarted, wifi down, laptop
// asleep, kernel killed), so everything here runs in the page: the sentences
// (`texts`) came from the kernel's catalogue while it was alive. Every
// `ping_every_ms` this sends {"op": "ping"} to the kernel (ConnectionWatch in
// advocacy_lab/ui/drafts.py), which answers {"op": "pong"}. When a ping stays
// unanswered, the page asks the server about its kernel (GET
// api/kernels/<id>, which the page already uses):
//
//   no answer at all          -> "lost": the server cannot be reached
//   404                       -> "ended": the kernel is gone
//   busy                      -> wait (a long check), up to busy_lost_after_ms
//   anything else, too long   -> "ended" (killed and restarted: same id, idle,
//                                but the page's widgets are not in it)
//
// Once the server answers again after "lost", the banner says so ("back") and
// offers a reload. A pong at any time means the same kernel is reachable
// again: the banner says so briefly and the drafts script hands the kernel
// what was typed meanwhile (event "advocacy-lab:connection").
//
// While not "ok", <body> has the class `al-connection-lost`: the stylesheet
// (course.css) hides the "saved" line and dims feedback that is no longer live.

const BODY_CLASS = "al-connection-lost";
const PROBE_TIMEOUT_MS = 5000;
const RESTORED_SHOWN_MS = 8000;
const PROBE_EVERY_MS = 4000;
const CHECK_EVERY_MS = 1000;

function pageConfig() {
  try {
    const el = document.getElementById("jupyter-config-data");
    const config = el ? JSON.parse(el.textContent) : {};
    return {
      baseUrl: typeof config.baseUrl === "string" ? config.baseUrl : "/",
      kernelId: typeof config.kernelId === "string" ? config.kernelId : "",
    };
  } catch (_) {
    return { baseUrl: "/", kernelId: "" };
  }
}

// "down" | "gone" | "busy" | "idle" (idle: answered, kernel not busy)
async function probe(config) {
  if (!config.kernelId) {
    return "idle";
  }
  const url = config.baseUrl.replace(/\/?$/, "/") + "api/kernels/" + encodeURIComponent(config.kernelId);
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS) : null;
  try {
    const response = await fetch(url, {
      cache: "no-store",
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    });
    if (response.status === 404) {
      return "gone";
    }
    if (response.ok) {
      try {
        const model = await response.json();
        return model && model.execution_state === "busy" ? "busy" : "idle";
      } catch (_) {
        return "idle";
      }
    }
    return "idle";
  } catch (_) {
    return "down";
  } finally {
    if (timer) {
      clearTimeout(timer);
    }
  }
}

class Banner {
  constructor(texts) {
    this.texts = texts;
    this.el = null;
    this.hideTimer = null;
  }

  build() {
    if (this.el) {
      return;
    }
    const el = document.createElement("div");
    el.className = "al-connection";
    el.setAttribute("role", "alert");
    el.setAttribute("aria-live", "assertive");
    const text = document.createElement("p");
    text.className = "al-connection-text";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "al-connection-reload";
    button.textContent = this.texts.reload || "Reload the page";
    button.addEventListener("click", () => window.location.reload());
    el.append(text, button);
    document.body.prepend(el);
    this.el = el;
    this.text = text;
    this.button = button;
  }

  show(state) {
    if (this.hideTimer) {
      clearTimeout(this.hideTimer);
      this.hideTimer = null;
    }
    const sentence = this.texts[state] || "";
    if (state === "ok" || !sentence) {
      if (this.el) {
        this.el.hidden = true;
      }
      return;
    }
    this.build();
    this.el.hidden = false;
    this.el.dataset.state = state;
    this.el.className = "al-connection al-connection-" + state;
    // Only once reloading can work: while the server is down a reload shows
    // the browser's error page instead of the learner's text.
    this.button.hidden = !(state === "ended" || state === "back");
    if (this.text.textContent !== sentence) {
      this.text.textContent = sentence;
    }
    if (state === "restored") {
      this.hideTimer = setTimeout(() => this.show("ok"), RESTORED_SHOWN_MS);
    }
  }
}

function createWatch(model) {
  const config = pageConfig();
  const banner = new Banner(model.get("texts") || {});
  const every = () => Math.max(500, model.get("ping_every_ms") || 4000);
  let state = "ok";
  let n = 0;
  let waitingSince = null; // when the oldest unanswered ping was sent
  let lastSent = 0;
  let lastProbe = 0;
  let probing = false;
  let stopped = false;

  const setState = (next) => {
    if (next === state) {
      return;
    }
    const was = state;
    state = next;
    document.body.classList.toggle(BODY_CLASS, next !== "ok");
    banner.show(next === "ok" && was !== "ok" ? "restored" : next);
    try {
      globalThis.dispatchEvent(new CustomEvent("advocacy-lab:connection", { detail: { state: next, was } }));
    } catch (_) {
      // an old browser without CustomEvent: nothing else listens
    }
  };

  const ping = () => {
    n += 1;
    lastSent = Date.now();
    if (waitingSince === null) {
      waitingSince = lastSent;
    }
    try {
      model.send({ op: "ping", n });
    } catch (_) {
      // the connection is gone; the unanswered ping says so
    }
  };

  const onMessage = (msg) => {
    if (msg && msg.op === "pong") {
      waitingSince = null;
      setState("ok");
    }
  };
  model.on("msg:custom", onMessage);

  const check = async () => {
    if (stopped || probing) {
      return;
    }
    const now = Date.now();
    if (waitingSince === null) {
      if (now - lastSent >= every()) {
        ping();
      }
      return;
    }
    // Keep asking (a ping may have been dropped while reconnecting).
    if (now - lastSent >= every()) {
      ping();
    }
    const waited = now - waitingSince;
    if (state === "ok" && waited < (model.get("probe_after_ms") || 3000) && !quickProbe) {
      return;
    }
    quickProbe = false;
    if (state !== "ok" && now - lastProbe < PROBE_EVERY_MS) {
      return; // already told; ask the server now and then, not on every tick
    }
    lastProbe = now;
    probing = true;
    let answer;
    try {
      answer = await probe(config);
    } finally {
      probing = false;
    }
    if (stopped || waitingSince === null) {
      return; // answered meanwhile
    }
    const waitedNow = Date.now() - waitingSince;
    if (answer === "down") {
      setState("lost");
    } else if (state === "lost" || state === "back") {
      setState("back");
    } else if (answer === "gone") {
      setState("ended");
    } else if (answer === "busy") {
      if (waitedNow >= (model.get("busy_lost_after_ms") || 60000)) {
        setState("ended");
      }
    } else if (waitedNow >= (model.get("lost_after_ms") || 8000)) {
      setState("ended");
    }
  };

  // Where the widget manager shares the page's kernel connection (Voila's
  // does), its news comes sooner than a ping can tell: a restarted or dead
  // kernel no longer holds this page's widgets, and a dropped websocket is
  // worth asking the server about at once. The pings stay the rule.
  let quickProbe = false;
  const signals = [];
  try {
    const kernel = model.widget_manager && model.widget_manager.kernel;
    const watchSignal = (signal, fn) => {
      if (signal && typeof signal.connect === "function") {
        signal.connect(fn);
        signals.push(() => signal.disconnect(fn));
      }
    };
    if (kernel) {
      watchSignal(kernel.statusChanged, (_sender, status) => {
        if (status === "restarting" || status === "autorestarting" || status === "dead") {
          setState("ended");
        }
      });
      watchSignal(kernel.connectionStatusChanged, (_sender, status) => {
        if (status !== "connected") {
          quickProbe = true;
          if (waitingSince === null) {
            ping();
          }
        }
      });
    }
  } catch (_) {
    // no such connection here: the pings alone tell
  }

  const timer = setInterval(check, CHECK_EVERY_MS);
  const onOffline = () => setState("lost");
  const onWake = () => {
    if (document.visibilityState !== "hidden") {
      check();
    }
  };
  globalThis.addEventListener("offline", onOffline);
  globalThis.addEventListener("online", onWake);
  document.addEventListener("visibilitychange", onWake);
  ping();

  return {
    get state() {
      return state;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const disconnect of signals) {
        disconnect();
      }
      model.off("msg:custom", onMessage);
      globalThis.removeEventListener("offline", onOffline);
      globalThis.removeEventListener("online", onWake);
      document.removeEventListener("visibilitychange", onWake);
    },
  };
}

export default {
  initialize({ model }) {
    // One watch per page, whichever keeper's widget comes first.
    if (globalThis.__advocacyLabConnection) {
      return undefined;
    }
    const watch = createWatch(model);
    globalThis.__advocacyLabConnection = watch;
    return () => {
      watch.stop();
      if (globalThis.__advocacyLabConnection === watch) {
        delete globalThis.__advocacyLabConnection;
      }
    };
  },

  render({ el }) {
    // Nothing to show here: the banner is drawn at the top of the page when needed.
    el.hidden = true;
  },
};
