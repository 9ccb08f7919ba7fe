//! PDF documents: text per page, repaired into paragraphs, with a page map for citations.
//!
//! # Isolation
//!
//! PDF readers meet hostile input: pdf-extract panics on some files, overflows its stack on a
//! form that draws itself (aborting the whole process), and inflates a 3 KB file into gigabytes.
//! So by default ([`PdfBackend::Isolated`]) every PDF is read in a child process, the `thematic`
//! executable run as `thematic __extract-pdf`, under an address-space limit, a CPU-time limit
//! and a wall-clock timeout. Whatever happens to the child becomes an error for that one file,
//! naming it and the reason; the run goes on with the other documents.
//!
//! [`PdfBackend::InProcess`] skips the child (faster for trusted files, and the only choice where
//! no `thematic` executable exists); [`PdfBackend::Pdftotext`] uses poppler's `pdftotext`,
//! which reads some files pdf-extract cannot.
//!
//! # Repair
//!
//! Extracted PDF text is a layout, not a text: lines end where the page did, words are
//! hyphenated across lines, running headers and page numbers repeat on every page, and
//! justified lines are padded with spaces. [`assemble`] turns the pages into the stored text:
//! ligatures expanded, repeated headers and footers and bare page numbers removed, lines of a
//! paragraph joined (re-joining hyphenated words unless the document itself spells the word
//! with a hyphen), a paragraph broken by a page break joined again, and each page's starting
//! offset recorded so that every passage can be cited by page. The outline (bookmarks), where
//! the PDF has one, gives the sections: each starts where its title is printed on its page.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::loader::{Loaded, Loader};
use super::{Metadata, Section, normalize};
use crate::error::{Error, Result};

/// The hidden first argument that makes the `thematic` executable act as the PDF extractor.
pub const EXTRACTOR_ARG: &str = "__extract-pdf";

/// The environment variable through which the password of encrypted PDFs reaches the child
/// (not its arguments, which other users can list).
const PASSWORD_VAR: &str = "THEMATIC_PDF_PASSWORD";

/// The exit code of a child that reports a clean error on stderr.
const CHILD_ERROR_EXIT: i32 = 3;

/// The stderr prefix of such an error.
const CHILD_ERROR_PREFIX: &str = "thematic-pdf-error: ";

/// How PDFs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfBackend {
    /// pdf-extract in a child process: the `thematic` executable at `extractor`, or, when
    /// `None`, one found beside the running program or on `PATH`.
    Isolated {
        /// The `thematic` executable to run as the extractor.
        extractor: Option<PathBuf>,
    },
    /// pdf-extract in this process. A hostile PDF can crash the process.
    InProcess,
    /// poppler's `pdftotext` (and `pdfinfo` for the metadata), run as child processes.
    Pdftotext {
        /// The `pdftotext` program; `pdfinfo` is looked for beside it.
        program: PathBuf,
    },
}

/// The loader for `.pdf` files. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct PdfLoader {
    backend: PdfBackend,
    timeout: Duration,
    max_memory: u64,
    password: Option<String>,
}

impl Default for PdfLoader {
    /// Isolated pdf-extract, 120 s and 2 GB per file.
    fn default() -> PdfLoader {
        PdfLoader {
            backend: PdfBackend::Isolated { extractor: None },
            timeout: Duration::from_secs(120),
            max_memory: 2 << 30,
            password: None,
        }
    }
}

impl PdfLoader {
    /// A loader with the given backend and the default limits.
    pub fn new(backend: PdfBackend) -> PdfLoader {
        PdfLoader {
            backend,
            ..PdfLoader::default()
        }
    }

    /// The wall-clock time one file may take (isolated and pdftotext backends).
    pub fn timeout(mut self, timeout: Duration) -> PdfLoader {
        self.timeout = timeout;
        self
    }

    /// The address space, in bytes, the isolated extractor may use.
    pub fn max_memory(mut self, bytes: u64) -> PdfLoader {
        self.max_memory = bytes;
        self
    }

    /// The password for encrypted PDFs (tried on those only).
    pub fn password(mut self, password: impl Into<String>) -> PdfLoader {
        self.password = Some(password.into());
        self
    }

    /// The backend in use.
    pub fn backend(&self) -> &PdfBackend {
        &self.backend
    }

    fn extract(&self, path: &Path, bytes: &[u8]) -> std::result::Result<Extracted, String> {
        check_header(bytes)?;
        match &self.backend {
            PdfBackend::InProcess => extract_catching_panics(bytes, self.password.as_deref()),
            PdfBackend::Isolated { extractor } => {
                let extractor = match extractor {
                    Some(path) => path.clone(),
                    None => locate_extractor().ok_or_else(|| {
                        "cannot read PDFs safely: no `thematic` executable was found to run the PDF reader in (install thematic, or choose the in-process or pdftotext backend)".to_string()
                    })?,
                };
                self.extract_isolated(&extractor, path)
            }
            PdfBackend::Pdftotext { program } => self.extract_pdftotext(program, path),
        }
    }

    fn extract_isolated(
        &self,
        extractor: &Path,
        path: &Path,
    ) -> std::result::Result<Extracted, String> {
        // A predictable name in a shared folder is an invitation: anyone could plant a symlink
        // there and have the child overwrite its target. The file is created here, exclusively,
        // under a random name; the child only opens it (never through a symlink), and it is
        // removed when `out` drops, however the child ended.
        let mut out = tempfile::Builder::new()
            .prefix("thematic-pdf-")
            .suffix(".json")
            .tempfile()
            .map_err(|e| {
                format!("cannot create a temporary file for the PDF extractor's result: {e}")
            })?;
        let mut command = Command::new(extractor);
        command
            .arg(EXTRACTOR_ARG)
            .arg(path)
            .arg(out.path())
            .arg(self.max_memory.to_string())
            .arg(self.timeout.as_secs().max(1).to_string());
        if let Some(password) = &self.password {
            command.env(PASSWORD_VAR, password);
        }
        let ran = run_limited(command, self.timeout)
            .map_err(|e| format!("cannot run the PDF extractor {}: {e}", extractor.display()));
        ran.and_then(|ran| self.interpret_child(ran, out.as_file_mut()))
    }

    /// The child's result, read through this process's own handle of the file it was given
    /// (so whatever the name may point at by now, only what the child wrote into it is read).
    fn interpret_child(
        &self,
        ran: Ran,
        out: &mut std::fs::File,
    ) -> std::result::Result<Extracted, String> {
        let time_limit = || {
            format!(
                "PDF too large or too complex to extract (no result within the {} s time limit; raise it with --pdf-timeout)",
                self.timeout.as_secs()
            )
        };
        let memory_limit = || {
            format!(
                "PDF too large or too complex to extract (it needed more than the {} MB memory limit; raise it with --pdf-memory)",
                self.max_memory >> 20
            )
        };
        if ran.timed_out {
            return Err(time_limit());
        }
        if ran.status.success() {
            let mut json = Vec::new();
            out.read_to_end(&mut json)
                .map_err(|e| format!("the PDF extractor left no result: {e}"))?;
            return serde_json::from_slice(&json)
                .map_err(|e| format!("the PDF extractor's result is unreadable: {e}"));
        }
        let stderr = String::from_utf8_lossy(&ran.stderr);
        if let Some(message) = stderr
            .lines()
            .find_map(|l| l.strip_prefix(CHILD_ERROR_PREFIX))
        {
            return Err(message.to_string());
        }
        if stderr.contains("overflowed its stack") {
            return Err(
                "recursive or too deeply nested PDF structure (the reader overflowed its stack)"
                    .into(),
            );
        }
        if stderr.contains("memory allocation of")
            || stderr.contains("capacity overflow")
            || stderr.contains("out of memory")
        {
            return Err(memory_limit());
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            // SIGXCPU: the CPU-time limit.
            if ran.status.signal() == Some(24) {
                return Err(time_limit());
            }
        }
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(2)..].join(" / ");
        Err(format!(
            "the PDF reader crashed ({}){}",
            ran.status,
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        ))
    }

    fn extract_pdftotext(
        &self,
        program: &Path,
        path: &Path,
    ) -> std::result::Result<Extracted, String> {
        let mut command = Command::new(program);
        command.args(["-enc", "UTF-8"]);
        if let Some(password) = &self.password {
            command.arg("-upw").arg(password);
        }
        command.arg(path).arg("-");
        let ran = run_limited(command, self.timeout)
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if ran.timed_out {
            return Err(format!(
                "PDF too large or too complex to extract (no result within {} s)",
                self.timeout.as_secs()
            ));
        }
        let stderr = String::from_utf8_lossy(&ran.stderr);
        if !ran.status.success() {
            return Err(if stderr.contains("Incorrect password") {
                "the PDF is password-protected (give its password)".to_string()
            } else if stderr.contains("xref")
                || stderr.contains("May not be a PDF")
                || stderr.contains("Couldn't")
            {
                format!(
                    "damaged or incomplete PDF ({})",
                    stderr.lines().next().unwrap_or("").trim()
                )
            } else {
                format!("pdftotext failed ({}): {}", ran.status, stderr.trim())
            });
        }
        let text = String::from_utf8_lossy(&ran.stdout);
        let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
        // pdftotext ends every page with a form feed, the last one too.
        if pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
            pages.pop();
        }
        let mut extracted = Extracted {
            pages,
            ..Extracted::default()
        };
        let pdfinfo = program.with_file_name("pdfinfo");
        let mut info = Command::new(if pdfinfo.is_file() {
            pdfinfo
        } else {
            PathBuf::from("pdfinfo")
        });
        info.args(["-enc", "UTF-8"]).arg(path);
        if let Ok(ran) = run_limited(info, self.timeout)
            && ran.status.success()
        {
            for line in String::from_utf8_lossy(&ran.stdout).lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                match key {
                    "Title" => extracted.title = value,
                    "Author" => extracted.author = value,
                    "Subject" => extracted.subject = value,
                    "Keywords" => extracted.keywords = value,
                    "CreationDate" => extracted.created = value,
                    _ => {}
                }
            }
        }
        Ok(extracted)
    }
}

impl Loader for PdfLoader {
    fn format(&self) -> &'static str {
        "pdf"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let fail = |message: String| Error::Document {
            path: path.to_path_buf(),
            message,
        };
        let extracted = self.extract(path, &bytes).map_err(fail)?;
        let page_count = extracted.pages.len();
        let metadata = extracted.metadata();
        let (text, pages) = assemble(extracted.pages);
        if text.trim().is_empty() {
            return Err(fail(format!(
                "no extractable text in {page_count} page{} (a scan, or fonts without a text mapping); OCR it first, e.g. with ocrmypdf",
                if page_count == 1 { "" } else { "s" }
            )));
        }
        let sections = outline_sections(&text, &pages, &extracted.outline);
        Ok(Loaded {
            text,
            metadata,
            pages,
            sections,
        })
    }
}

/// What an extractor returns: the raw text of each page and the document information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// The text of each page, as laid out.
    pub pages: Vec<String>,
    /// The Info dictionary's Title.
    pub title: Option<String>,
    /// Its Author.
    pub author: Option<String>,
    /// Its Subject.
    pub subject: Option<String>,
    /// Its Keywords.
    pub keywords: Option<String>,
    /// Its CreationDate, as written.
    pub created: Option<String>,
    /// The outline (bookmarks): level (1 for the top), title and 1-based page of each entry,
    /// in document order.
    #[serde(default)]
    pub outline: Vec<(u8, String, usize)>,
}

impl Extracted {
    /// The document information as metadata. Titles that are only a producer's label
    /// ("Microsoft Word - draft.docx", "untitled") are left out.
    pub fn metadata(&self) -> Metadata {
        let mut m = Metadata::default();
        if let Some(title) = &self.title {
            let lower = title.to_lowercase();
            let placeholder = lower.starts_with("microsoft word - ")
                || lower == "untitled"
                || lower.ends_with(".doc")
                || lower.ends_with(".docx")
                || lower.ends_with(".pdf");
            if !placeholder {
                m.title = title.trim().to_string();
            }
        }
        if let Some(author) = &self.author {
            m.authors = author
                .split(';')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
        }
        if let Some(created) = &self.created {
            m.year = created
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|run| run.get(..4).and_then(|y| y.parse::<i32>().ok()))
                .find(|y| (1900..=2200).contains(y));
        }
        for (key, value) in [("subject", &self.subject), ("keywords", &self.keywords)] {
            if let Some(value) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                m.fields.insert(key.to_string(), value.trim().to_string());
            }
        }
        m
    }
}

/// Refuses files that are not PDFs before any reader sees them.
fn check_header(bytes: &[u8]) -> std::result::Result<(), String> {
    let head = &bytes[..bytes.len().min(1024)];
    if memchr::memmem::find(head, b"%PDF-").is_none() {
        return Err("not a PDF (no %PDF- header in its first 1 KB)".into());
    }
    Ok(())
}

/// Reads a PDF with pdf-extract in this process; panics become errors.
pub fn extract_catching_panics(
    bytes: &[u8],
    password: Option<&str>,
) -> std::result::Result<Extracted, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract_in_process(bytes, password)
    })) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            Err(format!(
                "the PDF reader failed on this file (pdf-extract panicked: {message})"
            ))
        }
    }
}

fn extract_in_process(
    bytes: &[u8],
    password: Option<&str>,
) -> std::result::Result<Extracted, String> {
    check_header(bytes)?;
    let classify = |e: String| {
        let lower = e.to_lowercase();
        if lower.contains("decrypt") || lower.contains("password") || lower.contains("encrypt") {
            "the PDF is password-protected (give its password)".to_string()
        } else if lower.contains("xref")
            || lower.contains("cross reference")
            || lower.contains("trailer")
            || lower.contains("header")
            || lower.contains("parse")
        {
            format!("damaged or incomplete PDF ({e})")
        } else {
            format!("the PDF could not be read: {e}")
        }
    };
    let loaded = match password {
        Some(password) => pdf_extract::Document::load_mem_with_options(
            bytes,
            pdf_extract::LoadOptions::with_password(password),
        ),
        None => pdf_extract::Document::load_mem(bytes),
    };
    let mut doc = loaded.map_err(|e| classify(e.to_string()))?;
    if doc.is_encrypted() {
        doc.decrypt(password.unwrap_or(""))
            .map_err(|e| classify(format!("decryption: {e}")))?;
    }
    let mut extracted = info(&doc);
    // A document without an outline, or with a broken one, simply has no sections.
    if let Ok(toc) = doc.get_toc() {
        extracted.outline = toc
            .toc
            .into_iter()
            .filter(|entry| !entry.title.trim().is_empty() && entry.page > 0)
            .map(|entry| (entry.level.clamp(1, 6) as u8, entry.title, entry.page))
            .collect();
    }
    for (number, _) in doc.get_pages() {
        let mut text = String::new();
        pdf_extract::output_doc_page(
            &doc,
            &mut pdf_extract::PlainTextOutput::new(&mut text),
            number,
        )
        .map_err(|e| format!("page {number} could not be read: {e}"))?;
        extracted.pages.push(text);
    }
    Ok(extracted)
}

/// The Info dictionary's text strings.
fn info(doc: &pdf_extract::Document) -> Extracted {
    let mut out = Extracted::default();
    let dict = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| match o {
            pdf_extract::Object::Reference(id) => doc.get_object(*id).ok(),
            other => Some(other),
        })
        .and_then(|o| o.as_dict().ok());
    let Some(dict) = dict else { return out };
    let get = |key: &[u8]| {
        dict.get(key)
            .ok()
            .and_then(|o| pdf_extract::decode_text_string(o).ok())
            .map(|s| s.trim_matches(char::from(0)).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    out.title = get(b"Title");
    out.author = get(b"Author");
    out.subject = get(b"Subject");
    out.keywords = get(b"Keywords");
    out.created = dict
        .get(b"CreationDate")
        .ok()
        .and_then(|o| o.as_str().ok())
        .map(|s| String::from_utf8_lossy(s).into_owned());
    out
}

/// The body of `thematic __extract-pdf FILE OUT MAX_MEMORY MAX_SECONDS`: limits its own
/// resources, extracts FILE and writes the result as JSON to OUT. Returns the exit code.
///
/// OUT must be an empty regular file that the caller created for the purpose (securely, with a
/// random name): it is opened without creating it and never through a symbolic link, so a link
/// planted in its place is refused rather than followed.
///
/// Call it first thing in `main` of a program that names itself as the isolated extractor.
pub fn run_extractor(args: &[String]) -> i32 {
    let report = |message: &str| {
        eprintln!("{CHILD_ERROR_PREFIX}{message}");
        CHILD_ERROR_EXIT
    };
    let [file, out, max_memory, max_seconds] = args else {
        return report("usage: thematic __extract-pdf FILE OUT MAX_MEMORY MAX_SECONDS");
    };
    let (Ok(max_memory), Ok(max_seconds)) = (max_memory.parse::<u64>(), max_seconds.parse::<u64>())
    else {
        return report("MAX_MEMORY and MAX_SECONDS must be whole numbers");
    };
    limit_resources(max_memory, max_seconds);
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return report(&format!("cannot read the file: {e}")),
    };
    let password = std::env::var(PASSWORD_VAR).ok();
    // The default hook would print the panic message before it is reported properly.
    std::panic::set_hook(Box::new(|_| {}));
    match extract_catching_panics(&bytes, password.as_deref()) {
        Ok(extracted) => {
            let json = serde_json::to_vec(&extracted).expect("serialising strings");
            match write_result(Path::new(out), &json) {
                Ok(()) => 0,
                Err(e) => report(&format!("cannot write the result to {out}: {e}")),
            }
        }
        Err(message) => report(&message),
    }
}

/// Caps the extractor's address space and CPU time, so a decompression bomb or an endless
/// loop ends the child, not the machine.
#[cfg(unix)]
fn limit_resources(max_memory: u64, max_seconds: u64) {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let _ = setrlimit(
        Resource::As,
        Rlimit {
            current: Some(max_memory),
            maximum: Some(max_memory),
        },
    );
    let _ = setrlimit(
        Resource::Cpu,
        Rlimit {
            current: Some(max_seconds + 1),
            maximum: Some(max_seconds + 2),
        },
    );
}

#[cfg(not(unix))]
fn limit_resources(_max_memory: u64, _max_seconds: u64) {}

/// A `thematic` executable to run as the extractor: this program if it is one, else one beside
/// it or its folder's parent (where cargo puts binaries relative to test executables), else on
/// `PATH`.
pub fn locate_extractor() -> Option<PathBuf> {
    let name = format!("thematic{}", std::env::consts::EXE_SUFFIX);
    let current = std::env::current_exe().ok()?;
    if current.file_name().is_some_and(|n| n == name.as_str()) {
        return Some(current);
    }
    let beside = current.parent().into_iter().flat_map(|dir| {
        [
            dir.join(&name),
            dir.parent().map(|p| p.join(&name)).unwrap_or_default(),
        ]
    });
    beside
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&name))
                .collect::<Vec<_>>()
        }))
        .find(|p| p.is_file())
}

/// Writes the child's result into the file its parent created: opened without `O_CREAT` and
/// with `O_NOFOLLOW`, and only if it is a regular file still empty, so neither a symlink nor
/// another file put in its place is written through.
fn write_result(out: &Path, json: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut file = options.open(out)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() != 0 {
        return Err(std::io::Error::other(
            "not the empty file made for the result",
        ));
    }
    file.write_all(json)?;
    file.flush()
}

/// How a child process ended.
struct Ran {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    timed_out: bool,
}

/// Runs `command` to completion or until `timeout`, when it is killed; stdout and stderr are
/// collected (stderr up to 64 KB) by threads so that a full pipe never stalls the child.
fn run_limited(mut command: Command, timeout: Duration) -> std::io::Result<Ran> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(64 << 10).read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (status, false);
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            break (child.wait()?, true);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    Ok(Ran {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
        timed_out,
    })
}

// ---------------------------------------------------------------------------------------------
// Repair

/// Words that follow a hyphen kept at a line end in "pre- and post-war": a coordinated compound,
/// not a hyphenated word.
const CONJUNCTIONS: &[&str] = &[
    "and", "or", "to", "nor", "и", "или", "та", "і", "й", "чи", "або", "және", "мен", "не",
];

/// Turns the raw text of each page into the stored text and the character offset where each
/// page begins. See the [module documentation](self#repair).
///
/// ```
/// use thematic::corpus::pdf::assemble;
/// let pages = vec![
///     "Migration Review\n\nThe outflow of   interna-\ntional students\ngrew.\n\n1\n".to_string(),
///     "Migration Review\n\ncontinued on the next page.\n\n2\n".to_string(),
/// ];
/// let (text, starts) = assemble(pages);
/// assert_eq!(text, "The outflow of international students grew.\n\ncontinued on the next page.\n");
/// assert_eq!(starts, [0, 45]);
/// ```
pub fn assemble(pages: Vec<String>) -> (String, Vec<usize>) {
    let pages: Vec<Vec<String>> = pages.into_iter().map(|p| clean_lines(&p)).collect();
    let pages = strip_running_lines(pages);
    let vocabulary = vocabulary(&pages);
    let mut text = String::new();
    let mut chars = 0usize;
    let mut starts = Vec::with_capacity(pages.len());
    // Whether the text ends in a paragraph that the next page may continue.
    let mut open = false;
    for page in &pages {
        let paragraphs = paragraphs(page, &vocabulary);
        let mut first = true;
        for paragraph in paragraphs {
            let continues = first && open && starts_lowercase(&paragraph);
            if continues {
                let joined = join_pair(&text, &paragraph, &vocabulary);
                match joined {
                    Join::Dehyphenate => {
                        text.pop();
                        chars -= 1;
                    }
                    Join::Space => {
                        text.push(' ');
                        chars += 1;
                    }
                    Join::Direct => {}
                }
            } else if !text.is_empty() {
                text.push_str("\n\n");
                chars += 2;
            }
            if first {
                starts.push(chars);
                first = false;
            }
            text.push_str(&paragraph);
            chars += paragraph.chars().count();
            open = !ends_sentence(&paragraph);
        }
        if first {
            // A page without text begins where the next text will.
            starts.push(if text.is_empty() { 0 } else { chars + 2 });
        }
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let total = text.chars().count();
    for start in &mut starts {
        *start = (*start).min(total);
    }
    (text, starts)
}

/// Sections from the PDF's outline: each entry starts where its title appears on its page in
/// the assembled text (compared word by word, ignoring case), or at the top of the page when
/// the title is not found there. Starts never go backwards, so the sections stay in order.
fn outline_sections(text: &str, pages: &[usize], outline: &[(u8, String, usize)]) -> Vec<Section> {
    if outline.is_empty() || pages.is_empty() {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut sections = Vec::new();
    let mut floor = 0;
    for (level, title, page) in outline {
        let Some(&page_start) = pages.get(page - 1) else {
            continue;
        };
        let page_end = pages.get(*page).copied().unwrap_or(chars.len());
        let from = page_start.max(floor);
        let start = find_words(&chars, from, page_end.max(from), title).unwrap_or(from);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        sections.push(Section {
            start,
            level: *level,
            title,
        });
        floor = start;
    }
    sections
}

/// The first character offset in `chars[from..to]` where the words of `title` occur in order,
/// separated by whitespace, ignoring case.
fn find_words(chars: &[char], from: usize, to: usize, title: &str) -> Option<usize> {
    let wanted: Vec<char> = title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(char::to_lowercase)
        .collect();
    if wanted.is_empty() {
        return None;
    }
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    (from..to).find(|&start| {
        let mut at = start;
        for &w in &wanted {
            if w == ' ' {
                if !chars.get(at).is_some_and(|c| c.is_whitespace()) {
                    return false;
                }
                while chars.get(at).is_some_and(|c| c.is_whitespace()) {
                    at += 1;
                }
                continue;
            }
            if chars.get(at).map(|&c| lower(c)) != Some(w) {
                return false;
            }
            at += 1;
        }
        true
    })
}

/// One page's lines: ligatures expanded, soft hyphens and control characters dropped, NFC,
/// runs of whitespace collapsed, trimmed.
fn clean_lines(page: &str) -> Vec<String> {
    // The ligatures are expanded one by one rather than by NFKC, which would also turn
    // superscript footnote markers into digits glued to the word ("migration¹" becoming
    // "migration1", a word no pattern matches) and "№" into "No".
    let mut expanded = String::with_capacity(page.len());
    for c in page.chars() {
        match c {
            '\u{fb00}' => expanded.push_str("ff"),
            '\u{fb01}' => expanded.push_str("fi"),
            '\u{fb02}' => expanded.push_str("fl"),
            '\u{fb03}' => expanded.push_str("ffi"),
            '\u{fb04}' => expanded.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => expanded.push_str("st"),
            '\u{ad}' => {}
            '\r' | '\u{b}' | '\u{c}' => expanded.push('\n'),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => expanded.push(c),
        }
    }
    normalize(expanded)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// A line's shape for recognising running headers and footers: lowercase, digits as `#`.
fn shape(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Is the line only a page number ("12", "- 12 -", "12 / 40", "Page 12", "Стр. 12", "xii")?
/// Numbers of four digits are years ("2023–2027"), not page numbers.
fn is_page_number(line: &str) -> bool {
    let shape = shape(line);
    if is_roman(&shape) {
        return true;
    }
    if shape.is_empty()
        || shape.chars().count() > 24
        || !shape.contains('#')
        || shape.contains("####")
    {
        return false;
    }
    let rest = [
        "page",
        "p.",
        "стр.",
        "страница",
        "с.",
        "сторінка",
        "бет",
        "of",
        "из",
        "з",
    ]
    .iter()
    .fold(shape, |s, word| s.replace(word, ""));
    rest.chars()
        .all(|c| c == '#' || c.is_whitespace() || "-–—/|.()[]".contains(c))
}

fn is_roman(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.chars().all(|c| "ivxlc".contains(c))
}

/// Removes, from the top and bottom of each page, lines that recur at the edges of at least
/// half the pages (running headers and footers) and bare page numbers. Lines with digits recur
/// when they agree apart from a number that moves with the page ("Page 3" on the third page,
/// "Page 4" on the fourth), so numbered headings that merely look alike stay.
fn strip_running_lines(mut pages: Vec<Vec<String>>) -> Vec<Vec<String>> {
    const EDGE: usize = 3;
    let edges = |page: &Vec<String>| -> Vec<usize> {
        let lines: Vec<usize> = (0..page.len()).filter(|&i| !page[i].is_empty()).collect();
        let mut picked: Vec<usize> = lines.iter().take(EDGE).copied().collect();
        picked.extend(lines.iter().rev().take(EDGE).copied());
        picked.sort_unstable();
        picked.dedup();
        picked
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (number, page) in pages.iter().enumerate() {
        let mut keys: Vec<String> = edges(page)
            .into_iter()
            .map(|i| running_key(&page[i], number))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    let needed = pages.len().div_ceil(2).max(2);
    for (number, page) in pages.iter_mut().enumerate() {
        let running = |line: &str| {
            is_page_number(line)
                || counts
                    .get(&running_key(line, number))
                    .is_some_and(|&n| n >= needed)
        };
        for _ in 0..EDGE {
            match page.iter().position(|l| !l.is_empty()) {
                Some(i) if running(&page[i]) => page[i].clear(),
                _ => break,
            }
        }
        for _ in 0..EDGE {
            match page.iter().rposition(|l| !l.is_empty()) {
                Some(i) if running(&page[i]) => page[i].clear(),
                _ => break,
            }
        }
    }
    pages
}

/// What a running line on page `number` (0-based) has in common with its repeats: its shape,
/// and for a line with a number, that number less the page's.
fn running_key(line: &str, number: usize) -> String {
    let shape = shape(line);
    let digits: String = line
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    match digits.parse::<i64>() {
        Ok(value) => format!("{shape}\u{1f}{}", value - number as i64),
        Err(_) => shape,
    }
}

/// The lowercase words of the document that are not split at a line end, hyphenated ones
/// included, to tell "interna-tional" (join) from "state-funded" (keep the hyphen).
fn vocabulary(pages: &[Vec<String>]) -> std::collections::HashSet<String> {
    let mut words = std::collections::HashSet::new();
    for line in pages.iter().flatten() {
        let mut tokens = line.split(' ').peekable();
        while let Some(token) = tokens.next() {
            let word = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
            if tokens.peek().is_none() && word.ends_with('-') {
                continue;
            }
            if !word.is_empty() {
                words.insert(word.to_lowercase());
            }
        }
    }
    words
}

/// How two lines of a paragraph are joined.
enum Join {
    /// With a space.
    Space,
    /// Dropping the line-end hyphen: a word hyphenated by the layout.
    Dehyphenate,
    /// Keeping the hyphen, without a space: a compound split after its hyphen.
    Direct,
}

fn join_pair(before: &str, after: &str, vocabulary: &std::collections::HashSet<String>) -> Join {
    let Some(stem) = before.strip_suffix('-') else {
        return Join::Space;
    };
    let last = stem.rsplit(' ').next().unwrap_or("");
    let last_word = last.trim_start_matches(|c: char| !c.is_alphanumeric());
    if !stem.chars().next_back().is_some_and(char::is_alphabetic) || last_word.is_empty() {
        return Join::Space;
    }
    let next = after.split(' ').next().unwrap_or("");
    let next_word = next.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '-');
    if CONJUNCTIONS.contains(&next_word.to_lowercase().as_str()) {
        return Join::Space;
    }
    if !next_word.chars().next().is_some_and(char::is_lowercase) {
        return Join::Direct;
    }
    let hyphenated = format!("{last_word}-{next_word}").to_lowercase();
    let joined = format!("{last_word}{next_word}").to_lowercase();
    if vocabulary.contains(&hyphenated) && !vocabulary.contains(&joined) {
        Join::Direct
    } else {
        Join::Dehyphenate
    }
}

/// The paragraphs of a page (runs of non-blank lines), each joined into one line.
fn paragraphs(lines: &[String], vocabulary: &std::collections::HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if current.is_empty() {
            current.push_str(line);
            continue;
        }
        match join_pair(&current, line, vocabulary) {
            Join::Space => current.push(' '),
            Join::Dehyphenate => {
                current.pop();
            }
            Join::Direct => {}
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn starts_lowercase(paragraph: &str) -> bool {
    paragraph.chars().next().is_some_and(char::is_lowercase)
}

fn ends_sentence(paragraph: &str) -> bool {
    let trimmed = paragraph.trim_end_matches(|c: char| "\"'’”»)]".contains(c));
    trimmed.ends_with(['.', '!', '?', ':', ';', '…'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn hyphenation_is_undone_unless_the_document_spells_the_word_with_a_hyphen() {
        let page = "The state-\nfunded scheme and interna-\ntional students, state-funded again.\n\nNur-\nSultan and pre-\nand post-war.".to_string();
        let (text, _) = assemble(vec![page]);
        assert_eq!(
            text,
            "The state-funded scheme and international students, state-funded again.\n\nNur-Sultan and pre- and post-war.\n"
        );
    }

    #[test]
    fn running_headers_footers_and_page_numbers_go() {
        let topics = ["Education", "Research", "Return", "Labour"];
        let page = |n: usize| {
            let topic = topics[n - 1];
            format!(
                "Migration Policy Review\n{topic} policy is the body of page {n}.\nIt goes on here.\n\nPage {n}\n"
            )
        };
        let (text, starts) = assemble((1..=4).map(page).collect());
        assert!(
            !text.contains("Migration Policy Review") && !text.contains("Page "),
            "{text}"
        );
        assert_eq!(text.matches("policy is the body").count(), 4, "{text}");
        assert_eq!(starts.len(), 4);
        // Every page starts at its own body text.
        let chars: Vec<char> = text.chars().collect();
        for (i, &s) in starts.iter().enumerate() {
            let from: String = chars[s..].iter().take(topics[i].len()).collect();
            assert_eq!(from, topics[i]);
        }
    }

    #[test]
    fn a_line_recurring_in_the_middle_of_pages_stays() {
        let page =
            |n: usize| format!("Article {n}.\nSecond {n}.\nSee Table 1.\nFourth {n}.\nLast {n}.\n");
        // Article 7 and Article 9 head pages 1 and 2: numbered alike, but not page numbers.
        let (text, _) = assemble(vec![page(7), page(9)]);
        assert_eq!(text.matches("See Table 1.").count(), 2, "{text}");
        assert!(
            text.contains("Article 7.") && text.contains("Last 9."),
            "{text}"
        );
    }

    #[test]
    fn ligatures_spaces_and_soft_hyphens_are_cleaned() {
        let (text, _) = assemble(vec![
            "The \u{fb01}eld   of  e\u{ad}migra\u{ad}tion\u{fb02}ows.".to_string(),
        ]);
        assert_eq!(words(&text), ["The", "field", "of", "emigrationflows."]);
    }

    #[test]
    fn a_paragraph_broken_by_a_page_break_is_joined_again() {
        let (text, starts) = assemble(vec![
            "The policy aims to\n".into(),
            "attract talent.\n".into(),
        ]);
        assert_eq!(text, "The policy aims to attract talent.\n");
        assert_eq!(starts, [0, 19]);
        let (text, starts) = assemble(vec!["Brain drain.\n".into(), "Return policy.\n".into()]);
        assert_eq!(text, "Brain drain.\n\nReturn policy.\n");
        assert_eq!(starts, [0, 14]);
    }

    #[test]
    fn empty_pages_keep_their_place_in_the_page_map() {
        let (text, starts) = assemble(vec!["One.".into(), " \n".into(), "Three.".into()]);
        assert_eq!(text, "One.\n\nThree.\n");
        assert_eq!(starts, [0, 6, 6]);
    }

    #[test]
    fn page_numbers_are_recognised_in_several_styles() {
        for line in [
            "12",
            "- 12 -",
            "12 / 40",
            "Page 12",
            "Стр. 12",
            "xii",
            "Page 3 of 10",
        ] {
            assert!(is_page_number(line), "{line}");
        }
        for line in ["2023-2027", "2023", "Table 12", "In 2012 the", ""] {
            assert!(!is_page_number(line), "{line}");
        }
    }

    #[test]
    fn non_pdfs_are_refused_by_their_header() {
        assert!(
            check_header(b"GIF89a....")
                .unwrap_err()
                .contains("not a PDF")
        );
        assert!(check_header(b"junk\n%PDF-1.7\n").is_ok());
    }

    #[test]
    fn info_dates_give_the_year_and_placeholders_are_no_titles() {
        let e = Extracted {
            title: Some("Microsoft Word - draft3.docx".into()),
            author: Some("A. One; B. Two".into()),
            created: Some("D:20230115093000+06'00'".into()),
            ..Extracted::default()
        };
        let m = e.metadata();
        assert_eq!(
            (m.title.as_str(), m.authors.len(), m.year),
            ("", 2, Some(2023))
        );
    }

    #[test]
    fn outline_entries_start_at_their_titles_or_their_page() {
        let text = "Cover page.\n\nINTRODUCTION\nof the  paper.\n\nBody of page two.\n";
        let page_two = text.find("Body").unwrap();
        let pages = vec![0, text[..page_two].chars().count()];
        let outline = vec![
            (1, "Introduction of the paper".to_string(), 1),
            (2, "Not printed anywhere".to_string(), 2),
            (1, "Lost".to_string(), 9),
        ];
        let sections = outline_sections(text, &pages, &outline);
        assert_eq!(sections.len(), 2);
        assert_eq!(
            (sections[0].start, sections[0].level),
            (text.find("INTRODUCTION").unwrap(), 1)
        );
        assert_eq!(sections[0].title, "Introduction of the paper");
        assert_eq!((sections[1].start, sections[1].level), (pages[1], 2));
    }
}
