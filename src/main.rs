use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = sdsl::cli::Cli::parse();
    match sdsl::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("error: {e}");
            for cause in e.chain().skip(1) {
                eprint!(": {cause}");
            }
            eprintln!();
            ExitCode::FAILURE
        }
    }
}
