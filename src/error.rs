//! The library's one error type, pointing at the input at fault.
//!
//! Every error names what a user needs to fix the input: the file, and where the input is a
//! structured file (a codebook, a manifest), the line and column with the offending text
//! underlined, in the manner of `rustc` and `regex-syntax`:
//!
//! ```text
//! error: invalid regex in code `brain_drain`
//!   --> codebooks/migration.toml:42:15
//!    |
//! 42 |   { regex = '(leav(e|ing) the country' },
//!    |             ^^^^^^^^^^^^^^^^^^^^^^^^^^
//!    = regex parse error: …
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `thematic`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder at fault.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A document is not valid UTF-8.
    #[error(
        "{}: not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line}, column {column})",
        path.display()
    )]
    NotUtf8 {
        /// The document at fault.
        path: PathBuf,
        /// Byte offset of the first invalid sequence.
        offset: usize,
        /// 1-based line of that offset.
        line: usize,
        /// 1-based column (in characters) of that offset.
        column: usize,
    },
    /// A codebook (TOML, JSON or YAML) is malformed or invalid.
    #[error("{0}")]
    Codebook(Box<Diagnostic>),
    /// A corpus manifest (`corpus.toml`) is malformed or invalid.
    #[error("{0}")]
    Manifest(Box<Diagnostic>),
    /// A coding file (JSON Lines of coded segments) is malformed.
    #[error("{0}")]
    Coding(Box<Diagnostic>),
    /// A document cannot be used, for a reason other than I/O or encoding.
    #[error("{}: {}", path.display(), clip(message))]
    Document {
        /// The document at fault.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A corpus folder cannot be used.
    #[error("{}: {}", path.display(), clip(message))]
    Corpus {
        /// The folder at fault.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A request made through the library API is invalid (an unknown code, an empty span, …).
    #[error("{0}")]
    Invalid(String),
    /// A learned model file that cannot be used: unreadable, corrupt, of another format version,
    /// or trained for another codebook.
    #[error("{}: {}", path.display(), message)]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it, and what to do.
        message: String,
    },
    /// The multilingual encoder is missing, cannot be loaded, or failed; the message says how
    /// to install it where it is missing.
    #[error("embeddings: {message}")]
    Embeddings {
        /// What is wrong, and what to do.
        message: String,
    },
    /// Reading or writing failed where no file is known: an [`std::io::Error`] turned into
    /// this error by `?`, as in a program of your own that links the library. Prefer
    /// [`Error::io`], which names the file.
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// fn save(folder: &std::path::Path) -> thematic::Result<()> {
    ///     let mut file = std::fs::File::create(folder.join("memo.txt"))?;
    ///     file.write_all(b"Brain drain grows.")?;
    ///     Ok(())
    /// }
    /// # let folder = tempfile::tempdir().unwrap();
    /// save(folder.path())?;
    /// let err = save(&folder.path().join("no such folder")).unwrap_err();
    /// assert!(matches!(err, thematic::Error::IoWithoutPath(_)));
    /// assert!(err.to_string().starts_with("I/O error: "));
    /// # Ok::<(), thematic::Error>(())
    /// ```
    #[error("I/O error: {0}")]
    IoWithoutPath(#[from] std::io::Error),
    /// The search index is held by another run (another process, or another open
    /// [`Index`](crate::index::Index)): one that is updating it, or, when `reading`, only
    /// reading it.
    #[error(
        "the index at {} is being {} by another run; wait for it to finish, then run again",
        path.display(),
        match reading { true => "read", false => "updated" }
    )]
    IndexBusy {
        /// The index folder.
        path: PathBuf,
        /// Whether the other run only reads the index (else it updates it).
        reading: bool,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Did the operating system refuse (a full disk, a read-only or vanished file system, no
    /// permission), rather than the data being at fault?
    pub fn is_os_error(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.raw_os_error().is_some())
    }

    /// The file the error points at, when it points at one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. }
            | Error::NotUtf8 { path, .. }
            | Error::Document { path, .. }
            | Error::Corpus { path, .. }
            | Error::IndexBusy { path, .. }
            | Error::Model { path, .. } => Some(path),
            Error::Codebook(d) | Error::Manifest(d) | Error::Coding(d) => d.path.as_deref(),
            Error::Invalid(_) | Error::IoWithoutPath(_) | Error::Embeddings { .. } => None,
        }
    }
}

/// A located message about an input file: what is wrong, where, and the source line with the
/// fault underlined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one line (`invalid regex in code `brain_drain``).
    pub message: String,
    /// The file, when the input came from one.
    pub path: Option<PathBuf>,
    /// Where in the file, when known.
    pub location: Option<Location>,
    /// Further explanation shown under the snippet (for instance the regex engine's own message).
    pub note: Option<String>,
}

/// A position in an input file, with the text needed to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The whole source line (without its line terminator).
    pub line_text: String,
    /// How many characters from `column` to underline (at least 1).
    pub width: usize,
}

impl Location {
    /// Locates the byte range `span` of `source`: line, column and the line's text. The underline
    /// covers the span, clipped to the end of its first line.
    pub fn from_span(source: &str, span: std::ops::Range<usize>) -> Location {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let width = source[start..end.min(line_end)].chars().count().max(1);
        Location {
            line,
            column,
            line_text: line_text.to_string(),
            width,
        }
    }

    /// Locates a 1-based line and column (as reported by parsers that give no byte span).
    pub fn from_line_column(source: &str, line: usize, column: usize) -> Location {
        let line_text = source
            .split('\n')
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .trim_end_matches('\r');
        Location {
            line,
            column: column.max(1),
            line_text: line_text.to_string(),
            width: 1,
        }
    }
}

/// The most characters a line of a message shows: parsers put what they found into their
/// messages (`unknown field `…``), and what they found may be 50,000 brackets.
const MAX_MESSAGE_LINE_CHARS: usize = 300;

/// How many characters a shortened line keeps from its end, where parsers put what they expected.
const MESSAGE_TAIL_CHARS: usize = 80;

/// `text` with each line longer than [`MAX_MESSAGE_LINE_CHARS`] cut in the middle (` … `).
pub(crate) fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.lines().all(|l| l.len() <= MAX_MESSAGE_LINE_CHARS) {
        return std::borrow::Cow::Borrowed(text);
    }
    let clipped: Vec<String> = text
        .split('\n')
        .map(|line| {
            let count = line.chars().count();
            if count <= MAX_MESSAGE_LINE_CHARS {
                return line.to_string();
            }
            let head: String = line
                .chars()
                .take(MAX_MESSAGE_LINE_CHARS - MESSAGE_TAIL_CHARS)
                .collect();
            let tail: String = line.chars().skip(count - MESSAGE_TAIL_CHARS).collect();
            format!("{head} … {tail}")
        })
        .collect();
    std::borrow::Cow::Owned(clipped.join("\n"))
}

/// The most characters of a source line a message quotes: a minified JSON file or a file with
/// classic Mac line ends is one long line, which must not flood the terminal.
const MAX_QUOTED_CHARS: usize = 120;

/// How many characters before the fault a shortened quotation keeps, for context.
const CONTEXT_BEFORE_FAULT: usize = 40;

impl Location {
    /// The line as quoted: at most [`MAX_QUOTED_CHARS`] characters around the fault, cut ends
    /// marked `…`, control characters other than tab shown as `�` (a stray carriage return
    /// would otherwise move the cursor); with the column and underline width within it.
    fn shown(&self) -> (String, usize, usize) {
        let chars: Vec<char> = self.line_text.chars().collect();
        let visible = |c: char| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        };
        let fault = self.column.saturating_sub(1).min(chars.len());
        if chars.len() <= MAX_QUOTED_CHARS {
            let width = self.width.min(chars.len().saturating_sub(fault)).max(1);
            return (chars.into_iter().map(visible).collect(), fault + 1, width);
        }
        let start = fault
            .saturating_sub(CONTEXT_BEFORE_FAULT)
            .min(chars.len() - MAX_QUOTED_CHARS);
        let end = start + MAX_QUOTED_CHARS;
        let mut shown = String::new();
        if start > 0 {
            shown.push('…');
        }
        shown.extend(chars[start..end].iter().copied().map(visible));
        if end < chars.len() {
            shown.push('…');
        }
        let column = fault - start + 1 + usize::from(start > 0);
        let width = self.width.min(end.saturating_sub(fault)).max(1);
        (shown, column, width)
    }
}

impl Diagnostic {
    /// A diagnostic with a message only.
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            path: None,
            location: None,
            note: None,
        }
    }

    /// Sets the file the diagnostic is about.
    pub fn with_path(mut self, path: Option<&Path>) -> Diagnostic {
        self.path = path.map(Path::to_path_buf);
        self
    }

    /// Sets the location from a byte span of `source`.
    pub fn with_span(mut self, source: &str, span: Option<std::ops::Range<usize>>) -> Diagnostic {
        self.location = span.map(|s| Location::from_span(source, s));
        self
    }

    /// Adds an explanatory note shown under the snippet.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", clip(&self.message))?;
        let path = self
            .path
            .as_ref()
            .map_or_else(|| "<input>".to_string(), |p| p.display().to_string());
        match &self.location {
            Some(loc) => {
                let gutter = loc.line.to_string().len();
                let pad = " ".repeat(gutter);
                write!(f, "\n{pad}--> {path}:{}:{}", loc.line, loc.column)?;
                write!(f, "\n{pad} |")?;
                let (shown, column, width) = loc.shown();
                write!(f, "\n{} | {shown}", loc.line)?;
                let lead: String = shown
                    .chars()
                    .take(column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n{pad} | {lead}{}", "^".repeat(width))?;
            }
            None if self.path.is_some() => write!(f, "\n  --> {path}")?,
            None => {}
        }
        if let Some(note) = &self.note {
            let note = clip(note);
            let mut lines = note.lines();
            if let Some(first) = lines.next() {
                write!(f, "\n  = {first}")?;
            }
            for line in lines {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let src = "a = 1\nкод = 'x('\n";
        let at = src.find("'x(").unwrap();
        let loc = Location::from_span(src, at..at + 4);
        assert_eq!((loc.line, loc.column, loc.width), (2, 7, 4));
        assert_eq!(loc.line_text, "код = 'x('");
    }

    #[test]
    fn long_lines_are_quoted_around_the_fault_only() {
        let line = format!("{}BAD{}", "a".repeat(5_000), "z".repeat(5_000));
        let at = line.find("BAD").unwrap();
        let d = Diagnostic::new("bad")
            .with_path(Some(Path::new("one-line.json")))
            .with_span(&line, Some(at..at + 3));
        let shown = d.to_string();
        assert!(shown.len() < 2 * MAX_QUOTED_CHARS * 4, "{shown}");
        let quoted = shown.lines().nth(3).unwrap();
        let marks = shown.lines().nth(4).unwrap();
        assert!(
            quoted.starts_with("1 | …a") && quoted.ends_with("z…"),
            "{quoted}"
        );
        let column = marks.find('^').unwrap();
        assert_eq!(
            &quoted[quoted.char_indices().nth(column).unwrap().0..][..3],
            "BAD"
        );
        assert!(marks.ends_with(" ^^^"), "{marks}");
    }

    #[test]
    fn long_messages_are_cut_in_the_middle() {
        let found = "[".repeat(50_000);
        let d = Diagnostic::new(format!("unknown field `{found}`, expected `id`"));
        let shown = d.to_string();
        assert!(shown.len() < 2 * MAX_MESSAGE_LINE_CHARS, "{shown}");
        assert!(shown.starts_with("unknown field `[[[") && shown.ends_with("[[`, expected `id`"));
        let e = Error::Document {
            path: "x.docx".into(),
            message: found,
        };
        assert!(e.to_string().len() < 2 * MAX_MESSAGE_LINE_CHARS);
    }

    #[test]
    fn control_characters_are_not_echoed() {
        let src = "%\r1 a\r%\rword 9";
        let d = Diagnostic::new("bad").with_span(src, Some(0..1));
        assert!(!d.to_string().contains('\r'), "{d}");
    }

    #[test]
    fn diagnostic_underlines_the_span() {
        let src = "[[code]]\nid = \"a b\"\n";
        let at = src.find("\"a b\"").unwrap();
        let d = Diagnostic::new("invalid code id")
            .with_path(Some(Path::new("cb.toml")))
            .with_span(src, Some(at..at + 5))
            .with_note("ids may not contain spaces");
        let shown = d.to_string();
        assert_eq!(
            shown,
            "invalid code id\n --> cb.toml:2:6\n  |\n2 | id = \"a b\"\n  |      ^^^^^\n  = ids may not contain spaces"
        );
    }
}
