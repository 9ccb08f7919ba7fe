//! Terminal output: progress on stderr, the list of skipped files.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thematic::analysis::render::thousands;
use thematic::corpus::Skipped;

/// Documents and megabytes done, and the rate, on the progress line: "coded 1,204/5,000
/// documents · 312.5 MB · 41.2 MB/s".
pub struct Counter<'a> {
    progress: &'a Progress,
    verb: &'static str,
    total: Option<usize>,
    started: Instant,
    documents: AtomicUsize,
    bytes: AtomicU64,
}

impl Counter<'_> {
    /// Counts one more document of `bytes` bytes, and shows the line.
    pub fn add(&self, bytes: usize) {
        let n = self.documents.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self.bytes.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
        self.progress.update(|| {
            let mb = bytes as f64 / 1e6;
            let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
            let of = self
                .total
                .map_or_else(String::new, |t| format!("/{}", thousands(t)));
            format!(
                "{} {}{of} documents · {mb:.1} MB · {:.1} MB/s",
                self.verb,
                thousands(n),
                mb / seconds
            )
        });
    }
}

/// Progress and notices on stderr. Progress lines appear only when stderr is a terminal.
pub struct Progress {
    live: bool,
    quiet: bool,
    last: Mutex<Option<Instant>>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            live: !quiet && std::io::stderr().is_terminal(),
            quiet,
            last: Mutex::new(None),
        }
    }

    /// Shows a progress line, at most ten times a second.
    pub fn update(&self, message: impl FnOnce() -> String) {
        if !self.live {
            return;
        }
        let mut last = self.last.lock().expect("progress lock");
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        eprint!("\r\x1b[K{}", message());
    }

    /// A counter of documents and bytes done, for progress lines with a rate.
    pub fn counter(&self, verb: &'static str, total: Option<usize>) -> Counter<'_> {
        Counter {
            progress: self,
            verb,
            total,
            started: Instant::now(),
            documents: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Clears the progress line.
    pub fn clear(&self) {
        if self.live && self.last.lock().expect("progress lock").is_some() {
            eprint!("\r\x1b[K");
        }
    }

    /// A line on stderr, unless quiet.
    pub fn note(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            self.clear();
            eprintln!("{message}");
        }
    }

    /// Reports what could not be read, and what was left out.
    pub fn report_skipped(&self, skipped: &[Skipped], ignored: &[PathBuf]) {
        if !ignored.is_empty() {
            let mut kinds: Vec<String> = ignored
                .iter()
                .map(|p| {
                    p.extension().map_or_else(
                        || "(no extension)".to_string(),
                        |e| format!(".{}", e.to_string_lossy()),
                    )
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            self.note(format_args!(
                "note: {} file(s) of unsupported types left out ({})",
                ignored.len(),
                kinds.join(", ")
            ));
        }
        if !skipped.is_empty() {
            // Always shown: a skipped document is a result the user must know about.
            self.clear();
            eprintln!("warning: {} document(s) skipped:", skipped.len());
            for s in skipped {
                let shown = s.error.to_string();
                let mut lines = shown.lines();
                if let Some(first) = lines.next() {
                    eprintln!("  - {first}");
                }
                for line in lines {
                    eprintln!("    {line}");
                }
            }
        }
    }
}
