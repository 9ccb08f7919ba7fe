//! `thematic code`: stream coded segments (or counts) to stdout.
//!
//! Documents are read, coded and written a few at a time, in parallel but in corpus order, so
//! memory stays bounded by the documents in flight, whatever the corpus size.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use thematic::coding::{CountScratch, Counts, RecordWriter};
use thematic::corpus::Skipped;
use thematic::{Codebook, Coder, CorpusReader};

use super::output::Progress;
use super::{CodeArgs, Format};

pub fn run(args: CodeArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let codebook = Codebook::from_path(&args.input.codebook)?;
    let coder = Coder::new(&codebook)?.unit(args.input.unit.into());
    let mut reader = CorpusReader::open(&args.input.corpus)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = match args.format {
        Format::Counts => counts(&reader, &coder, &codebook, progress, &mut out),
        Format::Jsonl | Format::Csv => {
            stream(&reader, &coder, &codebook, args.format, progress, &mut out)
        }
    };
    let mut skipped = reader.take_problems();
    match result {
        Ok(unreadable) => skipped.extend(unreadable),
        // A closed pipe (`thematic code | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e.into()),
    }
    match out.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other?,
    }
    progress.clear();
    progress.report_skipped(&skipped, reader.ignored());
    Ok(ExitCode::SUCCESS)
}

/// Codes in chunks of documents, writing each document's records in corpus order.
fn stream(
    reader: &CorpusReader,
    coder: &Coder,
    codebook: &Codebook,
    format: Format,
    progress: &Progress,
    out: &mut dyn Write,
) -> io::Result<Vec<Skipped>> {
    let mut skipped: Vec<Skipped> = Vec::new();
    if matches!(format, Format::Csv) {
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record(thematic::export::EXCERPT_COLUMNS)
            .map_err(io::Error::other)?;
        w.flush()?;
    }
    let entries = reader.entries();
    let chunk = 4 * rayon::current_num_threads();
    let done = AtomicUsize::new(0);
    for batch in entries.chunks(chunk) {
        let rendered: Vec<Result<Vec<u8>, Skipped>> = batch
            .par_iter()
            .map(|entry| {
                let doc = reader.read(entry).map_err(|error| Skipped {
                    path: entry.path.clone(),
                    error,
                })?;
                let coded = coder.code_document(&doc);
                let mut buffer = Vec::new();
                let written = match format {
                    Format::Csv => {
                        let mut w = csv::Writer::from_writer(&mut buffer);
                        thematic::export::write_excerpt_rows(
                            &doc,
                            &coded.segments,
                            codebook,
                            &mut w,
                        )
                        .and_then(|()| w.flush())
                    }
                    _ => RecordWriter::new(&mut buffer).write_document(&doc, &coded.segments),
                };
                written.expect("writing to memory cannot fail");
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.update(|| format!("coded {n}/{} documents", entries.len()));
                Ok(buffer)
            })
            .collect();
        for item in rendered {
            match item {
                Ok(bytes) => out.write_all(&bytes)?,
                Err(s) => skipped.push(s),
            }
        }
    }
    Ok(skipped)
}

/// Counts per code, in parallel, and prints one JSON object.
fn counts(
    reader: &CorpusReader,
    coder: &Coder,
    codebook: &Codebook,
    progress: &Progress,
    out: &mut dyn Write,
) -> io::Result<Vec<Skipped>> {
    let n = codebook.codes().len();
    let done = AtomicUsize::new(0);
    let entries = reader.entries();
    let (total, mut skipped) = entries
        .par_iter()
        .fold(
            || (Counts::new(n), Vec::new(), CountScratch::default()),
            |(mut counts, mut skipped, mut scratch), entry| {
                match reader.read(entry) {
                    Ok(doc) => coder.count_document(&doc, &mut counts, &mut scratch),
                    Err(error) => skipped.push(Skipped {
                        path: entry.path.clone(),
                        error,
                    }),
                }
                let k = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.update(|| format!("coded {k}/{} documents", entries.len()));
                (counts, skipped, scratch)
            },
        )
        .map(|(counts, skipped, _)| (counts, skipped))
        .reduce(
            || (Counts::new(n), Vec::new()),
            |(mut a, mut sa), (b, sb)| {
                a.merge(&b);
                sa.extend(sb);
                (a, sa)
            },
        );
    // Skipped documents in path order, whatever order the threads met them in.
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let mut json = String::from("{\"codes\": {");
    for (i, code) in codebook.codes().iter().enumerate() {
        if i > 0 {
            json.push_str(", ");
        }
        json.push_str(&format!(
            "{}: {{\"passages\": {}, \"hits\": {}}}",
            serde_json::to_string(&*code.id).expect("a string serialises"),
            total.passages[i],
            total.hits[i]
        ));
    }
    json.push_str(&format!(
        "}}, \"passages_total\": {}, \"bytes\": {}, \"documents\": {}, \"unit\": \"{}\"}}\n",
        total.passages_total,
        total.bytes,
        total.documents,
        coder.current_unit()
    ));
    out.write_all(json.as_bytes())?;
    Ok(skipped)
}
