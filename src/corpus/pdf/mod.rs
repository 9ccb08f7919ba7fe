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
//! `PdfBackend::InProcess` (feature `pdf`) skips the child (faster for trusted files, and the only choice where
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

// One module per backend (in_process, isolated, pdftotext, with the child-process runner the
// last two share in process) and one per repair phase (clean, running, page_numbers,
// hyphenation, put in order by repair; outline for the sections), so that each phase can be
// read and tested on its own.
mod clean;
mod hyphenation;
#[cfg(feature = "pdf")]
mod in_process;
mod isolated;
mod outline;
mod page_numbers;
mod pdftotext;
mod process;
mod repair;
mod running;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Metadata;
use super::loader::{Loaded, Loader};
use crate::error::{Error, Result};
use outline::outline_sections;

#[cfg(feature = "pdf")]
pub use in_process::extract_catching_panics;
#[cfg(feature = "pdf")]
pub use isolated::run_extractor;
pub use isolated::{EXTRACTOR_ARG, locate_extractor};
pub use repair::assemble;

/// How PDFs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfBackend {
    /// pdf-extract in a child process: the `thematic` executable at `extractor`, or, when
    /// `None`, one found beside the running program or on `PATH`.
    Isolated {
        /// The `thematic` executable to run as the extractor.
        extractor: Option<PathBuf>,
    },
    /// pdf-extract in this process (feature `pdf`). A hostile PDF can crash the process.
    #[cfg(feature = "pdf")]
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
            #[cfg(feature = "pdf")]
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
