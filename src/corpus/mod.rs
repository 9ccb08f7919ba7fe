//! Documents, their metadata, and reading a corpus folder.
//!
//! A corpus is a folder of documents (`.txt` and `.md` today; each format is a [`Loader`]) with
//! an optional manifest, [`corpus.toml`](manifest), giving their metadata. Reading never stops at a
//! bad document: it is recorded as [`Skipped`] with the reason, and the others are read.
//!
//! ```
//! # fn main() -> thematic::Result<()> {
//! let corpus = thematic::Corpus::open("corpus")?;
//! for doc in corpus.documents() {
//!     println!("{} ({}): {}", doc.id, doc.metadata.year.unwrap_or(0), doc.metadata.title);
//! }
//! assert!(corpus.skipped().is_empty());
//! # Ok(()) }
//! ```

mod docx;
mod html;
pub mod jsonl;
mod loader;
pub mod manifest;
mod markdown;
mod memory;
mod normalize;
pub mod pdf;
mod utf16;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;

pub use docx::DocxLoader;
pub use html::HtmlLoader;
pub use loader::{Loaded, Loader, Loaders, TextLoader, decode_text, decode_utf8};
pub use manifest::{DocumentGroup, MANIFEST_FILE, Manifest, ManifestEntry};
pub use markdown::MarkdownLoader;
pub use normalize::normalize;
pub use pdf::{PdfBackend, PdfLoader};

use crate::error::{Error, Result};
use crate::segment::{Passage, Unit};

impl Default for Loaders {
    /// Plain text, Markdown, HTML, DOCX, and PDF read in an isolated child process (see
    /// [`PdfLoader`]; replace it with [`Loaders::with`] to change how).
    fn default() -> Loaders {
        Loaders::of(vec![
            Box::new(pdf::PdfLoader::default()),
            Box::new(TextLoader),
            Box::new(markdown::MarkdownLoader),
            Box::new(html::HtmlLoader),
            Box::new(docx::DocxLoader),
        ])
    }
}

/// What is known about a document besides its text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// The title (from the manifest, the file, or the text's first line).
    pub title: String,
    /// Authors, in order.
    pub authors: Vec<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// What the document is: "journal article", "abstract", "policy", …
    pub kind: Option<String>,
    /// ISO 639-1 codes of the languages present, main language first.
    pub languages: Vec<String>,
    /// Where it was published (journal, issuing body).
    pub source: Option<String>,
    /// Its DOI, as printed.
    pub doi: Option<String>,
    /// Where it can be found.
    pub url: Option<String>,
    /// Its licence, as stated ("not stated" when the text gives none).
    pub licence: Option<String>,
    /// The legacy encoding the file was decoded from (`"windows-1251"`), when not UTF-8.
    pub encoding: Option<String>,
    /// Any further fields from the manifest, for crosstabs.
    pub fields: BTreeMap<String, String>,
}

impl Metadata {
    /// The value of a metadata field by name: the built-in ones (`title`, `year`, `kind`,
    /// `source`, `licence`, `doi`, `url`, `authors`, `languages`, joined with `; `) or a manifest
    /// field.
    pub fn get(&self, field: &str) -> Option<String> {
        let joined = |v: &[String]| (!v.is_empty()).then(|| v.join("; "));
        match field {
            "title" => Some(self.title.clone()),
            "year" => self.year.map(|y| y.to_string()),
            "kind" => self.kind.clone(),
            "source" => self.source.clone(),
            "licence" | "license" => self.licence.clone(),
            "doi" => self.doi.clone(),
            "url" => self.url.clone(),
            "authors" | "author" => joined(&self.authors),
            "languages" | "language" => joined(&self.languages),
            "encoding" => self.encoding.clone(),
            other => self.fields.get(other).cloned(),
        }
    }
}

impl Metadata {
    /// Fills what `self` leaves empty from `lower`, a source of less precedence (the manifest
    /// over a sidecar over the file's own metadata). Fields are merged key by key.
    pub fn or(mut self, lower: Metadata) -> Metadata {
        if self.title.is_empty() {
            self.title = lower.title;
        }
        if self.authors.is_empty() {
            self.authors = lower.authors;
        }
        if self.languages.is_empty() {
            self.languages = lower.languages;
        }
        self.year = self.year.or(lower.year);
        self.kind = self.kind.or(lower.kind);
        self.source = self.source.or(lower.source);
        self.doi = self.doi.or(lower.doi);
        self.url = self.url.or(lower.url);
        self.licence = self.licence.or(lower.licence);
        self.encoding = self.encoding.or(lower.encoding);
        for (key, value) in lower.fields {
            self.fields.entry(key).or_insert(value);
        }
        self
    }
}

/// A heading of a document (Markdown `#`, HTML `<h1>`, a DOCX heading style), by which passages
/// are cited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Character offset in the stored text where the heading begins.
    pub start: usize,
    /// Its level: 1 for a title or top heading, up to 6.
    pub level: u8,
    /// The heading text.
    pub title: String,
}

/// One document: its stored plain text, which every offset indexes, and its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document id: the manifest's, or the file's path inside the corpus without extension.
    pub id: Arc<str>,
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The loader's format name (`"text"`, `"markdown"`).
    pub format: &'static str,
    /// The stored plain text (LF line ends, NFC).
    pub text: String,
    /// Title, authors, year and the rest.
    pub metadata: Metadata,
    /// Size of the source (the file's bytes, or the text given), before normalisation.
    pub source_len: usize,
    /// Character offsets where each page begins, for paged formats (PDF); empty otherwise.
    pub pages: Vec<usize>,
    /// Headings, in text order.
    pub sections: Vec<Section>,
}

impl Document {
    /// A document from text in memory. The text is [normalised](normalize); the title is its
    /// first non-blank line.
    ///
    /// ```
    /// let doc = thematic::Document::new("memo", "Brain drain\r\n\r\nText.");
    /// assert_eq!(doc.text, "Brain drain\n\nText.");
    /// assert_eq!(doc.metadata.title, "Brain drain");
    /// ```
    pub fn new(id: impl Into<Arc<str>>, text: impl Into<String>) -> Document {
        let text: String = text.into();
        let source_len = text.len();
        let text = normalize(text);
        let metadata = Metadata {
            title: first_line_title(&text),
            ..Metadata::default()
        };
        Document {
            id: id.into(),
            path: None,
            format: "text",
            text,
            metadata,
            source_len,
            pages: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// The 1-based pages the characters `start..end` lie on, first and last; `None` for a
    /// document without pages.
    ///
    /// ```
    /// let mut doc = thematic::Document::new("p", "page one\npage two");
    /// doc.pages = vec![0, 9];
    /// assert_eq!(doc.pages_of(2, 12), Some((1, 2)));
    /// assert_eq!(doc.pages_of(9, 10), Some((2, 2)));
    /// ```
    pub fn pages_of(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if self.pages.is_empty() {
            return None;
        }
        let page = |offset: usize| self.pages.partition_point(|&p| p <= offset).max(1);
        let first = page(start);
        Some((first, page(end.saturating_sub(1).max(start)).max(first)))
    }

    /// The innermost heading a character offset falls under, if any.
    pub fn section_at(&self, offset: usize) -> Option<&Section> {
        let after = self.sections.partition_point(|s| s.start <= offset);
        after.checked_sub(1).map(|i| &self.sections[i])
    }

    /// Splits the document into passages of the given unit.
    pub fn passages(&self, unit: Unit) -> Vec<Passage> {
        crate::segment::segment(&self.text, unit)
    }

    /// Size of the stored text in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Is the stored text empty?
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// The title a document without metadata gets: its first non-blank line, without Markdown
/// heading marks or emphasis, at most 200 characters.
pub(crate) fn first_line_title(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let line = line.trim_start_matches('#').trim().replace("**", "");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Why a document id is unusable, if it is.
pub(crate) fn id_problem(id: &str) -> Option<&'static str> {
    if id.trim().is_empty() {
        Some("is empty")
    } else if id.trim() != id {
        Some("has leading or trailing whitespace")
    } else if id.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

/// A document that could not be read, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// The reason, pointing at the fault.
    pub error: Error,
}

/// A file of the corpus folder that will be read as a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The file.
    pub path: PathBuf,
    /// Its path inside the corpus folder, `/`-separated.
    pub relative: String,
    /// The id its document will have.
    pub id: Arc<str>,
    /// Its manifest entry, if listed.
    pub manifest: Option<ManifestEntry>,
}

/// Finds the documents of a corpus folder and reads them, one at a time or all in parallel.
///
/// Use it directly to stream a corpus too large to hold in memory; [`Corpus::open`] reads
/// everything at once.
#[derive(Debug)]
pub struct CorpusReader {
    root: PathBuf,
    manifest: Option<Manifest>,
    entries: Vec<Entry>,
    problems: Vec<Skipped>,
    ignored: Vec<PathBuf>,
    loaders: Loaders,
    max_file_size: u64,
}

impl CorpusReader {
    /// Lists the documents of `path`, a folder (searched recursively) or a single file, with
    /// the built-in loaders and the default walking rules of [`CorpusReaderBuilder`].
    ///
    /// Fails only when `path` cannot be read at all or its manifest is invalid; problems with
    /// single files are kept for [`CorpusReader::problems`].
    pub fn open(path: impl AsRef<Path>) -> Result<CorpusReader> {
        CorpusReader::builder().open(path)
    }

    /// Like [`CorpusReader::open`], with a chosen set of loaders.
    pub fn with_loaders(path: impl AsRef<Path>, loaders: Loaders) -> Result<CorpusReader> {
        CorpusReader::builder().loaders(loaders).open(path)
    }

    /// Configures how a corpus folder is walked and read.
    pub fn builder() -> CorpusReaderBuilder {
        CorpusReaderBuilder::default()
    }
}

/// The name of the file that marks a folder as thematic's output: the walk of a corpus never
/// enters such a folder, so results written inside a corpus are not read back as documents.
pub const OUTPUT_MARKER: &str = ".thematic-output";

/// The ignore file of thematic's own, read beside `.gitignore` and `.ignore` (same syntax).
pub const IGNORE_FILE: &str = ".thematicignore";

/// How a corpus folder is walked and read: which loaders read which files, how large a file may
/// be, and whether symbolic links may lead out of the folder.
///
/// The walk leaves out hidden files and folders (such as `.thematic/`, where the index lives),
/// folders holding thematic's results (marked by [`OUTPUT_MARKER`]) and whatever the
/// `.gitignore`, `.ignore` and [`.thematicignore`](IGNORE_FILE) files inside the corpus folder
/// exclude. Ignore files above the corpus folder do not count, so a corpus reads the same
/// wherever it lies.
///
/// ```
/// # fn main() -> thematic::Result<()> {
/// let reader = thematic::CorpusReader::builder()
///     .max_file_size(64 << 20)
///     .follow_symlinks(false)
///     .open("corpus")?;
/// assert!(reader.entries().len() > 5);
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct CorpusReaderBuilder {
    loaders: Option<Loaders>,
    max_file_size: Option<u64>,
    follow_symlinks: bool,
}

impl CorpusReaderBuilder {
    /// The loaders that read each file type (default: [`Loaders::default`]).
    pub fn loaders(mut self, loaders: Loaders) -> CorpusReaderBuilder {
        self.loaders = Some(loaders);
        self
    }

    /// Refuses files larger than `bytes` (default [`DEFAULT_MAX_FILE_SIZE`]); see
    /// [`CorpusReader::max_file_size`].
    pub fn max_file_size(mut self, bytes: u64) -> CorpusReaderBuilder {
        self.max_file_size = Some(bytes);
        self
    }

    /// Follows symbolic links that lead out of the corpus folder (default: no). Links whose
    /// target lies inside the folder are always followed; the others are reported, naming
    /// the link and its target, and left out, so that a planted link cannot bring files from
    /// elsewhere on the machine into a report.
    pub fn follow_symlinks(mut self, yes: bool) -> CorpusReaderBuilder {
        self.follow_symlinks = yes;
        self
    }

    /// Lists the documents of `path`, a folder (searched recursively) or a single file.
    ///
    /// Fails only when `path` cannot be read at all or its manifest is invalid; problems with
    /// single files are kept for [`CorpusReader::problems`].
    pub fn open(self, path: impl AsRef<Path>) -> Result<CorpusReader> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut reader = CorpusReader {
            root: path.to_path_buf(),
            manifest: None,
            entries: Vec::new(),
            problems: Vec::new(),
            ignored: Vec::new(),
            loaders: self.loaders.unwrap_or_default(),
            max_file_size: self.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        };
        if meta.is_file() {
            reader.root = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let relative = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if reader.loaders.for_path(path).is_none() {
                return Err(Error::Document {
                    path: path.to_path_buf(),
                    message: format!(
                        "no loader for this file type (thematic reads .{})",
                        reader.loaders.extensions().join(", .")
                    ),
                });
            }
            reader.entries.push(Entry {
                path: path.to_path_buf(),
                id: id_from_relative(&relative).into(),
                relative,
                manifest: None,
            });
            return Ok(reader);
        }
        let manifest_path = manifest::manifest_path(path);
        if manifest_path.is_file() {
            reader.manifest = Some(Manifest::from_path(&manifest_path)?);
        }
        reader.discover(&manifest_path, self.follow_symlinks);
        Ok(reader)
    }
}

/// A file found by the walk, before it has its id.
struct Found {
    path: PathBuf,
    relative: String,
    listed: Option<ManifestEntry>,
}

impl CorpusReader {
    /// Walks the folder for documents (see [`CorpusReaderBuilder`] for what is left out).
    fn discover(&mut self, manifest_path: &Path, follow_symlinks: bool) {
        let root = self.root.clone();
        // Canonical, so that a link's target can be compared with it; a root that cannot be
        // resolved is reported by the walk itself.
        let canonical_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        let left_out: Arc<Mutex<Vec<Skipped>>> = Arc::default();
        let walker = {
            let left_out = Arc::clone(&left_out);
            ignore::WalkBuilder::new(&root)
                .follow_links(true)
                .hidden(true)
                .parents(false)
                .git_global(false)
                .git_exclude(false)
                .require_git(false)
                .add_custom_ignore_filename(IGNORE_FILE)
                .sort_by_file_name(|a, b| a.cmp(b))
                .filter_entry(move |e| {
                    if e.depth() == 0 {
                        return true;
                    }
                    if e.path_is_symlink()
                        && !follow_symlinks
                        && let Some(target) = leaves(&canonical_root, e.path())
                    {
                            let path = e.path().to_path_buf();
                            lock(&left_out).push(Skipped {
                                error: Error::Corpus {
                                    path: path.clone(),
                                    message: format!(
                                        "symbolic link to {}, outside the corpus folder: not followed (pass --follow-symlinks, or CorpusReaderBuilder::follow_symlinks, to read it)",
                                        target.display()
                                    ),
                                },
                                path,
                            });
                            return false;
                        }
                    let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                    !(is_dir && e.path().join(OUTPUT_MARKER).is_file())
                })
                .build()
        };
        let mut found = Vec::new();
        for item in walker {
            let item = match item {
                Ok(item) => item,
                Err(err) => {
                    let path = error_path(&err).unwrap_or(&root).to_path_buf();
                    self.problems.push(Skipped {
                        error: Error::Corpus {
                            path: path.clone(),
                            message: walk_error_message(&err),
                        },
                        path,
                    });
                    continue;
                }
            };
            if !item.file_type().is_some_and(|t| t.is_file()) || item.path() == manifest_path {
                continue;
            }
            let path = item.into_path();
            if self.loaders.for_path(&path).is_none() {
                let is_sidecar = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(SIDECAR_SUFFIX));
                if !is_sidecar {
                    self.ignored.push(path);
                }
                continue;
            }
            let relative = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let listed = self
                .manifest
                .as_ref()
                .and_then(|m| m.entry(&relative))
                .cloned();
            found.push(Found {
                path,
                relative,
                listed,
            });
        }
        self.problems.append(&mut lock(&left_out));
        self.assign_ids(found);
        if let Some(manifest) = &self.manifest {
            for listed in &manifest.documents {
                if !self.entries.iter().any(|e| e.relative == listed.file) {
                    let path = self.root.join(&listed.file);
                    let message = if path.is_file() {
                        "listed in corpus.toml but not a readable document (unsupported type, hidden or ignored)"
                    } else {
                        "listed in corpus.toml but not found"
                    };
                    self.problems.push(Skipped {
                        error: Error::Document {
                            path: path.clone(),
                            message: format!("{message} (line {})", listed.line),
                        },
                        path,
                    });
                }
            }
        }
    }

    /// Gives each file its document id: the manifest's, else its path without the extension
    /// — or with it, when two files differ only by extension (`x.pdf` beside `x.docx` are the
    /// documents `x.pdf` and `x.docx`).
    fn assign_ids(&mut self, found: Vec<Found>) {
        let mut by_stem: HashMap<String, usize> = HashMap::new();
        for f in found.iter().filter(|f| manifest_id(f).is_none()) {
            *by_stem.entry(id_from_relative(&f.relative)).or_default() += 1;
        }
        let mut ids: HashMap<Arc<str>, String> = HashMap::new();
        for f in found {
            let id: Arc<str> = match manifest_id(&f) {
                Some(id) => id.into(),
                None => {
                    let stem = id_from_relative(&f.relative);
                    if by_stem[&stem] > 1 {
                        f.relative.as_str().into()
                    } else {
                        stem.into()
                    }
                }
            };
            if let Some(first) = ids.get(&id) {
                self.problems.push(Skipped {
                    error: Error::Document {
                        path: f.path.clone(),
                        message: format!(
                            "document id {id:?} is already used by {first}; rename the file or give it an id in {MANIFEST_FILE}"
                        ),
                    },
                    path: f.path,
                });
                continue;
            }
            ids.insert(id.clone(), f.relative.clone());
            self.entries.push(Entry {
                path: f.path,
                relative: f.relative,
                id,
                manifest: f.listed,
            });
        }
    }

    /// The folder the corpus was read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The manifest, if the folder has one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// The documents to read, in path order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Files that could not even be listed (unreadable folders, link loops, duplicate ids,
    /// manifest entries without a file).
    pub fn problems(&self) -> &[Skipped] {
        &self.problems
    }

    /// Files left out because no loader reads their type.
    pub fn ignored(&self) -> &[PathBuf] {
        &self.ignored
    }

    /// Takes the listing problems out (to report them with the documents that failed to read).
    pub fn take_problems(&mut self) -> Vec<Skipped> {
        std::mem::take(&mut self.problems)
    }

    /// Refuses files larger than `bytes` (default [`DEFAULT_MAX_FILE_SIZE`]) with an error
    /// naming the file and its size, rather than reading them into memory.
    pub fn max_file_size(mut self, bytes: u64) -> CorpusReader {
        self.max_file_size = bytes;
        self
    }

    /// Reads one document.
    ///
    /// Its metadata is the manifest entry's, then a sidecar file's (`NAME.meta.toml` beside
    /// `NAME.pdf`), then what the file carries, each filling only what the one before left
    /// empty; a title still missing is the text's first line.
    pub fn read(&self, entry: &Entry) -> Result<Document> {
        let fail = |message: String| Error::Document {
            path: entry.path.clone(),
            message,
        };
        let size = std::fs::metadata(&entry.path)
            .map_err(|e| Error::io(&entry.path, e))?
            .len();
        let no_text = entry.manifest.as_ref().is_some_and(|m| m.no_text);
        if size == 0 && !no_text {
            return Err(fail("empty file (0 bytes)".to_string()));
        }
        if size > self.max_file_size {
            return Err(fail(format!(
                "file is {}, above the limit of {} (raise it with --max-file-size)",
                human_size(size),
                human_size(self.max_file_size)
            )));
        }
        let loader = self
            .loaders
            .for_path(&entry.path)
            .ok_or_else(|| fail("no loader for this file type".to_string()))?;
        let listed = entry
            .manifest
            .as_ref()
            .map(|m| m.metadata.clone())
            .unwrap_or_default();
        let sidecar = sidecar_path(&entry.path);
        let sidecar = if sidecar.is_file() {
            Manifest::sidecar(&sidecar)?
        } else {
            Metadata::default()
        };
        // Every buffer as large as the file is reserved fallibly: a file too large for the
        // memory there is becomes an error for it, not an abort of the run.
        let too_large = |refused: memory::OutOfMemory| refused.for_file(&entry.path, size);
        let mut bytes = memory::read_file(&entry.path, size)?;
        let source_len = bytes.len();
        let forced = listed.encoding.as_deref().or(sidecar.encoding.as_deref());
        if let Some(label) = forced
            && matches!(loader.format(), "text" | "markdown" | "html")
            && let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes())
        {
            let text = memory::decode(encoding, &bytes).map_err(too_large)?;
            bytes = text.into_bytes();
        }
        let loaded = loader.load(&entry.path, bytes)?;
        // Loaders that report pages or sections hand over stored text already, since those
        // offsets index it.
        let text = if loaded.pages.is_empty() && loaded.sections.is_empty() {
            normalize::try_normalize(loaded.text).map_err(too_large)?
        } else {
            loaded.text
        };
        memory::check_headroom(text.len().saturating_mul(memory::CODING_HEADROOM))
            .map_err(too_large)?;
        let mut metadata = listed.or(sidecar).or(loaded.metadata);
        if metadata.title.is_empty() {
            metadata.title = first_line_title(&text);
        }
        Ok(Document {
            id: entry.id.clone(),
            path: Some(entry.path.clone()),
            format: loader.format(),
            text,
            metadata,
            source_len,
            pages: loaded.pages,
            sections: loaded.sections,
        })
    }

    /// Reads every document, in parallel, keeping path order.
    pub fn read_all(self) -> Corpus {
        self.read_all_with(&|_| {})
    }

    /// Like [`CorpusReader::read_all`], calling `progress` with each document read (from any
    /// thread, in no set order): for showing how far a long read has come.
    pub fn read_all_with(self, progress: &(dyn Fn(&Document) + Sync)) -> Corpus {
        let results: Vec<_> = self
            .entries
            .par_iter()
            .map(|entry| {
                let read = self.read(entry);
                if let Ok(doc) = &read {
                    progress(doc);
                }
                (entry.path.clone(), read)
            })
            .collect();
        let mut documents = Vec::with_capacity(results.len());
        let mut skipped = self.problems;
        for (path, result) in results {
            match result {
                Ok(doc) => documents.push(doc),
                Err(error) => skipped.push(Skipped { path, error }),
            }
        }
        let (name, groups) = self
            .manifest
            .map_or((None, Vec::new()), |m| (m.name, m.groups));
        Corpus {
            root: Some(self.root),
            name,
            documents,
            groups,
            skipped,
            ignored: self.ignored,
        }
    }
}

/// The size above which a file is refused unless allowed: 256 MB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

/// A size for messages: bytes for small sizes, else KB or MB (rounded up).
pub(crate) fn human_size(bytes: u64) -> String {
    match bytes {
        0..10_000 => format!("{bytes} bytes"),
        10_000..10_000_000 => format!("{} KB", bytes.div_ceil(1 << 10)),
        _ => format!("{} MB", bytes.div_ceil(1 << 20)),
    }
}

/// The suffix of sidecar metadata files.
const SIDECAR_SUFFIX: &str = ".meta.toml";

/// `dir/NAME.meta.toml` for `dir/NAME.ext`.
fn sidecar_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}{SIDECAR_SUFFIX}"))
}

/// The id the manifest gives a found file, if any.
fn manifest_id(found: &Found) -> Option<String> {
    found.listed.as_ref().and_then(|m| m.id.clone())
}

/// A lock the walk's filter shares; a panic while holding it cannot leave half a record.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where a symbolic link that leads out of `canonical_root` points; `None` when its target lies
/// inside (or cannot be resolved, which the walk then reports).
fn leaves(canonical_root: &Path, link: &Path) -> Option<PathBuf> {
    let target = std::fs::canonicalize(link).ok()?;
    (!target.starts_with(canonical_root)).then_some(target)
}

/// The file or folder a walk error is about.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// A walk error in words, without repeating the path it is reported with.
fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}", ancestor.display())
        }
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            walk_error_message(err)
        }
        other => other.to_string(),
    }
}

/// A document id from a path inside the corpus: the path without its extension.
fn id_from_relative(relative: &str) -> String {
    match relative.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() && !stem.ends_with('/') => stem.to_string(),
        _ => relative.to_string(),
    }
}

/// A set of documents in memory, with what could not be read.
#[derive(Debug, Default)]
pub struct Corpus {
    root: Option<PathBuf>,
    name: Option<String>,
    documents: Vec<Document>,
    groups: Vec<DocumentGroup>,
    skipped: Vec<Skipped>,
    ignored: Vec<PathBuf>,
}

impl Corpus {
    /// Reads every document of a folder (or a single file). See [`CorpusReader::open`].
    pub fn open(path: impl AsRef<Path>) -> Result<Corpus> {
        Ok(CorpusReader::open(path)?.read_all())
    }

    /// A corpus of documents already in memory.
    pub fn from_documents(documents: impl IntoIterator<Item = Document>) -> Corpus {
        Corpus {
            documents: documents.into_iter().collect(),
            ..Corpus::default()
        }
    }

    /// The folder it was read from, if any.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The corpus name from the manifest, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The documents read, in path order.
    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The groups of documents the manifest defines (or [`Corpus::with_groups`] gave).
    pub fn groups(&self) -> &[DocumentGroup] {
        &self.groups
    }

    /// The corpus with these groups of documents, as a REFI-QDA project's document sets.
    pub fn with_groups(mut self, groups: Vec<DocumentGroup>) -> Corpus {
        self.groups = groups;
        self
    }

    /// The document with id `id`.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| &*d.id == id)
    }

    /// Documents that could not be read, with the reason.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Files left out because no loader reads their type.
    pub fn ignored(&self) -> &[PathBuf] {
        &self.ignored
    }

    /// Total size of the stored text, in bytes.
    pub fn text_bytes(&self) -> usize {
        self.documents.iter().map(Document::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_drop_the_extension_only() {
        assert_eq!(id_from_relative("a/b.c.txt"), "a/b.c");
        assert_eq!(id_from_relative("README"), "README");
        assert_eq!(id_from_relative(".hidden"), ".hidden");
    }

    #[test]
    fn titles_come_from_the_first_non_blank_line() {
        assert_eq!(
            first_line_title("\n\n## **Brain Drain** \nx"),
            "Brain Drain"
        );
        assert_eq!(first_line_title(""), "");
        assert_eq!(first_line_title(&"x".repeat(300)).chars().count(), 201);
    }

    #[test]
    fn a_document_whose_buffers_are_refused_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("small.txt"), "Brain drain.\n").unwrap();
        std::fs::write(dir.path().join("large.txt"), "brain drain ".repeat(200)).unwrap();
        // "Утечка мозгов" in Windows-1251: 2,400 bytes that decode to about 4,200.
        let text = "Утечка мозгов ".repeat(170);
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
        std::fs::write(dir.path().join("legacy.txt"), &cp1251).unwrap();
        let reader = CorpusReader::open(dir.path()).unwrap();
        let entry = |id: &str| reader.entries().iter().find(|e| &*e.id == id).unwrap();
        // The stand-in for a system that refuses allocations above 3,000 bytes, on this thread.
        let _limit = memory::refuse_above(3000);
        assert!(reader.read(entry("small")).is_ok());
        for id in ["large", "legacy"] {
            let err = reader.read(entry(id)).unwrap_err().to_string();
            assert!(
                err.contains(&format!("{id}.txt")) && err.contains("too large to hold in memory"),
                "{err}"
            );
        }
        drop(_limit);
        let legacy = reader.read(entry("legacy")).unwrap();
        assert!(legacy.text.starts_with("Утечка мозгов"));
    }

    #[test]
    fn metadata_fields_are_reachable_by_name() {
        let mut m = Metadata {
            year: Some(2022),
            authors: vec!["A".into(), "B".into()],
            ..Metadata::default()
        };
        m.fields.insert("country".into(), "KZ".into());
        assert_eq!(m.get("year").as_deref(), Some("2022"));
        assert_eq!(m.get("authors").as_deref(), Some("A; B"));
        assert_eq!(m.get("country").as_deref(), Some("KZ"));
        assert_eq!(m.get("kind"), None);
    }
}
