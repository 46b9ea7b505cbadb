use clap::Parser;
use std::process::ExitCode;

/// Whether the command line asks for JSON output (errors then go to stderr
/// as one JSON object).
fn wants_json() -> bool {
    std::env::args_os().any(|a| a == "--json")
}

/// The error's message with each cause added once: a cause whose text the
/// message already contains (e.g. an I/O error quoted in its context) is not
/// repeated.
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

/// `{"error": {"kind", "message", "path", "row", "column"}, "warnings": […]}`;
/// absent fields are null.
fn json_error(e: &anyhow::Error) -> String {
    let lib = e.chain().find_map(|c| c.downcast_ref::<sdsl::SdslError>());
    let value = serde_json::json!({
        "error": {
            "kind": lib.map(|l| l.kind()).unwrap_or("error"),
            "message": message(e),
            "path": lib.and_then(|l| l.path()),
            "row": lib.and_then(|l| l.row()),
            "column": lib.and_then(|l| l.column()),
        },
        "warnings": sdsl::cli::take_warnings(),
    });
    value.to_string()
}

/// Reports a failed run on stderr (one JSON object with `--json`) and
/// returns exit code 1.
fn fail(e: &anyhow::Error, json: bool) -> ExitCode {
    if json {
        eprintln!("{}", json_error(e));
    } else {
        eprintln!("error: {}", message(e));
    }
    ExitCode::FAILURE
}

/// Whether an error (or panic text) is a closed pipe (EPIPE).
fn is_broken_pipe(text: &str) -> bool {
    text.contains("Broken pipe") || text.contains("os error 32")
}

fn main() -> ExitCode {
    let json = wants_json();
    if json {
        // stderr then carries exactly one JSON object (or nothing)
        sdsl::cli::collect_warnings();
    }
    // `println!` panics with "failed printing to stdout: …" when a write to
    // stdout fails. A closed stdout (`sdsl nstar table | head -1`, EPIPE)
    // ends the process quietly with exit 0; any other failure (a full disk,
    // /dev/full, an I/O error) is an error: exit 1 with the reason, never a
    // silent success.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") {
            if is_broken_pipe(text) {
                std::process::exit(0);
            }
            let e = anyhow::anyhow!(
                "writing the output to stdout: {}; the output is incomplete (free space or choose another destination)",
                text.trim_start_matches("failed printing to stdout: ")
            );
            let _ = fail(&e, json);
            std::process::exit(1);
        }
        default_hook(info);
    }));
    let cli = match sdsl::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if json && e.use_stderr() {
                let value = serde_json::json!({
                    "error": {"kind": "usage", "message": e.to_string().trim_end(),
                              "path": null, "row": null, "column": null},
                    "warnings": [],
                });
                eprintln!("{value}");
                return ExitCode::from(2);
            }
            e.exit();
        }
    };
    let result = sdsl::cli::run(cli).and_then(|()| {
        // what is still buffered must reach its destination too
        use std::io::Write;
        match std::io::stdout().flush() {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::Error::new(e)
                .context("writing the output to stdout; the output is incomplete (free space or choose another destination)")),
            _ => Ok(()),
        }
    });
    match result {
        Ok(()) => {
            let warnings = sdsl::cli::take_warnings();
            if json && !warnings.is_empty() {
                eprintln!("{}", serde_json::json!({ "warnings": warnings }));
            }
            ExitCode::SUCCESS
        }
        // a closed stdout met by a fallible writer: quiet, like the hook
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, json),
    }
}
