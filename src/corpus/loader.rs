//! Loaders turn a file's bytes into text and whatever metadata the format carries.
//!
//! Every format sits behind the [`Loader`] trait, chosen by file extension through [`Loaders`];
//! adding a format means adding one loader. The built-in ones: plain text (UTF-8, or a legacy
//! encoding such as Windows-1251 or KOI8-R, detected), Markdown (YAML front matter and headings
//! as sections), HTML, DOCX, and PDF (see [`pdf`](super::pdf)).

use std::path::Path;

use super::{Metadata, Section, normalize};
use crate::error::{Error, Result};

/// What a loader extracted from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The document's text. When `pages` or `sections` are given, it is already the stored
    /// text ([`normalize`]d), since their offsets index it.
    pub text: String,
    /// Metadata the file itself carries (front matter, document properties, PDF info); the
    /// manifest and sidecar files take precedence.
    pub metadata: Metadata,
    /// Character offsets where each page begins (paged formats only).
    pub pages: Vec<usize>,
    /// Headings, in order, with the character offset where each begins.
    pub sections: Vec<Section>,
}

impl Loaded {
    /// Plain text with no more structure.
    pub fn text(text: String) -> Loaded {
        Loaded {
            text,
            ..Loaded::default()
        }
    }
}

/// Reads one file format.
pub trait Loader: Send + Sync {
    /// A short name of the format (`"text"`, `"markdown"`), recorded in the document.
    fn format(&self) -> &'static str;

    /// The lowercase file extensions this loader reads, without the dot.
    fn extensions(&self) -> &'static [&'static str];

    /// Extracts the text of the file at `path`, whose content is `bytes`.
    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded>;
}

/// Plain text: UTF-8, or a legacy single-byte encoding (Windows-1251, KOI8-R, …) detected and
/// recorded in the metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextLoader;

impl Loader for TextLoader {
    fn format(&self) -> &'static str {
        "text"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["txt"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let (text, encoding) = decode_text(path, bytes)?;
        let mut loaded = Loaded::text(text);
        loaded.metadata.encoding = encoding;
        Ok(loaded)
    }
}

/// Decodes `bytes` as UTF-8, or reports the byte offset, line and column of the first invalid
/// sequence.
pub fn decode_utf8(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|err| not_utf8(path, err.as_bytes(), err.utf8_error()))
}

fn not_utf8(path: &Path, bytes: &[u8], err: std::str::Utf8Error) -> Error {
    let offset = err.valid_up_to();
    let valid = &bytes[..offset];
    let line_start = memchr::memrchr(b'\n', valid).map_or(0, |i| i + 1);
    Error::NotUtf8 {
        path: path.to_path_buf(),
        offset,
        line: memchr::memchr_iter(b'\n', valid).count() + 1,
        // The prefix is valid UTF-8, so counting its characters is exact.
        column: crate::text::char_count(&valid[line_start..]) + 1,
    }
}

/// Decodes text that is UTF-8, UTF-16 (with a byte-order mark, or without one when its zero
/// bytes show it) or in a legacy encoding, returning the encoding's name when it was not UTF-8.
///
/// A file whose non-ASCII bytes mostly form valid UTF-8 sequences is UTF-8 with a fault, and is
/// reported as such (with the offset of the fault) rather than misread as Windows-1252; a file
/// with NUL or many control bytes is binary, not text. Otherwise the encoding is detected
/// (chardetng, as Firefox does) and the text decoded.
///
/// ```
/// use std::path::Path;
/// use thematic::corpus::decode_text;
/// // "Утечка мозгов" in Windows-1251.
/// let bytes = vec![0xD3, 0xF2, 0xE5, 0xF7, 0xEA, 0xE0, 0x20, 0xEC, 0xEE, 0xE7, 0xE3, 0xEE, 0xE2];
/// let (text, encoding) = decode_text(Path::new("old.txt"), bytes)?;
/// assert_eq!((text.as_str(), encoding.as_deref()), ("Утечка мозгов", Some("windows-1251")));
/// # Ok::<(), thematic::Error>(())
/// ```
pub fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<(String, Option<String>)> {
    if let Some((text, encoding)) = super::utf16::decode_if_utf16(path, &bytes)? {
        return Ok((text, Some(encoding)));
    }
    let err = match String::from_utf8(bytes) {
        Ok(text) => return Ok((super::utf16::refuse_nul(path, text)?, None)),
        Err(err) => err,
    };
    let utf8_error = err.utf8_error();
    let bytes = err.into_bytes();
    if let Some(at) = binary_at(&bytes) {
        return Err(Error::Document {
            path: path.to_path_buf(),
            message: format!(
                "binary data, not text (a control byte 0x{:02x} at byte offset {at})",
                bytes[at]
            ),
        });
    }
    let (valid, invalid) = utf8_sequences(&bytes);
    if valid >= invalid {
        return Err(not_utf8(path, &bytes, utf8_error));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let text = super::memory::decode(encoding, &bytes)
        .map_err(|refused| refused.for_file(path, bytes.len() as u64))?;
    Ok((text, Some(encoding.name().to_ascii_lowercase())))
}

/// The offset of the first byte that marks binary data: NUL, or a control character other than
/// tab, line feed, form feed and carriage return.
fn binary_at(bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f))
}

/// Counts of (valid multi-byte UTF-8 sequences, bytes that belong to none).
fn utf8_sequences(bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        let len = match bytes[i] {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        if len > 0 && i + len <= bytes.len() && std::str::from_utf8(&bytes[i..i + len]).is_ok() {
            valid += 1;
            i += len;
        } else {
            invalid += 1;
            i += 1;
        }
    }
    (valid, invalid)
}

/// The set of loaders a corpus reads with, looked up by file extension.
pub struct Loaders {
    loaders: Vec<Box<dyn Loader>>,
}

impl Loaders {
    /// These loaders, in order of preference. The default set is the corpus module's: the loaders
    /// of the formats sit above this one.
    pub(crate) fn of(loaders: Vec<Box<dyn Loader>>) -> Loaders {
        Loaders { loaders }
    }
}

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.loaders.iter().map(|l| l.format()))
            .finish()
    }
}

impl Loaders {
    /// No loaders at all.
    pub fn empty() -> Loaders {
        Loaders {
            loaders: Vec::new(),
        }
    }

    /// Adds a loader; it takes precedence over earlier ones for the extensions it claims.
    pub fn with(mut self, loader: impl Loader + 'static) -> Loaders {
        self.loaders.insert(0, Box::new(loader));
        self
    }

    /// The loader for `path`'s extension, if any.
    pub fn for_path(&self, path: &Path) -> Option<&dyn Loader> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        self.loaders
            .iter()
            .find(|l| l.extensions().contains(&ext.as_str()))
            .map(|l| &**l)
    }

    /// The extensions read, for messages.
    pub fn extensions(&self) -> Vec<&'static str> {
        let mut all: Vec<&str> = self
            .loaders
            .iter()
            .flat_map(|l| l.extensions().iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Normalises a loader's text and keeps its offsets right: for loaders that build pages or
/// sections, the text they index must already be the stored text.
pub(crate) fn normalized(text: String) -> String {
    normalize(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_utf8_reports_offset_line_and_column() {
        let bytes = "first line\nвторая \u{436} "
            .bytes()
            .chain([0xff])
            .chain(*b" rest")
            .collect();
        match decode_text(Path::new("bad.txt"), bytes) {
            Err(Error::NotUtf8 {
                offset,
                line,
                column,
                ..
            }) => assert_eq!((offset, line, column), (27, 2, 10)),
            other => panic!("expected NotUtf8, got {other:?}"),
        }
    }

    #[test]
    fn legacy_cyrillic_encodings_are_detected() {
        let text = "Интеллектуальная миграция и утечка мозгов в Казахстане.";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let (decoded, enc) = decode_text(Path::new("a.txt"), cp1251.into_owned()).unwrap();
        assert_eq!(
            (decoded.as_str(), enc.as_deref()),
            (text, Some("windows-1251"))
        );
        let (koi8, _, _) = encoding_rs::KOI8_R.encode(text);
        let (decoded, enc) = decode_text(Path::new("a.txt"), koi8.into_owned()).unwrap();
        assert_eq!((decoded.as_str(), enc.as_deref()), (text, Some("koi8-u")));
    }

    #[test]
    fn binary_data_is_not_text() {
        let err = decode_text(Path::new("x.txt"), vec![b'a', 0, 0xff, 0xfe])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("binary data") && err.contains("byte offset 1"),
            "{err}"
        );
    }

    #[test]
    fn loaders_are_chosen_by_extension_case_insensitively() {
        let loaders = Loaders::default();
        assert_eq!(
            loaders.for_path(Path::new("a/B.TXT")).unwrap().format(),
            "text"
        );
        assert_eq!(
            loaders.for_path(Path::new("notes.md")).unwrap().format(),
            "markdown"
        );
        assert_eq!(
            loaders.for_path(Path::new("act.htm")).unwrap().format(),
            "html"
        );
        assert_eq!(
            loaders.for_path(Path::new("r.docx")).unwrap().format(),
            "docx"
        );
        assert_eq!(
            loaders.for_path(Path::new("paper.PDF")).unwrap().format(),
            "pdf"
        );
        assert!(loaders.for_path(Path::new("README")).is_none());
    }
}
