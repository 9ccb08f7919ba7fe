//! PDF extraction speed, in MB of PDF per second, for each PDF backend.
//!
//! ```text
//! cargo build --release          # the isolated backend runs the `thematic` binary
//! cargo run --release --example pdf_throughput -- tests/fixtures/ingest [COPIES]
//! ```
//!
//! Reads every readable PDF of the folder COPIES times (default 20; hostile fixtures are left
//! out), on all cores, with each backend available here: pdf-extract in a child process per
//! file (the default, with time and memory limits), pdf-extract in this process, and poppler's
//! `pdftotext` when it is installed. Prints MB of PDF read per second and the text produced.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use thematic::corpus::{Loader, PdfBackend, PdfLoader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(args.next().ok_or("usage: pdf_throughput FOLDER [COPIES]")?);
    let copies: usize = args.next().map_or(Ok(20), |n| n.parse())?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pdf") {
            let bytes = std::fs::read(&path)?;
            // Only files that read: the hostile ones are for the tests, and the child process
            // keeps them from taking this one down.
            if PdfLoader::default().load(&path, bytes.clone()).is_ok() {
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(format!("no readable PDFs in {}", folder.display()).into());
    }
    let work: Vec<&(PathBuf, Vec<u8>)> = (0..copies).flat_map(|_| files.iter()).collect();
    let megabytes = work.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / (1 << 20) as f64;
    println!(
        "{} PDFs × {copies} = {} extractions, {megabytes:.1} MB of PDF, {} threads",
        files.len(),
        work.len(),
        rayon::current_num_threads()
    );
    let mut backends = vec![
        (
            "isolated (child process)",
            PdfBackend::Isolated { extractor: None },
        ),
        ("in-process", PdfBackend::InProcess),
    ];
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
    {
        backends.push((
            "pdftotext",
            PdfBackend::Pdftotext {
                program: "pdftotext".into(),
            },
        ));
    }
    for (name, backend) in backends {
        let loader = PdfLoader::new(backend);
        let started = Instant::now();
        let chars: Result<Vec<usize>, thematic::Error> = work
            .par_iter()
            .map(|(path, bytes)| {
                loader
                    .load(path, bytes.clone())
                    .map(|l| l.text.chars().count())
            })
            .collect();
        let seconds = started.elapsed().as_secs_f64();
        let chars: usize = chars?.iter().sum();
        println!(
            "{name:<26} {:>7.2} MB/s of PDF  {:>8.1} PDFs/s  {:>6.2} s  {} characters of text",
            megabytes / seconds,
            work.len() as f64 / seconds,
            seconds,
            chars
        );
    }
    Ok(())
}
