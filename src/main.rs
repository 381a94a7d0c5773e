//! The `kubetopo` binary: the CLI natively, the web app in the browser.

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // Arguments that are not UTF-8 are replaced, not a panic: a mangled file name
    // then fails to open with a clear message.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    // Buffered: the JSON is streamed in small pieces. `cli::run` flushes it and
    // reports a write error itself, so nothing is lost silently when this drops.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let status = kubetopo::cli::run(&args, &mut stdout, &mut std::io::stderr().lock());
    std::process::exit(status);
}

#[cfg(target_arch = "wasm32")]
fn main() {
    kubetopo::web::start();
}
