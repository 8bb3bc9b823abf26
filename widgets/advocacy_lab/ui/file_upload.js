// Advocacy Lab: a file the learner uploads (their page's post export), checked before it is sent.
//
// ipywidgets' FileUpload sends the whole file in one websocket message; under the
// course's server a message may be at most 1 MiB, and a larger one closes the
// page's connection. Here the browser checks the size first and says, in the
// page's language, what to do instead; a file within the limit goes to the kernel
// as one binary buffer (anywidget's invoke "receive", answered by FileUpload.receive
// in advocacy_lab/ui/file_upload.py), whose answer is said in a live region.

function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function megabytes(size) {
  return (size / 1024 / 1024).toFixed(1);
}

let counter = 0;

export default {
  render({ model, el, experimental }) {
    counter += 1;
    const id = "al-upload-" + counter;
    const label = document.createElement("label");
    label.setAttribute("for", id);
    label.className = "al-upload-label";
    const input = document.createElement("input");
    input.type = "file";
    input.id = id;
    input.className = "al-upload-input";
    const status = document.createElement("p");
    status.className = "al-upload-status";
    status.setAttribute("role", "status");
    el.append(label, input, status);

    const words = () => model.get("texts") || {};
    const say = (message, problem) => {
      status.textContent = message;
      status.classList.toggle("al-upload-problem", Boolean(problem));
    };
    const draw = () => {
      label.textContent = model.get("label") || "";
      input.accept = model.get("accept") || "";
    };
    draw();
    model.on("change:label", draw);
    model.on("change:accept", draw);

    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) {
        return;
      }
      const limit = model.get("max_bytes") || 0;
      if (file.size > limit) {
        say(fill(words().too_large, { name: file.name, size: megabytes(file.size), limit: megabytes(limit) }), true);
        input.value = "";
        return; // never sent: it would close the page's connection
      }
      say(fill(words().reading, { name: file.name }), false);
      input.disabled = true;
      try {
        const bytes = await file.arrayBuffer();
        const [answer] = await experimental.invoke(
          "receive",
          { name: file.name, size: file.size },
          { buffers: [bytes], signal: AbortSignal.timeout(model.get("wait_ms") || 60000) }
        );
        say((answer && answer.message) || fill(words().failed, { name: file.name }), !(answer && answer.ok));
      } catch (_) {
        say(fill(words().failed, { name: file.name }), true);
      } finally {
        input.disabled = false;
        input.value = ""; // the same file can be chosen again after a fix
      }
    });
  },
};
