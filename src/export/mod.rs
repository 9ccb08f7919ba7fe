//! Writing results: CSV tables, coded excerpts as CSV and JSON Lines, an Excel workbook
//! ([`xlsx`]), all written atomically.
//!
//! Every file is written to a temporary file in the destination folder and renamed into place
//! when complete, so a reader never sees half a file and a failed run leaves the previous
//! output intact.

mod folder;
#[cfg(feature = "xlsx")]
pub mod xlsx;

pub use folder::{OutputFolder, STAGING_PREFIX};

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::analysis::Tables;
use crate::codebook::Codebook;
use crate::coding::{CodedSegment, Coding, RecordWriter, slice_chars};
use crate::corpus::{Corpus, Document};
use crate::error::{Error, Result};
use crate::text::CharIndex;

/// Writes `path` atomically: `write` fills a buffered temporary file in the same folder, which
/// then replaces `path`. On any error `path` is left as it was.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(&mut file).map_err(|e| Error::io(path, e))?;
    file.commit()
}

/// A file being written to a temporary path beside its destination; [`AtomicFile::commit`]
/// moves it into place. Dropped without a commit, it vanishes and the destination is untouched.
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (creating its folder).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        remove_dead_temporaries(dir);
        let temp = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .suffix(TEMPORARY_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        // Held until the file is closed: a temporary nobody holds belongs to a dead writer.
        temp.as_file().lock().map_err(|e| Error::io(dir, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 16, temp),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let temp = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        // A temporary file is private (0600); results are for sharing, like any file the user
        // makes.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).map_or(0o644, |m| m.permissions().mode());
            temp.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&path, e))?;
        }
        temp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
        temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

/// The name of a temporary file of [`AtomicFile`]: `.thematic-XXXXXX.tmp`.
const TEMPORARY_PREFIX: &str = ".thematic-";
const TEMPORARY_SUFFIX: &str = ".tmp";

/// A temporary file of a write, finished or interrupted ([`AtomicFile`]).
pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMPORARY_PREFIX) && name.ends_with(TEMPORARY_SUFFIX)
}

/// How old an unheld temporary must be to count as a dead writer's: a writer locks its file
/// the moment it has made it, and this covers that moment many times over.
const DEAD_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Was `path` last changed longer than [`DEAD_AFTER`] ago?
pub(crate) fn is_stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > DEAD_AFTER))
}

/// Removes the temporary files that killed runs left in `dir` (no writer holds their lock), once
/// per folder and run. Never fails: cleaning is not worth failing the write at hand.
fn remove_dead_temporaries(dir: &Path) {
    static CLEANED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    {
        let mut cleaned = CLEANED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cleaned.iter().any(|d| d == dir) {
            return;
        }
        cleaned.push(dir.to_path_buf());
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !is_temporary(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let unheld = File::open(entry.path()).is_ok_and(|f| f.try_lock().is_ok());
        if is_stale(&entry.path()) && unheld {
            let _ = fs::remove_file(entry.path());
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

pub(crate) fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Formats a share with six decimals, as the CSV files carry it.
fn share(x: f64) -> String {
    format!("{x:.6}")
}

/// The frequency table: `code,label,passages,documents,hits,share,passages_with_subcodes,
/// documents_with_subcodes`.
pub fn write_frequencies_csv(tables: &Tables, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "code",
        "label",
        "passages",
        "documents",
        "hits",
        "share",
        "passages_with_subcodes",
        "documents_with_subcodes",
    ])
    .map_err(csv_error)?;
    for f in &tables.frequencies {
        w.write_record([
            &*f.code,
            &f.label,
            &f.passages.to_string(),
            &f.documents.to_string(),
            &f.hits.to_string(),
            &share(f.share),
            &f.passages_with_subcodes.to_string(),
            &f.documents_with_subcodes.to_string(),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// The co-occurrence table, long form: `code_a,code_b,N,jaccard,p_b_given_a,p_a_given_b,lift,
/// pmi,documents,document_jaccard,nested`, where `N` names the unit counted (`passages`,
/// `documents` or `windows`) and `pmi` is empty for pairs that never co-occur.
pub fn write_cooccurrence_csv(tables: &Tables, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "code_a",
        "code_b",
        tables.options.unit.counted(),
        "jaccard",
        "p_b_given_a",
        "p_a_given_b",
        "lift",
        "pmi",
        "documents",
        "document_jaccard",
        "nested",
    ])
    .map_err(csv_error)?;
    for p in &tables.cooccurrence {
        w.write_record([
            &*p.code_a,
            &*p.code_b,
            &p.passages.to_string(),
            &share(p.jaccard),
            &share(p.p_b_given_a),
            &share(p.p_a_given_b),
            &share(p.lift),
            &p.pmi.map_or_else(String::new, share),
            &p.documents.to_string(),
            &share(p.document_jaccard),
            if p.nested { "true" } else { "false" },
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// The co-occurrence matrix: a header row of codes, then one row per code; the diagonal holds
/// the units coded with each code.
pub fn write_cooccurrence_matrix_csv(tables: &Tables, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["code".to_string()];
    header.extend(tables.frequencies.iter().map(|f| f.code.to_string()));
    w.write_record(&header).map_err(csv_error)?;
    for (f, row) in tables.frequencies.iter().zip(tables.cooccurrence_matrix()) {
        let mut record = vec![f.code.to_string()];
        record.extend(row.iter().map(usize::to_string));
        w.write_record(&record).map_err(csv_error)?;
    }
    w.flush()
}

/// The code × document table, long form: `doc,title,code,passages,hits,share`.
pub fn write_by_document_csv(
    tables: &Tables,
    coding: &Coding,
    out: &mut dyn Write,
) -> io::Result<()> {
    let titles: HashMap<&str, &str> = coding
        .documents
        .iter()
        .map(|d| (&*d.id, d.metadata.title.as_str()))
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["doc", "title", "code", "passages", "hits", "share"])
        .map_err(csv_error)?;
    for c in &tables.by_document {
        w.write_record([
            &*c.doc,
            titles.get(&*c.doc).copied().unwrap_or(""),
            &*c.code,
            &c.passages.to_string(),
            &c.hits.to_string(),
            &share(c.share),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// A crosstab, long form (one row per code and value, as R and pandas read it):
/// `code,label,FIELD,passages,share,documents,passages_total,documents_total`, where `share` is
/// `passages ÷ passages_total`, the passages of the documents with that value.
pub fn write_crosstab_csv(
    crosstab: &crate::analysis::crosstab::Crosstab,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "code",
        "label",
        crosstab.field.as_str(),
        "passages",
        "share",
        "documents",
        "passages_total",
        "documents_total",
    ])
    .map_err(csv_error)?;
    for row in &crosstab.rows {
        for (i, value) in crosstab.values.iter().enumerate() {
            w.write_record([
                &*row.code,
                &row.label,
                value,
                &row.passages[i].to_string(),
                &share(row.shares[i]),
                &row.documents[i].to_string(),
                &crosstab.passages[i].to_string(),
                &crosstab.documents[i].to_string(),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()
}

/// A string made safe as part of a file name: letters, digits, `-` and `_` kept, the rest `_`.
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The columns of the excerpt CSV. `patterns` lists the distinct patterns that matched and
/// `matched` the distinct texts they matched, each joined with ` | `. `pages` is the page or
/// page range of the source (PDF) the passage lies on, and `section` the heading it falls under
/// (from Markdown, HTML and DOCX headings and PDF outlines); both are empty when unknown.
pub const EXCERPT_COLUMNS: [&str; 14] = [
    "doc", "title", "passage", "start", "end", "code", "label", "origin", "hits", "patterns",
    "matched", "pages", "section", "text",
];

/// Writes one document's coded segments as excerpt CSV rows (no header; see
/// [`EXCERPT_COLUMNS`]).
pub fn write_excerpt_rows<W: Write>(
    doc: &Document,
    segments: &[CodedSegment],
    codebook: &Codebook,
    w: &mut csv::Writer<W>,
) -> io::Result<()> {
    write_excerpt_rows_indexed(doc, &CharIndex::new(&doc.text), segments, codebook, w, None)
}

/// [`write_excerpt_rows`] with the document's character index already built, and the text
/// column cut to `max_text_chars` characters if given.
fn write_excerpt_rows_indexed<W: Write>(
    doc: &Document,
    index: &CharIndex,
    segments: &[CodedSegment],
    codebook: &Codebook,
    w: &mut csv::Writer<W>,
    max_text_chars: Option<usize>,
) -> io::Result<()> {
    for seg in segments {
        let mut text = slice_chars(&doc.text, index, seg.start, seg.end);
        if let Some((cut, _)) = max_text_chars.and_then(|max| text.char_indices().nth(max)) {
            text = &text[..cut];
        }
        let patterns: BTreeSet<&str> = seg.hits.iter().map(|h| &*h.pattern).collect();
        let matched: BTreeSet<&str> = seg
            .hits
            .iter()
            .map(|h| slice_chars(&doc.text, index, h.start, h.end))
            .collect();
        let label = codebook.code(&seg.code).map_or("", |c| c.label.as_str());
        let pages = match doc.pages_of(seg.start, seg.end) {
            Some((first, last)) if first == last => first.to_string(),
            Some((first, last)) => format!("{first}-{last}"),
            None => String::new(),
        };
        let section = doc.section_at(seg.start).map_or("", |s| s.title.as_str());
        w.write_record([
            &*seg.doc,
            &doc.metadata.title,
            &seg.passage.to_string(),
            &seg.start.to_string(),
            &seg.end.to_string(),
            &*seg.code,
            label,
            seg.origin.as_str(),
            &seg.hits.len().to_string(),
            &patterns.into_iter().collect::<Vec<_>>().join(" | "),
            &matched.into_iter().collect::<Vec<_>>().join(" | "),
            &pages,
            section,
            text,
        ])
        .map_err(csv_error)?;
    }
    Ok(())
}

/// Coded excerpts as CSV, with a header row (see [`EXCERPT_COLUMNS`]).
pub fn write_excerpts_csv(
    coding: &Coding,
    corpus: &Corpus,
    codebook: &Codebook,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_excerpts_csv_cut(coding, corpus, codebook, out, None)
}

/// [`write_excerpts_csv`], with each text cut to `max_text_chars` characters if given (for a
/// table that cannot hold more, which then need not hold the whole text first).
pub(crate) fn write_excerpts_csv_cut(
    coding: &Coding,
    corpus: &Corpus,
    codebook: &Codebook,
    out: &mut dyn Write,
    max_text_chars: Option<usize>,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXCERPT_COLUMNS).map_err(csv_error)?;
    for (doc, segments) in by_document(coding, corpus) {
        let index = CharIndex::new(&doc.text);
        write_excerpt_rows_indexed(doc, &index, segments, codebook, &mut w, max_text_chars)?;
    }
    w.flush()
}

/// Coded excerpts as JSON Lines, in the record of [`coding`](crate::coding).
pub fn write_excerpts_jsonl(
    coding: &Coding,
    corpus: &Corpus,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = RecordWriter::new(out);
    for (doc, segments) in by_document(coding, corpus) {
        w.write_document(doc, segments)?;
    }
    w.into_inner().map(|_| ())
}

/// Writes the excerpts as CSV (with its header) and as JSON Lines at once: documents are
/// rendered in parallel, a few at a time, and written in corpus order, each document's text
/// indexed once for both.
pub fn write_excerpts(
    coding: &Coding,
    corpus: &Corpus,
    codebook: &Codebook,
    csv_out: &mut dyn Write,
    jsonl_out: &mut dyn Write,
) -> io::Result<()> {
    use rayon::prelude::*;
    {
        let mut w = csv::Writer::from_writer(&mut *csv_out);
        w.write_record(EXCERPT_COLUMNS).map_err(csv_error)?;
        w.flush()?;
    }
    let runs: Vec<(&Document, &[CodedSegment])> = by_document(coding, corpus).collect();
    let render = |doc: &Document,
                  segments: &[CodedSegment],
                  csv_out: &mut dyn Write,
                  jsonl_out: &mut dyn Write| {
        let index = CharIndex::new(&doc.text);
        let mut w = csv::Writer::from_writer(csv_out);
        write_excerpt_rows_indexed(doc, &index, segments, codebook, &mut w, None)?;
        w.flush()?;
        drop(w);
        let mut records = RecordWriter::new(jsonl_out);
        for seg in segments {
            records.write_in(doc, &index, seg)?;
        }
        records.into_inner().map(drop)
    };
    for batch in runs.chunks(4 * rayon::current_num_threads()) {
        // Each excerpt carries its passage's text: a large document's rows can be many times
        // its size, too much to hold, so they are written straight out in their turn.
        let rendered: Vec<Option<io::Result<Rows>>> = batch
            .par_iter()
            .map(|&(doc, segments)| {
                (doc.text.len() <= RENDER_IN_MEMORY_UP_TO).then(|| {
                    let (mut csv_bytes, mut jsonl_bytes) = (Vec::new(), Vec::new());
                    render(doc, segments, &mut csv_bytes, &mut jsonl_bytes)?;
                    Ok((csv_bytes, jsonl_bytes))
                })
            })
            .collect();
        for (item, &(doc, segments)) in rendered.into_iter().zip(batch) {
            match item {
                Some(bytes) => {
                    let (csv_bytes, jsonl_bytes) = bytes?;
                    csv_out.write_all(&csv_bytes)?;
                    jsonl_out.write_all(&jsonl_bytes)?;
                }
                None => render(doc, segments, &mut *csv_out, &mut *jsonl_out)?,
            }
        }
    }
    Ok(())
}

/// A document's excerpts rendered: the CSV rows and the JSON Lines.
type Rows = (Vec<u8>, Vec<u8>);

/// Documents up to this size (bytes of text) have their excerpts or records rendered in
/// parallel, into memory; larger ones straight to the output when their turn comes: every
/// excerpt carries its passage's text, so a large document's rows can be many times its size.
pub const RENDER_IN_MEMORY_UP_TO: usize = 4 << 20;

/// The segments of `coding` in runs of one document each, with the document (segments of
/// documents not in `corpus` are left out).
fn by_document<'a>(
    coding: &'a Coding,
    corpus: &'a Corpus,
) -> impl Iterator<Item = (&'a Document, &'a [CodedSegment])> + 'a {
    let docs: HashMap<&str, &Document> = corpus.documents().iter().map(|d| (&*d.id, d)).collect();
    coding
        .segments
        .chunk_by(|a, b| a.doc == b.doc)
        .filter_map(move |run| docs.get(&*run[0].doc).map(|doc| (*doc, run)))
}

/// The files [`write_outputs`] writes, by name.
pub const OUTPUT_FILES: [&str; 5] = [
    "frequencies.csv",
    "cooccurrence.csv",
    "code_by_document.csv",
    "excerpts.csv",
    "excerpts.jsonl",
];

/// Writes the standard outputs of an analysis into `dir`: [`OUTPUT_FILES`]. Returns their paths.
pub fn write_outputs(
    dir: &Path,
    corpus: &Corpus,
    codebook: &Codebook,
    coding: &Coding,
    tables: &Tables,
) -> Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = OUTPUT_FILES.iter().map(|f| dir.join(f)).collect();
    write_atomic(&paths[0], |w| write_frequencies_csv(tables, w))?;
    write_atomic(&paths[1], |w| write_cooccurrence_csv(tables, w))?;
    write_atomic(&paths[2], |w| write_by_document_csv(tables, coding, w))?;
    let mut csv_file = AtomicFile::create(&paths[3])?;
    let mut jsonl_file = AtomicFile::create(&paths[4])?;
    write_excerpts(coding, corpus, codebook, &mut csv_file, &mut jsonl_file)
        .map_err(|e| Error::io(dir, e))?;
    csv_file.commit()?;
    jsonl_file.commit()?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_files_and_keeps_the_old_one_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, |w| w.write_all(b"first")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "first");
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk on fire"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "first");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file is removed");
    }

    #[test]
    fn temporaries_of_dead_writers_are_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        // The live writer first: making it cleans its folder once for this process.
        let live = AtomicFile::create(&dir.path().join("live.csv")).unwrap();
        let dead = dir.path().join(".thematic-Ab12Cd.tmp");
        fs::write(&dead, "half an excerpt file").unwrap();
        File::options()
            .write(true)
            .open(&dead)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        let live_name = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p != &dead)
            .unwrap();
        File::options()
            .write(true)
            .open(&live_name)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        // A fresh folder for this process: the live writer's was cleaned when it was made.
        let other = tempfile::tempdir().unwrap();
        for path in [&dead, &live_name] {
            fs::rename(path, other.path().join(path.file_name().unwrap())).unwrap();
        }
        write_atomic(&other.path().join("out.csv"), |w| w.write_all(b"x")).unwrap();
        assert!(
            !other.path().join(dead.file_name().unwrap()).exists(),
            "a dead writer's temporary is removed"
        );
        assert!(
            other.path().join(live_name.file_name().unwrap()).exists(),
            "a live writer's temporary is kept"
        );
        drop(live);
    }
}
