// Advocacy Lab: the campaign plan's downloads, built when the learner clicks.
//
// The files are not in the page: carrying them as data: links cost every visit
// ~45 KB. A click asks the kernel for that one file (anywidget's invoke, answered
// by PlanDownloads.build in advocacy_lab/ui/plan.py) and sends what the plan's
// own fields show at that moment (`sources`: field id -> DOM class), so the file
// carries what the learner sees even before the kernel has heard the last
// keystroke. The bytes come back as a binary buffer and leave as a Blob URL.
// Progress and failures are said in a live region, in the page's language
// (`texts`, the catalogue's plan.download.* sentences).

function screenValues(el, sources) {
  const scope = (el.closest && el.closest(".al-plan-view")) || document;
  const values = {};
  for (const [fieldId, cls] of Object.entries(sources || {})) {
    const root = scope.querySelector("." + CSS.escape(cls)) || document.querySelector("." + CSS.escape(cls));
    const input = root ? root.querySelector("input, textarea") : null;
    if (input && typeof input.value === "string") {
      values[fieldId] = input.value;
    }
  }
  return values;
}

function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function save(bytes, name, mime) {
  const url = URL.createObjectURL(new Blob(bytes, { type: mime }));
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Some browsers read the Blob after click() returns: let it go a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export default {
  render({ model, el, experimental }) {
    const list = document.createElement("ul");
    list.className = "al-download-list";
    const status = document.createElement("p");
    status.className = "al-download-status";
    status.setAttribute("role", "status"); // polite: said once the reader is free
    el.append(list, status);
    const pending = new Set();

    const say = (key, values, problem) => {
      status.textContent = fill((model.get("texts") || {})[key], values);
      status.classList.toggle("al-download-problem", Boolean(problem));
    };

    const ask = async (format, kind) => {
      if (pending.has(format)) {
        return; // one file at a time per format: a double click gives one download
      }
      pending.add(format);
      const link = list.querySelector(".al-download-" + format + " a");
      if (link) {
        link.setAttribute("aria-busy", "true");
      }
      say("preparing", { format: kind });
      try {
        const [answer, buffers] = await experimental.invoke(
          "build",
          { format, screen: screenValues(el, model.get("sources")) },
          { signal: AbortSignal.timeout(model.get("wait_ms") || 30000) }
        );
        if (answer && answer.ok && buffers && buffers.length) {
          save(buffers, answer.name, answer.mime);
          say("ready", { format: kind, name: answer.name });
        } else {
          status.textContent = (answer && answer.message) || fill((model.get("texts") || {})["failed"], { format: kind });
          status.classList.add("al-download-problem");
        }
      } catch (_) {
        // No answer in time: the kernel is gone or the connection is lost.
        say("no_answer", { format: kind }, true);
      } finally {
        pending.delete(format);
        if (link) {
          link.removeAttribute("aria-busy");
        }
      }
    };

    const draw = () => {
      list.replaceChildren();
      // Each format: {format: "docx", label: "Download Word (.docx)", kind: "Word (.docx)"}.
      for (const { format, label, kind } of model.get("formats") || []) {
        const item = document.createElement("li");
        item.className = "al-download-" + format;
        const link = document.createElement("a");
        link.className = "al-download-link";
        link.href = "#";
        link.textContent = label;
        link.addEventListener("click", (event) => {
          event.preventDefault();
          ask(format, kind);
        });
        item.append(link);
        list.append(item);
      }
    };
    draw();
    model.on("change:formats", draw);
    return () => model.off("change:formats", draw);
  },
};
