//! Loaders turn a file's bytes into text and whatever metadata the format carries.
//!
//! Every format sits behind the [`Loader`] trait, chosen by file extension through [`Loaders`];
//! adding a format means adding one loader.

use std::path::Path;

use crate::error::{Error, Result};

/// What a loader extracted from one file, before normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The document's text (normalised afterwards by [`normalize`](super::normalize)).
    pub text: String,
    /// A title found in the file itself (a Markdown heading, PDF info), if any.
    pub title: Option<String>,
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

/// Plain text, strictly UTF-8.
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
        Ok(Loaded {
            text: decode_utf8(path, bytes)?,
            title: None,
        })
    }
}

/// Markdown, strictly UTF-8, kept as written (markup included) so offsets index the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownLoader;

impl Loader for MarkdownLoader {
    fn format(&self) -> &'static str {
        "markdown"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let text = decode_utf8(path, bytes)?;
        let title = text
            .lines()
            .find_map(|line| line.strip_prefix("# "))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        Ok(Loaded { text, title })
    }
}

/// Decodes `bytes` as UTF-8, or reports the byte offset, line and column of the first invalid
/// sequence.
pub fn decode_utf8(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let valid = &err.as_bytes()[..offset];
        let line_start = memchr::memrchr(b'\n', valid).map_or(0, |i| i + 1);
        Error::NotUtf8 {
            path: path.to_path_buf(),
            offset,
            line: memchr::memchr_iter(b'\n', valid).count() + 1,
            // The prefix is valid UTF-8, so counting its characters is exact.
            column: crate::text::char_count(&valid[line_start..]) + 1,
        }
    })
}

/// The set of loaders a corpus reads with, looked up by file extension.
pub struct Loaders {
    loaders: Vec<Box<dyn Loader>>,
}

impl Default for Loaders {
    /// The built-in loaders: plain text and Markdown.
    fn default() -> Loaders {
        Loaders {
            loaders: vec![Box::new(TextLoader), Box::new(MarkdownLoader)],
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_reports_offset_line_and_column() {
        let bytes = b"first line\nsecond \xd0\xb6 \xff rest".to_vec();
        match decode_utf8(Path::new("bad.txt"), bytes) {
            Err(Error::NotUtf8 {
                offset,
                line,
                column,
                ..
            }) => assert_eq!((offset, line, column), (21, 2, 10)),
            other => panic!("expected NotUtf8, got {other:?}"),
        }
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
        assert!(loaders.for_path(Path::new("paper.pdf")).is_none());
        assert!(loaders.for_path(Path::new("README")).is_none());
    }

    #[test]
    fn markdown_title_is_the_first_top_level_heading() {
        let loaded = MarkdownLoader
            .load(
                Path::new("x.md"),
                b"intro\n\n## Sub\n# The Title \n".to_vec(),
            )
            .unwrap();
        assert_eq!(loaded.title.as_deref(), Some("The Title"));
    }
}
