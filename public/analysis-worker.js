// The analysis worker: parses the editor's files off the page's main thread, so that
// typing, panning and searching stay fluid while a large paste is read (issue #9).
//
// It runs the same wasm module as the page (no second binary): the page
// (public/worker-host.js) first sends the hashed URLs of the wasm-bindgen loader and
// of the module, then requests { serial, names, texts }. The answer is the parsed
// documents as bytes (engine::codec), transferred without a copy: parts of a few
// hundred documents as they are parsed, so that the page reads one while this
// parses the next, then the rest; plus progress notes on the way. The wasm's start
// sees that it runs in a worker and mounts no app.
let wasm = null;
let loader = null;

self.onmessage = async ({ data }) => {
  if (data.glue) {
    loader = import(data.glue).then(async (glue) => {
      wasm = await glue.default({ module_or_path: data.wasm });
      return glue;
    });
    // A worker that cannot start says so once; the page then analyses by itself.
    loader.catch((error) => self.postMessage({ serial: 0, failed: `the worker could not start: ${error}` }));
    return;
  }
  let glue;
  try {
    glue = await loader;
  } catch {
    return;
  }
  const { serial, names, texts } = data;
  try {
    // Progress goes out about a hundred times per file at most, as the words the
    // page shows (formatted here, which costs the wasm nothing); the page decides
    // whether it is worth showing.
    let last = -1;
    const progress = (fileIndex, nFiles, nRead, nDocuments) => {
      const step = Math.floor((nRead * 100) / Math.max(1, nDocuments));
      if (step === last && nRead !== nDocuments) return;
      last = step;
      const file = nFiles > 1 ? ` of file ${fileIndex + 1} of ${nFiles}` : '';
      const count = (n) => n.toLocaleString('en');
      self.postMessage({ serial, progress: `Reading documents${file}: ${count(nRead)} of ${count(nDocuments)}. You can keep working.` });
    };
    const part = (bytes) => self.postMessage({ serial, part: bytes }, [bytes.buffer]);
    const bytes = glue.kubetopo_parse_in_worker(names, texts, progress, part);
    self.postMessage({ serial, bytes, memory: wasm.memory.buffer.byteLength }, [bytes.buffer]);
  } catch (error) {
    // A trap (out of memory, a bug) leaves this instance unusable: the page stops
    // this worker and analyses the input itself.
    self.postMessage({ serial, failed: String(error) });
  }
};
