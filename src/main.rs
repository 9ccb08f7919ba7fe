//! The `thematic` command line: a thin layer over the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The isolated PDF reader is this executable run with a hidden first argument.
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some(thematic::corpus::pdf::EXTRACTOR_ARG) {
        return ExitCode::from(thematic::corpus::pdf::run_extractor(&raw[1..]) as u8);
    }
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        // A closed pipe (`thematic … | head`) is the reader's choice, not a failure.
        Err(err)
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            // Library errors carry their own located, multi-line explanation.
            let top = err.to_string();
            eprintln!("error: {top}");
            // Library errors already name their cause; show only what they leave out.
            for cause in err.chain().skip(1) {
                let cause = cause.to_string();
                if !top.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                }
            }
            ExitCode::FAILURE
        }
    }
}
