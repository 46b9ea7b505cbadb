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

/// `{"error": {"kind", "message", "path", "row", "column"}}`; absent fields
/// are null.
fn json_error(e: &anyhow::Error) -> String {
    let lib = e.chain().find_map(|c| c.downcast_ref::<sdsl::SdslError>());
    let value = serde_json::json!({
        "error": {
            "kind": lib.map(|l| l.kind()).unwrap_or("error"),
            "message": message(e),
            "path": lib.and_then(|l| l.path()),
            "row": lib.and_then(|l| l.row()),
            "column": lib.and_then(|l| l.column()),
        }
    });
    value.to_string()
}

fn main() -> ExitCode {
    // A closed stdout (`sdsl nstar table | head -1`) ends the process quietly
    // with exit 0: `println!` panics with "failed printing to stdout" on a
    // broken pipe, and this hook turns exactly that panic into an exit.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let json = wants_json();
    let cli = match sdsl::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if json && e.use_stderr() {
                let value = serde_json::json!({
                    "error": {"kind": "usage", "message": e.to_string().trim_end(),
                              "path": null, "row": null, "column": null}
                });
                eprintln!("{value}");
                return ExitCode::from(2);
            }
            e.exit();
        }
    };
    match sdsl::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", json_error(&e));
            } else {
                eprintln!("error: {}", message(&e));
            }
            ExitCode::FAILURE
        }
    }
}
