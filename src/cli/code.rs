//! `thematic code`: stream coded segments (or counts, or a mergeable summary) to stdout.
//!
//! Documents come from a corpus folder or, with `--stdin`, as JSON Lines. They are read, coded
//! and written a batch at a time — in parallel within a batch, in input order across batches —
//! so memory stays bounded by the documents in flight, whatever the corpus size.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;
use thematic::analysis::summary::Summary;
use thematic::coding::{CodedSegment, CountScratch, Counts, RecordWriter};
use thematic::corpus::{Entry, Skipped, jsonl};
use thematic::{Codebook, Coder, CorpusReader, Document};

use super::output::{Counter, Progress};
use super::{CodeArgs, Format};

/// One document to come: a file of the corpus, or a line of standard input.
enum Item<'a> {
    Entry(&'a Entry),
    Line(usize, String),
}

/// Where documents come from.
enum Source {
    // Boxed: the reader (with its manifest) dwarfs the other variant.
    Corpus(Box<CorpusReader>),
    Stdin,
}

impl Source {
    fn load(&self, item: &Item) -> Result<Document, Skipped> {
        match (self, item) {
            (Source::Corpus(reader), Item::Entry(entry)) => {
                reader.read(entry).map_err(|error| Skipped {
                    path: entry.path.clone(),
                    error,
                })
            }
            (_, Item::Line(n, line)) => jsonl::parse_document(line, *n).map_err(|error| Skipped {
                path: PathBuf::from(format!("<stdin>:{n}")),
                error,
            }),
            (Source::Stdin, Item::Entry(_)) => unreachable!("standard input yields lines"),
        }
    }

    /// Calls `each` with successive batches of `size` items, in input order.
    fn batches(
        &self,
        size: usize,
        mut each: impl FnMut(Vec<Item>) -> io::Result<()>,
    ) -> io::Result<()> {
        match self {
            Source::Corpus(reader) => {
                for chunk in reader.entries().chunks(size) {
                    each(chunk.iter().map(Item::Entry).collect())?;
                }
            }
            Source::Stdin => {
                let stdin = io::stdin();
                let mut batch = Vec::with_capacity(size);
                for (i, line) in stdin.lock().lines().enumerate() {
                    let line = line?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    batch.push(Item::Line(i + 1, line));
                    if batch.len() == size {
                        each(std::mem::take(&mut batch))?;
                    }
                }
                if !batch.is_empty() {
                    each(batch)?;
                }
            }
        }
        Ok(())
    }

    fn total(&self) -> Option<usize> {
        match self {
            Source::Corpus(reader) => Some(reader.entries().len()),
            Source::Stdin => None,
        }
    }
}

pub fn run(args: CodeArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let coder = args.model.apply(
        Coder::new(&codebook)?
            .unit(args.input.unit.into())
            .roles(args.input.roles),
        &codebook,
    )?;
    let mut problems = Vec::new();
    let mut ignored = Vec::new();
    let source = if args.stdin {
        Source::Stdin
    } else {
        let mut reader = super::open_reader(&args.input.corpus)?;
        problems = reader.take_problems();
        ignored = reader.ignored().to_vec();
        Source::Corpus(Box::new(reader))
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut job = Job {
        source: &source,
        coder: &coder,
        codebook: &codebook,
        counter: progress.counter("coded", source.total()),
        skipped: problems,
    };
    let result = match args.format {
        Format::Counts => job.counts(&mut out),
        Format::Summary => job.summary(&mut out),
        Format::Jsonl | Format::Csv => job.records(args.format, &mut out),
    };
    match result.and_then(|()| out.flush()) {
        // A closed pipe (`thematic code | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other?,
    }
    progress.clear();
    progress.report_skipped(&job.skipped, &ignored);
    super::strict_check(&job.skipped)?;
    Ok(ExitCode::SUCCESS)
}

/// One document's records: rendered, or its coding, to render when its turn comes.
enum Rendered {
    Bytes(Vec<u8>),
    Later(Box<Document>, Vec<CodedSegment>),
}

/// One run of `thematic code`.
struct Job<'a> {
    source: &'a Source,
    coder: &'a Coder,
    codebook: &'a Codebook,
    counter: Counter<'a>,
    skipped: Vec<Skipped>,
}

impl Job<'_> {
    fn batch_size() -> usize {
        4 * rayon::current_num_threads()
    }

    /// Counts a document of `bytes` bytes done (0 for one that could not be read).
    fn tick(&self, bytes: usize) {
        self.counter.add(bytes);
    }

    /// Coded-segment records, in input order.
    fn records(&mut self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        if matches!(format, Format::Csv) {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(thematic::export::EXCERPT_COLUMNS)
                .map_err(io::Error::other)?;
            w.flush()?;
        }
        let mut skipped = Vec::new();
        let render = |doc: &Document, segments: &[CodedSegment], out: &mut dyn Write| match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                thematic::export::write_excerpt_rows(doc, segments, self.codebook, &mut w)
                    .and_then(|()| w.flush())
            }
            _ => RecordWriter::new(out).write_document(doc, segments),
        };
        self.source.batches(Self::batch_size(), |batch| {
            let rendered: Vec<Result<Rendered, Skipped>> = batch
                .par_iter()
                .map(|item| {
                    let doc = self.source.load(item)?;
                    let coded = self.coder.code_document(&doc);
                    self.tick(doc.len());
                    // Every segment carries its passage's text: a large document's records can
                    // be many times its size, too much to hold; they are written as they are
                    // made, in turn.
                    if doc.text.len() > thematic::export::RENDER_IN_MEMORY_UP_TO {
                        return Ok(Rendered::Later(Box::new(doc), coded.segments));
                    }
                    let mut buffer = Vec::new();
                    render(&doc, &coded.segments, &mut buffer)
                        .expect("writing to memory cannot fail");
                    Ok(Rendered::Bytes(buffer))
                })
                .collect();
            for item in rendered {
                match item {
                    Ok(Rendered::Bytes(bytes)) => out.write_all(&bytes)?,
                    Ok(Rendered::Later(doc, segments)) => render(&doc, &segments, &mut *out)?,
                    Err(s) => skipped.push(s),
                }
            }
            Ok(())
        })?;
        self.skipped.extend(skipped);
        Ok(())
    }

    /// Per-code passage and hit counts, as one JSON object (the peer benchmark's shape).
    fn counts(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let n = self.codebook.codes().len();
        let mut total = Counts::new(n);
        let mut skipped = Vec::new();
        self.source.batches(Self::batch_size(), |batch| {
            let (counts, failed) = batch
                .par_iter()
                .fold(
                    || (Counts::new(n), Vec::new(), CountScratch::default()),
                    |(mut counts, mut failed, mut scratch), item| {
                        match self.source.load(item) {
                            Ok(doc) => {
                                self.coder.count_document(&doc, &mut counts, &mut scratch);
                                self.tick(doc.len());
                            }
                            Err(s) => {
                                failed.push(s);
                                self.tick(0);
                            }
                        }
                        (counts, failed, scratch)
                    },
                )
                .map(|(counts, failed, _)| (counts, failed))
                .reduce(
                    || (Counts::new(n), Vec::new()),
                    |(mut a, mut fa), (b, fb)| {
                        a.merge(&b);
                        fa.extend(fb);
                        (a, fa)
                    },
                );
            total.merge(&counts);
            skipped.extend(failed);
            Ok(())
        })?;
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.extend(skipped);
        let mut json = String::from("{\"codes\": {");
        for (i, code) in self.codebook.codes().iter().enumerate() {
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
            self.coder.current_unit()
        ));
        out.write_all(json.as_bytes())
    }

    /// A mergeable summary (see `thematic merge`).
    fn summary(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.coder.current_unit();
        let mut total = Summary::new(self.codebook, unit);
        let mut skipped = Vec::new();
        self.source.batches(Self::batch_size(), |batch| {
            let (part, failed) = batch
                .par_iter()
                .fold(
                    || (Summary::new(self.codebook, unit), Vec::new()),
                    |(mut summary, mut failed), item| {
                        match self.source.load(item) {
                            Ok(doc) => {
                                summary.add(&doc, &self.coder.code_document(&doc));
                                self.tick(doc.len());
                            }
                            Err(s) => {
                                failed.push(s);
                                self.tick(0);
                            }
                        }
                        (summary, failed)
                    },
                )
                .reduce(
                    || (Summary::new(self.codebook, unit), Vec::new()),
                    |(mut a, mut fa), (b, fb)| {
                        a.merge(&b)
                            .expect("summaries of one codebook and unit merge");
                        fa.extend(fb);
                        (a, fa)
                    },
                );
            total
                .merge(&part)
                .expect("summaries of one codebook and unit merge");
            skipped.extend(failed);
            Ok(())
        })?;
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.extend(skipped);
        serde_json::to_writer(&mut *out, &total)?;
        out.write_all(b"\n")
    }
}
