// Advocacy Lab: learners' drafts kept in this browser's localStorage.
//
// The Python side (advocacy_lab/ui/drafts.py, BrowserDraftStore) cannot read
// localStorage itself, so on start this module sends every saved draft to
// Python, and then carries out the save/delete/clear/put_aside/keep_aside
// messages Python sends. Records are JSON text here: Python encodes and
// checks them (one format for every store).
//
// The server refuses a websocket message from the page above 1 MiB (and
// closes the connection), yet a learner may keep megabytes here. So no
// message to the kernel carries more than PART_BYTES of JSON: saved drafts and
// journal that fit go in one update of the synced traits (`stored`,
// `journal`, `loaded`); more go one by one ("load_draft", "load_entry", then
// "load_done"), and any larger message in parts ("part"). The kernel puts
// them back together (advocacy_lab.core.drafts: MessageParts, DraftsArrival)
// and sets `loaded` once all have arrived; a page that is not loaded when the
// connection comes back sends them again.
//
// Two more jobs need no kernel at all, because the kernel may be gone (server
// restarted, connection lost, kernel killed):
//
// * The journal. Every learner field (DOM class `al-field` plus
//   `al-fid-<draft key#name>`, described in the synced `fields` trait) is
//   written to this page's journal in localStorage on every input/change
//   event. The next page load sends every journal to Python (`journal`),
//   which merges it over the drafts (advocacy_lab.core.drafts.apply_journal).
//   An entry is dropped once a saved draft holds its value.
// * Merging by field. A save carries the fields it changed (`changes`, each
//   with the value it replaced). They are applied over the record stored
//   now, so two tabs of one module never write a whole stale record over
//   each other; a text someone else changed meanwhile is kept aside and
//   reported (op "conflict").
//
// It also caps text fields at `max_chars` (maxlength). (The plan's downloads
// carry what the fields show by sending it with the click: plan_downloads.js.)
//
// Nothing in here may throw: storage can be blocked (private browsing,
// policies) or full, and the learner must be told, not left with a broken page.

const PUT_ASIDE_PREFIX = "advocacy-lab:drafts-put-aside:";
// A page that has not marked its journal for this long is gone (closed, crashed).
const JOURNAL_STALE_MS = 60000;
const JOURNAL_REFRESH_MS = 15000;
// Most UTF-8 bytes of JSON in one message to the kernel (advocacy_lab.core.drafts.PART_BYTES):
// a quarter of the server's cap, leaving room for the message's envelope.
const PART_BYTES = 256 * 1024;
const PART_ROOM = 1024; // for a part's own fields around its piece of text

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

function names(storage, prefix) {
  const found = [];
  for (let i = 0; i < storage.length; i += 1) {
    const name = storage.key(i);
    if (typeof name === "string" && name.startsWith(prefix)) {
      found.push(name);
    }
  }
  return found;
}

function readAll(storage, prefix) {
  const found = {};
  for (const name of names(storage, prefix)) {
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

function parseRecord(text) {
  if (typeof text !== "string") {
    return null;
  }
  try {
    const record = JSON.parse(text);
    if (record && typeof record === "object" && record.data && typeof record.data === "object" && !Array.isArray(record.data)) {
      return record;
    }
  } catch (_) {
    // unreadable: Python puts it aside when the page loads
  }
  return null;
}

// ---------------------------------------------------------------- messages to the kernel

const encoder = new TextEncoder();

function jsonBytes(value) {
  return encoder.encode(JSON.stringify(value)).length;
}

function isHighSurrogate(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

// `text` cut into pieces of at most `maxBytes` bytes each once written as a
// JSON string (escapes counted), never between the two halves of a surrogate
// pair (the kernel would join two halves into two broken characters).
function cutText(text, maxBytes) {
  const pieces = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxBytes);
    for (;;) {
      if (end < text.length && end - start > 1 && isHighSurrogate(text.charCodeAt(end - 1))) {
        end -= 1;
      }
      const size = jsonBytes(text.slice(start, end));
      if (size <= maxBytes || end - start <= 1) {
        break;
      }
      end = start + Math.max(1, Math.floor(((end - start) * maxBytes) / size) - 1);
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

// Sends a message whole when its JSON fits in PART_BYTES, else in parts:
// {"op": "part", "id", "index", "count", "text"}, all of one message together.
class Outbox {
  constructor(model) {
    this.model = model;
    this.lastId = 0;
  }

  send(msg) {
    const text = JSON.stringify(msg);
    if (encoder.encode(text).length <= PART_BYTES) {
      this.model.send(msg);
      return;
    }
    this.lastId += 1;
    const id = this.lastId;
    const pieces = cutText(text, PART_BYTES - PART_ROOM);
    pieces.forEach((piece, index) => {
      this.model.send({ op: "part", id, index, count: pieces.length, text: piece });
    });
  }
}

// ---------------------------------------------------------------- fields by path
// The same rules as advocacy_lab/core/drafts.py (apply_changes, journal_matches).

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function same(a, b) {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
  }
  return false;
}

function validPath(path) {
  return Array.isArray(path) && path.length > 0 && path.length <= 64 && path.every((p) => typeof p === "string");
}

function valueAt(data, path) {
  let node = data;
  for (const part of path) {
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, part)) {
      return { found: false, value: undefined };
    }
    node = node[part];
  }
  return { found: true, value: node };
}

function setAt(data, path, value) {
  let node = data;
  for (const part of path.slice(0, -1)) {
    if (!isObject(node[part])) {
      node[part] = {};
    }
    node = node[part];
  }
  node[path[path.length - 1]] = JSON.parse(JSON.stringify(value));
}

function deleteAt(data, path) {
  const parent = valueAt(data, path.slice(0, -1));
  if (parent.found && isObject(parent.value)) {
    delete parent.value[path[path.length - 1]];
  }
}

function applyChanges(data, changes) {
  const result = JSON.parse(JSON.stringify(isObject(data) ? data : {}));
  const conflicts = [];
  for (const change of changes) {
    if (!isObject(change) || !validPath(change.path)) {
      continue;
    }
    const deleting = change.delete === true;
    if (!deleting && !Object.prototype.hasOwnProperty.call(change, "value")) {
      continue;
    }
    const current = valueAt(result, change.path);
    if (current.found) {
      const expected = Object.prototype.hasOwnProperty.call(change, "base") && same(current.value, change.base);
      const already = !deleting && same(current.value, change.value);
      if (!(expected || already) && typeof current.value === "string" && current.value.trim()) {
        conflicts.push({ path: change.path, other: current.value });
      }
    }
    if (deleting) {
      deleteAt(result, change.path);
    } else {
      setAt(result, change.path, change.value);
    }
  }
  return { data: result, conflicts };
}

function entryMatches(data, entry) {
  const current = valueAt(data, entry.path);
  if (entry.op === "member") {
    const has = current.found && Array.isArray(current.value) && current.value.includes(entry.item);
    return has === entry.value;
  }
  return current.found && same(current.value, entry.value);
}

// ---------------------------------------------------------------- the journal

function newPageId() {
  try {
    if (globalThis.crypto && typeof globalThis.crypto.randomUUID === "function") {
      return globalThis.crypto.randomUUID();
    }
  } catch (_) {
    // fall through
  }
  return String(Date.now()) + "-" + String(Math.random()).slice(2);
}

function readJournal(storage, name) {
  try {
    const journal = JSON.parse(storage.getItem(name));
    if (isObject(journal) && isObject(journal.entries)) {
      return journal;
    }
  } catch (_) {
    // an unreadable journal is of no use; it is removed below
  }
  return null;
}

function journalIsGone(journal, now) {
  return journal.closed === true || typeof journal.alive !== "number" || now - journal.alive > JOURNAL_STALE_MS;
}

class Journal {
  constructor(storage, prefix, recordPrefix) {
    this.storage = storage;
    this.prefix = prefix;
    this.recordPrefix = recordPrefix;
    this.page = newPageId();
    this.name = prefix + this.page;
  }

  // Every entry of every page's journal (for Python, on load).
  all() {
    const entries = [];
    for (const name of names(this.storage, this.prefix)) {
      const journal = readJournal(this.storage, name);
      if (journal === null) {
        continue;
      }
      for (const entry of Object.values(journal.entries)) {
        if (isObject(entry)) {
          entries.push(entry);
        }
      }
    }
    return entries;
  }

  own() {
    const journal = readJournal(this.storage, this.name);
    return journal ? Object.values(journal.entries) : [];
  }

  write(fieldId, entry) {
    const journal = readJournal(this.storage, this.name) || { v: 1, page: this.page, entries: {} };
    const earlier = journal.entries[fieldId];
    if (isObject(earlier)) {
      // The base stays what the field held before this run of edits began.
      if (Object.prototype.hasOwnProperty.call(earlier, "base")) {
        entry.base = earlier.base;
      } else {
        delete entry.base;
      }
    }
    journal.entries[fieldId] = entry;
    journal.alive = Date.now();
    journal.closed = false;
    this.storage.setItem(this.name, JSON.stringify(journal));
  }

  // Drop entries for which `keep(entry, journalIsMine)` is false, in this page's
  // journal and in those of pages that are gone; remove emptied journals.
  prune(keep, { allPages = false } = {}) {
    const now = Date.now();
    for (const name of names(this.storage, this.prefix)) {
      const mine = name === this.name;
      const journal = readJournal(this.storage, name);
      if (journal === null) {
        this.storage.removeItem(name);
        continue;
      }
      if (!mine && !allPages && !journalIsGone(journal, now)) {
        continue; // another open page looks after its own journal
      }
      let changed = false;
      for (const [fieldId, entry] of Object.entries(journal.entries)) {
        if (!isObject(entry) || !keep(entry)) {
          delete journal.entries[fieldId];
          changed = true;
        }
      }
      if (Object.keys(journal.entries).length === 0) {
        this.storage.removeItem(name);
      } else if (changed) {
        this.storage.setItem(name, JSON.stringify(journal));
      }
    }
  }

  // Entries of `key` that the stored record now holds are done.
  settle(key) {
    const record = parseRecord(this.storage.getItem(this.recordPrefix + key));
    if (record === null) {
      return;
    }
    this.prune((entry) => entry.key !== key || !validPath(entry.path) || !entryMatches(record.data, entry));
  }

  forgetKey(key) {
    this.prune((entry) => entry.key !== key, { allPages: true });
  }

  forgetAll() {
    for (const name of names(this.storage, this.prefix)) {
      this.storage.removeItem(name);
    }
  }

  markAlive(closed = false) {
    const journal = readJournal(this.storage, this.name);
    if (journal === null) {
      return;
    }
    journal.alive = Date.now();
    journal.closed = closed;
    this.storage.setItem(this.name, JSON.stringify(journal));
  }
}

// ---------------------------------------------------------------- fields on the page

const FIELD_CLASS = "al-field";
const FIELD_ID_PREFIX = "al-fid-";

function fieldRoot(target) {
  return target && typeof target.closest === "function" ? target.closest("." + FIELD_CLASS) : null;
}

function fieldIdOf(root) {
  for (const name of root.classList) {
    if (name.startsWith(FIELD_ID_PREFIX)) {
      try {
        return decodeURIComponent(name.slice(FIELD_ID_PREFIX.length));
      } catch (_) {
        return null;
      }
    }
  }
  return null;
}

function fieldElement(fieldId) {
  const cls = FIELD_ID_PREFIX + encodeURIComponent(fieldId).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return document.getElementsByClassName(cls)[0] || null;
}

// What a field holds, in the terms of the draft's data (null: nothing to record).
function fieldReading(spec, root, target) {
  if (spec.kind === "text") {
    const input = target && typeof target.value === "string" ? target : root.querySelector("textarea, input");
    return input && typeof input.value === "string" ? { op: "set", value: input.value } : null;
  }
  if (spec.kind === "flag" || spec.kind === "member") {
    const box = root.querySelector('input[type="checkbox"]');
    if (!box) {
      return null;
    }
    return spec.kind === "flag"
      ? { op: "set", value: Boolean(box.checked) }
      : { op: "member", item: spec.item, value: Boolean(box.checked) };
  }
  if (spec.kind === "choice") {
    const choices = Array.isArray(spec.choices) ? spec.choices : [];
    let index = -1;
    const select = root.querySelector("select");
    if (select) {
      index = select.selectedIndex;
    } else {
      const picked = root.querySelector('input[type="radio"]:checked');
      index = picked ? parseInt(picked.value, 10) : -1;
    }
    return index >= 0 && index < choices.length ? { op: "set", value: choices[index] } : null;
  }
  return null;
}

function textInputs(root) {
  return root.querySelectorAll(
    '.al-field textarea:not([maxlength]), .al-field input[type="text"]:not([maxlength]), .al-field input:not([type]):not([maxlength])'
  );
}

// ---------------------------------------------------------------- messages from Python

function keepAside(storage, key, text) {
  let aside = PUT_ASIDE_PREFIX + stamp() + ":" + key;
  for (let n = 1; storage.getItem(aside) !== null; n += 1) {
    aside = PUT_ASIDE_PREFIX + stamp() + "." + n + ":" + key;
  }
  storage.setItem(aside, text);
}

// Carries out one message; returns the conflicts of a save ([] otherwise).
function handle(storage, prefix, journal, msg) {
  const key = typeof msg.key === "string" ? msg.key : null;
  switch (msg.op) {
    case "save": {
      if (key === null || typeof msg.value !== "string") {
        return [];
      }
      let text = msg.value;
      let conflicts = [];
      const currentText = storage.getItem(prefix + key);
      if (Array.isArray(msg.changes) && currentText !== null) {
        const current = parseRecord(currentText);
        const incoming = parseRecord(msg.value);
        if (current && incoming) {
          const merged = applyChanges(current.data, msg.changes);
          conflicts = merged.conflicts;
          if (conflicts.length) {
            keepAside(storage, key, currentText); // never write over someone's text without a copy
          }
          incoming.data = merged.data;
          text = JSON.stringify(incoming);
        }
      }
      storage.setItem(prefix + key, text);
      if (journal) {
        journal.settle(key);
      }
      return conflicts;
    }
    case "delete":
      if (key !== null) {
        storage.removeItem(prefix + key);
        if (journal) {
          journal.forgetKey(key); // else "Start over" would bring the old text back
        }
      }
      return [];
    case "clear":
      for (const name of Object.keys(readAll(storage, prefix))) {
        storage.removeItem(prefix + name);
      }
      if (journal) {
        journal.forgetAll();
      }
      return [];
    case "put_aside": {
      // Never drop an unreadable draft: copy it aside first, then remove it.
      if (key === null) {
        return [];
      }
      const text = storage.getItem(prefix + key);
      if (text === null) {
        return [];
      }
      keepAside(storage, key, text);
      storage.removeItem(prefix + key);
      return [];
    }
    case "keep_aside": {
      // A copy only: the draft stays (a part of it could not be shown). Once:
      // the same draft is announced again on every load until it is fixed.
      if (key === null) {
        return [];
      }
      const text = storage.getItem(prefix + key);
      const known = names(storage, PUT_ASIDE_PREFIX).some(
        (name) => name.endsWith(":" + key) && storage.getItem(name) === text
      );
      if (text !== null && !known) {
        keepAside(storage, key, text);
      }
      return [];
    }
    default:
      return [];
  }
}

export default {
  initialize({ model }) {
    // The page's language, decided by the page before the widgets render
    // (window.advocacyLabLang): sent first, so the kernel relabels every widget in it.
    const pageLang =
      typeof window !== "undefined" && typeof window.advocacyLabLang === "string" ? window.advocacyLabLang : "";
    if (pageLang && model.get("lang") !== pageLang) {
      model.set("lang", pageLang);
      model.save_changes();
    }
    const prefix = model.get("namespace") || "advocacy-lab:drafts:";
    const journalPrefix = model.get("journal_prefix") || "advocacy-lab:journal:";
    const opened = openStorage();
    const storage = opened.storage;
    const journal = storage ? new Journal(storage, journalPrefix, prefix) : null;
    const outbox = new Outbox(model);
    const detail = opened.detail;

    const send = (msg) => {
      try {
        outbox.send(msg);
      } catch (_) {
        // the kernel is gone; the connection watch tells the learner
      }
    };

    // Every saved draft and journal entry, to the kernel: in one update when
    // that fits in PART_BYTES, else one by one, then "load_done".
    let transfer = 0;
    const report = () => {
      let stored = {};
      let entries = [];
      let problem = opened.problem;
      let problemDetail = detail;
      if (storage) {
        try {
          stored = readAll(storage, prefix);
          entries = journal.all();
        } catch (error) {
          stored = {};
          entries = [];
          problem = "unreadable";
          problemDetail = errorText(error);
        }
      }
      try {
        const state = {
          available: Boolean(storage),
          problem,
          problem_detail: problemDetail,
          stored,
          journal: entries,
        };
        if (jsonBytes(state) <= PART_BYTES) {
          for (const [name, value] of Object.entries(state)) {
            model.set(name, value);
          }
          model.set("loaded", true);
          model.save_changes();
          return;
        }
        transfer += 1;
        for (const [key, text] of Object.entries(stored)) {
          outbox.send({ op: "load_draft", transfer, key, text });
        }
        for (const entry of entries) {
          outbox.send({ op: "load_entry", transfer, entry });
        }
        outbox.send({
          op: "load_done",
          transfer,
          keys: Object.keys(stored),
          entries: entries.length,
          available: Boolean(storage),
          problem,
          detail: problemDetail,
        });
      } catch (error) {
        console.error("advocacy-lab drafts: could not report saved drafts", error);
      }
    };
    report();
    const reportError = (error, msg) => {
      send({
        op: "error",
        kind: errorKind(error),
        key: typeof msg.key === "string" ? msg.key : null,
        action: msg.op,
        message: errorText(error),
      });
    };

    const onMessage = (msg) => {
      if (!msg || typeof msg !== "object" || typeof msg.op !== "string") {
        return;
      }
      if (!storage) {
        send({ op: "error", kind: "unavailable", key: msg.key || null, action: msg.op, message: detail });
        return;
      }
      try {
        const conflicts = handle(storage, prefix, journal, msg);
        if (conflicts.length) {
          send({ op: "conflict", key: msg.key, conflicts });
        }
      } catch (error) {
        reportError(error, msg);
      }
    };
    model.on("msg:custom", onMessage);

    const cleanups = [() => model.off("msg:custom", onMessage)];
    const listen = (target, type, fn, options) => {
      if (target && typeof target.addEventListener === "function") {
        target.addEventListener(type, fn, options);
        cleanups.push(() => target.removeEventListener(type, fn, options));
      }
    };
    const fields = () => model.get("fields") || {};
    const specOf = (root) => {
      const fieldId = root ? fieldIdOf(root) : null;
      const spec = fieldId ? fields()[fieldId] : null;
      return spec && validPath(spec.path) && typeof spec.key === "string" ? { fieldId, spec } : null;
    };

    if (journal && typeof document !== "undefined") {
      // What a text field showed before the learner's first keystroke: if the
      // stored draft holds something else by the time this is merged, another
      // tab wrote there too, and both texts are kept.
      const before = new Map();
      listen(document, "beforeinput", (event) => {
        const found = specOf(fieldRoot(event.target));
        if (found && found.spec.kind === "text" && typeof event.target.value === "string" && !before.has(found.fieldId)) {
          before.set(found.fieldId, event.target.value);
        }
      }, true);
      const record = (event) => {
        const root = fieldRoot(event.target);
        const found = specOf(root);
        if (!found) {
          return;
        }
        const reading = fieldReading(found.spec, root, event.target);
        if (reading === null) {
          return;
        }
        const entry = { key: found.spec.key, path: found.spec.path, ...reading, at: Date.now() };
        if (reading.op === "set" && found.spec.kind === "text") {
          if (before.has(found.fieldId)) {
            entry.base = before.get(found.fieldId);
          } else {
            const saved = parseRecord(storage.getItem(prefix + found.spec.key));
            const current = saved ? valueAt(saved.data, found.spec.path) : { found: false };
            if (current.found) {
              entry.base = current.value;
            }
          }
        }
        try {
          journal.write(found.fieldId, entry);
        } catch (error) {
          reportError(error, { op: "journal", key: found.spec.key });
        }
        before.delete(found.fieldId);
      };
      listen(document, "input", record, true);
      listen(document, "change", record, true);

      // Another page wrote a draft this page shows: what it saved may settle
      // this page's entries; if it now differs from what this page shows, the
      // module is open in another tab too, and the learner hears so (once).
      // (The plan or landing page folding this page's journal in changes
      // nothing shown here, so it says nothing.)
      const told = new Set();
      const differsFromScreen = (key) => {
        const record = parseRecord(storage.getItem(prefix + key));
        if (record === null) {
          return false;
        }
        return Object.entries(fields()).some(([fieldId, spec]) => {
          const root = spec && spec.key === key && validPath(spec.path) ? fieldElement(fieldId) : null;
          const reading = root ? fieldReading(spec, root, null) : null;
          if (reading === null) {
            return false;
          }
          if (reading.op === "set" && reading.value === "" && !valueAt(record.data, spec.path).found) {
            return false; // an empty field and a draft without it say the same
          }
          return !entryMatches(record.data, { path: spec.path, ...reading });
        });
      };
      listen(globalThis, "storage", (event) => {
        if (!event || typeof event.key !== "string" || !event.key.startsWith(prefix)) {
          return;
        }
        const key = event.key.slice(prefix.length);
        const shown = Object.values(fields()).some((spec) => spec && spec.key === key);
        if (!shown) {
          return;
        }
        try {
          journal.settle(key);
          if (!told.has(key) && differsFromScreen(key)) {
            told.add(key);
            send({ op: "other_tab", key });
          }
        } catch (_) {
          // settled on the next save instead
        }
      });

      // Back in touch with a kernel that lived through the outage: hand it what
      // was typed meanwhile (its widgets may not have heard).
      // A page whose drafts had not all reached the kernel sends them again.
      listen(globalThis, "advocacy-lab:connection", (event) => {
        if (event && event.detail && event.detail.state === "ok" && event.detail.was !== "ok") {
          if (!model.get("loaded")) {
            report();
            return;
          }
          const own = journal.own();
          if (own.length) {
            send({ op: "journal", entries: own });
          }
        }
      });

      const alive = setInterval(() => {
        try {
          journal.markAlive();
        } catch (_) {
          // storage full: the next write reports it
        }
      }, JOURNAL_REFRESH_MS);
      cleanups.push(() => clearInterval(alive));
      listen(globalThis, "pagehide", () => {
        try {
          journal.markAlive(true);
        } catch (_) {
          // nothing to do on the way out
        }
      });
    }

    if (typeof document !== "undefined") {
      // Cap what one field can hold (the kernel checks at most this much), with
      // or without storage: a longer text could also exceed the server's cap on
      // one message from the page.
      const cap = () => {
        const max = model.get("max_chars");
        if (typeof max === "number" && max > 0) {
          for (const input of textInputs(document)) {
            input.setAttribute("maxlength", String(max));
          }
        }
      };
      cap();
      if (typeof MutationObserver === "function" && document.body) {
        let queued = false;
        const observer = new MutationObserver(() => {
          if (!queued) {
            queued = true;
            setTimeout(() => {
              queued = false;
              cap();
            }, 0);
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        cleanups.push(() => observer.disconnect());
      }
    }

    return () => {
      for (const cleanup of cleanups) {
        cleanup();
      }
    };
  },

  render({ el }) {
    // Nothing to show: the DraftKeeper shows the status line.
    el.hidden = true;
  },
};
