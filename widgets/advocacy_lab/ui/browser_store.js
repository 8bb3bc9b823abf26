// Advocacy Lab: learners' drafts kept in this browser's localStorage.
//
// The Python side (advocacy_lab/ui/drafts.py, BrowserDraftStore) cannot read
// localStorage itself, so on start this module sends every saved draft to
// Python through the synced `stored` trait, and then carries out the
// save/delete/clear/put_aside messages Python sends. Records are opaque JSON
// text here: Python encodes and checks them (one format for every store).
// Nothing in here may throw: storage can be blocked (private browsing,
// policies) or full, and the learner must be told, not left with a broken page.

const PUT_ASIDE_PREFIX = "advocacy-lab:drafts-put-aside:";

function errorKind(error) {
  const name = (error && error.name) || "";
  const code = error && error.code;
  if (
    name === "QuotaExceededError" ||
    name === "NS_ERROR_DOM_QUOTA_REACHED" ||
    code === 22 ||
    code === 1014
  ) {
    return "quota";
  }
  if (name === "SecurityError") {
    return "blocked";
  }
  return "error";
}

function errorText(error) {
  try {
    return String((error && (error.message || error.name)) || error).slice(0, 300);
  } catch (_) {
    return "unknown error";
  }
}

function openStorage() {
  // Reading window.localStorage itself throws when storage is blocked.
  try {
    const storage = globalThis.localStorage;
    if (!storage) {
      return { storage: null, problem: "unavailable", detail: "no localStorage" };
    }
    const probe = "advocacy-lab:probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return { storage, problem: "", detail: "" };
  } catch (error) {
    return { storage: null, problem: "unavailable", detail: errorText(error) };
  }
}

function readAll(storage, prefix) {
  const found = {};
  const names = [];
  for (let i = 0; i < storage.length; i += 1) {
    const name = storage.key(i);
    if (typeof name === "string" && name.startsWith(prefix)) {
      names.push(name);
    }
  }
  for (const name of names) {
    const text = storage.getItem(name);
    if (typeof text === "string") {
      found[name.slice(prefix.length)] = text;
    }
  }
  return found;
}

function stamp() {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

function handle(storage, prefix, msg) {
  const key = typeof msg.key === "string" ? msg.key : null;
  switch (msg.op) {
    case "save":
      if (key !== null && typeof msg.value === "string") {
        storage.setItem(prefix + key, msg.value);
      }
      return;
    case "delete":
      if (key !== null) {
        storage.removeItem(prefix + key);
      }
      return;
    case "clear":
      for (const name of Object.keys(readAll(storage, prefix))) {
        storage.removeItem(prefix + name);
      }
      return;
    case "put_aside": {
      // Never drop an unreadable draft: copy it aside first, then remove it.
      if (key === null) {
        return;
      }
      const text = storage.getItem(prefix + key);
      if (text === null) {
        return;
      }
      let aside = PUT_ASIDE_PREFIX + stamp() + ":" + key;
      for (let n = 1; storage.getItem(aside) !== null; n += 1) {
        aside = PUT_ASIDE_PREFIX + stamp() + "." + n + ":" + key;
      }
      storage.setItem(aside, text);
      storage.removeItem(prefix + key);
      return;
    }
    default:
      return;
  }
}

export default {
  initialize({ model }) {
    const prefix = model.get("namespace") || "advocacy-lab:drafts:";
    const opened = openStorage();
    const storage = opened.storage;
    let stored = {};
    let problem = opened.problem;
    let detail = opened.detail;
    if (storage) {
      try {
        stored = readAll(storage, prefix);
      } catch (error) {
        problem = "unreadable";
        detail = errorText(error);
      }
    }
    try {
      model.set("available", Boolean(storage));
      model.set("problem", problem);
      model.set("problem_detail", detail);
      model.set("stored", stored);
      model.set("loaded", true);
      model.save_changes();
    } catch (error) {
      console.error("advocacy-lab drafts: could not report saved drafts", error);
    }

    const onMessage = (msg) => {
      if (!msg || typeof msg !== "object" || typeof msg.op !== "string") {
        return;
      }
      if (!storage) {
        model.send({ op: "error", kind: "unavailable", key: msg.key || null, action: msg.op, message: detail });
        return;
      }
      try {
        handle(storage, prefix, msg);
      } catch (error) {
        model.send({
          op: "error",
          kind: errorKind(error),
          key: typeof msg.key === "string" ? msg.key : null,
          action: msg.op,
          message: errorText(error),
        });
      }
    };
    model.on("msg:custom", onMessage);
    return () => model.off("msg:custom", onMessage);
  },

  render({ el }) {
    // Nothing to show: the DraftKeeper shows the status line.
    el.hidden = true;
  },
};
