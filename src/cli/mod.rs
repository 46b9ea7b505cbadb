//! Command-line interface: clap derive, one file per subcommand. Each
//! subcommand converts its arguments once into validated library values.

pub mod nstar;
pub mod predict;
pub mod speedup;

use clap::{Parser, Subcommand};

/// sdsl — speculative decoding scaling laws: how large should the draft
/// model for a target be?
#[derive(Debug, Parser)]
#[command(name = "sdsl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Throughput-optimal draft size N* for a target model.
    Predict(predict::PredictArgs),
    /// Speed-up of speculative decoding at an acceptance rate and cost ratio.
    Speedup(speedup::SpeedupArgs),
    /// N* for the registry, and the N* linear law.
    #[command(subcommand)]
    Nstar(nstar::NstarCommand),
}

/// Runs the parsed command, printing to stdout.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Predict(a) => predict::run(a),
        Command::Speedup(a) => speedup::run(a),
        Command::Nstar(c) => nstar::run(c),
    }
}

/// clap value parser: a finite number > 0 (accepts 1e9-style notation).
pub fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} must be a finite number > 0"))
    }
}

/// clap value parser: a number strictly between 0 and 1.
pub fn unit_open(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} must lie strictly between 0 and 1"))
    }
}

/// Prints a serialisable value as one pretty JSON object.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Formats a count of parameters or tokens compactly (e.g. 117.3M, 12.85B).
pub fn si(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let digits = format!("{:.4}", v / d);
    let digits = if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        &digits
    };
    format!("{digits}{s}")
}
