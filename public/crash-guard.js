// The crash guard: plain JavaScript, so it still works after the WebAssembly has
// trapped or run out of memory and can no longer run any Rust. The Rust side hands
// it a copy of the user's files after every save; when the wasm stops, it shows the
// crash banner with those files as a download and in a read-only text box.

// A JSON array of {name, text}, or a saved workspace record: the object the
// database stores, with such an array as `files`.
let remembered = '[]';
let crashed = false;

/** Installs the window listeners once. Called first thing by the wasm `start`. */
export function installCrashGuard() {
  window.addEventListener('error', (event) => {
    const error = event.error;
    // A ResizeObserver loop notice is harmless and is not the app stopping.
    if (String(event.message || '').includes('ResizeObserver')) return;
    showCrashBanner(describe(error, event.message));
  });
  window.addEventListener('unhandledrejection', (event) => {
    showCrashBanner(describe(event.reason, 'a promise failed'));
  });
}

/** Keeps the latest saved files outside the wasm heap: a JSON array of {name, text},
 * parsed only when the banner needs it. */
export function rememberFiles(filesJson) {
  remembered = filesJson;
}

/** Makes a saved workspace record, the object whose JSON serde would read, from
 * the record without its files (`headJson`) and the files' names and texts one
 * after the other; remembers it and returns it for the database, which stores the
 * object as it is. Nothing escapes the texts: at 100,000 pods, `JSON.stringify`
 * of the record was most of a save's 160 ms task (issue #9). */
export function rememberSavedRecord(headJson, namesAndTexts) {
  const record = JSON.parse(headJson);
  record.files = [];
  for (let i = 0; i < namesAndTexts.length; i += 2) record.files.push({ name: namesAndTexts[i], text: namesAndTexts[i + 1] });
  remembered = record;
  return record;
}

/** The JSON of a saved record as the database gives it back: the object
 * `rememberSavedRecord` made, or the JSON string that earlier versions stored. */
export function recordJson(record) {
  // Whatever else is stored reads as unreadable text, not as an exception.
  return typeof record === 'string' ? record : JSON.stringify(record) ?? '';
}

/** Whether the banner is already up: after a crash, the app stops saving over the good copy. */
export function hasCrashed() {
  return crashed;
}

/** Shows the banner; the Rust panic hook calls this too, with the panic message. */
export function showCrashBanner(message) {
  if (crashed) return;
  crashed = true;
  console.error(`kubetopo stopped: ${message}`);
  let banner = document.getElementById('panic-banner');
  if (!banner) {
    banner = document.createElement('div');
    banner.id = 'panic-banner';
    banner.setAttribute('role', 'alert');
    document.body.prepend(banner);
  }
  const messageElement = banner.querySelector('#panic-message');
  if (messageElement) messageElement.textContent = message;
  else banner.append(document.createTextNode(`kubetopo stopped: ${message}`));
  banner.append(rescuePanel());
  banner.removeAttribute('hidden');
  // The editor no longer reaches the engine: stop the user typing into a dead page.
  for (const textarea of document.querySelectorAll('[data-testid="editor"]')) textarea.readOnly = true;
}

function describe(error, fallback) {
  if (error && error.name && error.message) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  return String(fallback || 'unknown error');
}

/** The user's text, joined into one YAML stream with a comment naming each file. */
function rescuedText() {
  let files = [];
  try {
    const value = typeof remembered === 'string' ? JSON.parse(remembered) : remembered;
    files = Array.isArray(value) ? value : value.files || [];
  } catch { files = []; }
  return files.map((file) => `# ---- file: ${file.name} ----\n${file.text}`).join('\n---\n');
}

function rescuePanel() {
  const text = rescuedText();
  const panel = document.createElement('div');
  panel.className = 'crash-rescue';
  panel.dataset.testid = 'crash-rescue';
  const note = document.createElement('p');
  note.textContent = text
    ? 'Your text is safe: download it, or copy it from the box below, before you reload.'
    : 'Nothing had been typed or saved in this tab yet.';
  panel.append(note);
  if (text) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'text/yaml' }));
    link.download = 'kubetopo-rescued.yaml';
    link.textContent = `Download your text (${Math.round(text.length / 1024)} KB)`;
    link.dataset.testid = 'crash-download';
    panel.append(link);
    const box = document.createElement('textarea');
    box.readOnly = true;
    box.dataset.testid = 'crash-text';
    box.setAttribute('aria-label', 'Your text, read-only');
    // A multi-megabyte text box would freeze the page again; the download has all of it.
    const shown = 200 * 1024;
    box.value = text.length > shown ? `${text.slice(0, shown)}\n# … cut here: the download has all ${text.length} characters` : text;
    panel.append(box);
  }
  return panel;
}
