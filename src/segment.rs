//! Segmentation of a document's text into passages, the units that get coded.
//!
//! * **Paragraphs** (the default): maximal runs of non-blank lines, a line being blank when it
//!   holds only whitespace. This is how documentary analysts read policy texts and how the peer
//!   benchmark defines passages.
//! * **Sentences**: Unicode sentence boundaries (UAX #29) inside each paragraph. Single line
//!   breaks inside a paragraph are read as spaces, so hard-wrapped text is not cut at every line.
//!
//! Passages never begin or end with whitespace, and what lies between two passages of a document
//! is whitespace only: passages tile the text exactly. Offsets are given both in characters
//! (Unicode scalar values, the public unit) and in bytes (for slicing).
//!
//! ```
//! use thematic::segment::{Unit, segment};
//! let text = "Brain drain is rising.\nIt worries.\n\n  Return policy.  \n";
//! let passages = segment(text, Unit::Paragraph);
//! assert_eq!(passages.len(), 2);
//! assert_eq!(passages[1].text(text), "Return policy.");
//! let sentences = segment(text, Unit::Sentence);
//! assert_eq!(sentences[1].text(text), "It worries.");
//! ```

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{CharCounter, is_blank, is_space};

/// The unit of coding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Blank-line separated paragraphs.
    #[default]
    Paragraph,
    /// Sentences (UAX #29) within paragraphs.
    Sentence,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Paragraph => "paragraph",
            Unit::Sentence => "sentence",
        })
    }
}

impl FromStr for Unit {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Unit> {
        match s {
            "paragraph" | "paragraphs" => Ok(Unit::Paragraph),
            "sentence" | "sentences" => Ok(Unit::Sentence),
            other => Err(crate::Error::Invalid(format!(
                "unknown unit {other:?}: expected paragraph or sentence"
            ))),
        }
    }
}

/// One passage of a document: its number and its exact span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Passage {
    /// 0-based number of the passage in its document.
    pub index: usize,
    /// First character of the passage (offset in characters of the stored text).
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// `start` as a byte offset.
    #[serde(skip)]
    pub byte_start: usize,
    /// `end` as a byte offset.
    #[serde(skip)]
    pub byte_end: usize,
}

impl Passage {
    /// The passage's text, given its document's text.
    pub fn text<'a>(&self, document_text: &'a str) -> &'a str {
        &document_text[self.byte_start..self.byte_end]
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Is the passage empty (never true for passages made by [`segment`])?
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Splits `text` into passages of the given unit.
pub fn segment(text: &str, unit: Unit) -> Vec<Passage> {
    let mut out = Vec::new();
    segment_into(text, unit, &mut out);
    out
}

/// Like [`segment`], appending to `out` (cleared first) so a buffer can be reused.
pub fn segment_into(text: &str, unit: Unit, out: &mut Vec<Passage>) {
    out.clear();
    let mut counter = CharCounter::new(text);
    match unit {
        Unit::Paragraph => {
            for (start, end) in paragraph_bytes(text) {
                let start_char = counter.char_offset(start);
                let end_char = counter.char_offset(end);
                out.push(Passage {
                    index: out.len(),
                    start: start_char,
                    end: end_char,
                    byte_start: start,
                    byte_end: end,
                });
            }
        }
        Unit::Sentence => {
            let mut scratch = String::new();
            for (para_start, para_end) in paragraph_bytes(text) {
                // UAX #29 breaks after every line feed; inside a paragraph a line feed is a
                // wrapped line, so segment a copy where it is a space (same byte length).
                scratch.clear();
                scratch.extend(text[para_start..para_end].chars().map(|c| match c {
                    '\n' | '\r' => ' ',
                    c => c,
                }));
                for (offset, sentence) in scratch.split_sentence_bound_indices() {
                    let trimmed = sentence.trim_end_matches(is_space);
                    let lead = trimmed.len() - trimmed.trim_start_matches(is_space).len();
                    if trimmed.len() == lead {
                        continue;
                    }
                    let start = para_start + offset + lead;
                    let end = para_start + offset + trimmed.len();
                    let start_char = counter.char_offset(start);
                    let end_char = counter.char_offset(end);
                    out.push(Passage {
                        index: out.len(),
                        start: start_char,
                        end: end_char,
                        byte_start: start,
                        byte_end: end,
                    });
                }
            }
        }
    }
}

/// Byte spans of the paragraphs of `text`: runs of non-blank lines, trimmed of the leading
/// whitespace of their first line and the trailing whitespace of their last.
pub fn paragraph_bytes(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut current: Option<(usize, usize)> = None;
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            let line_end =
                memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            let line = &text[line_start..line_end];
            let next = line_end + 1;
            let at_end = next > bytes.len();
            let mut finished = None;
            if is_blank(line) {
                finished = current.take();
            } else {
                let content_start =
                    line_start + (line.len() - line.trim_start_matches(is_space).len());
                let content_end = line_start + line.trim_end_matches(is_space).len();
                current = Some(match current {
                    Some((start, _)) => (start, content_end),
                    None => (content_start, content_end),
                });
            }
            if at_end {
                done = true;
                if finished.is_none() {
                    finished = current.take();
                }
            } else {
                line_start = next;
            }
            if finished.is_some() {
                return finished;
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, unit: Unit) -> Vec<&str> {
        segment(text, unit).iter().map(|p| p.text(text)).collect()
    }

    #[test]
    fn paragraphs_are_runs_of_non_blank_lines() {
        let text = "\n  a\nb  \n \t\nc\n\n\n d \n";
        assert_eq!(texts(text, Unit::Paragraph), ["a\nb", "c", "d"]);
        assert!(texts("", Unit::Paragraph).is_empty());
        assert!(texts(" \n\t\n", Unit::Paragraph).is_empty());
        assert_eq!(texts("no newline", Unit::Paragraph), ["no newline"]);
    }

    #[test]
    fn a_lone_carriage_return_line_is_blank() {
        assert_eq!(texts("a\n\r\nb", Unit::Paragraph), ["a", "b"]);
    }

    #[test]
    fn char_offsets_count_characters_not_bytes() {
        let text = "Утечка мозгов.\n\nақыл-ой кетуі";
        let p = segment(text, Unit::Paragraph);
        assert_eq!((p[0].start, p[0].end), (0, 14));
        assert_eq!((p[1].start, p[1].end), (16, 29));
        assert_eq!(p[1].index, 1);
    }

    #[test]
    fn sentences_ignore_hard_line_wraps() {
        let text = "Brain drain is a process of mass\nemigration. Scientists leave.\n\nNext one.";
        assert_eq!(
            texts(text, Unit::Sentence),
            [
                "Brain drain is a process of mass\nemigration.",
                "Scientists leave.",
                "Next one."
            ]
        );
    }

    #[test]
    fn units_parse_from_their_names() {
        assert_eq!("sentence".parse::<Unit>().unwrap(), Unit::Sentence);
        assert!("page".parse::<Unit>().is_err());
    }
}
