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
//! Every passage has a [`Role`]: body text, or a heading, keyword line, byline, reference,
//! footnote, caption, table or page furniture (see [`role`]); auto-coding reads body text unless
//! asked otherwise. A paragraph that a page break or a footnote cut in two — it stops
//! mid-sentence, and after any footnotes and page numbers the text goes on in lowercase — is
//! joined back into one passage (the footnotes and page numbers then lie inside it).
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

pub mod role;

use role::{Position, Section, classify, ends_a_sentence};
pub use role::{Role, Roles};

/// The unit of coding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Blank-line separated paragraphs, with paragraphs that a page break or a footnote cut in
    /// two joined back.
    #[default]
    Paragraph,
    /// Sentences (UAX #29) within paragraphs.
    Sentence,
    /// Blocks: runs of non-blank lines exactly as the blank lines cut them, nothing joined —
    /// the passages of plain dictionary tools (and of the peer benchmark).
    Block,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Paragraph => "paragraph",
            Unit::Sentence => "sentence",
            Unit::Block => "block",
        })
    }
}

impl FromStr for Unit {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Unit> {
        match s {
            "paragraph" | "paragraphs" => Ok(Unit::Paragraph),
            "sentence" | "sentences" => Ok(Unit::Sentence),
            "block" | "blocks" => Ok(Unit::Block),
            other => Err(crate::Error::Invalid(format!(
                "unknown unit {other:?}: expected paragraph, sentence or block"
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
    /// What the passage is in its document (a sentence takes its paragraph's role).
    pub role: Role,
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
        Unit::Paragraph | Unit::Block => {
            for (start, end, role) in paragraphs_with_roles(text, unit == Unit::Paragraph) {
                let start_char = counter.char_offset(start);
                let end_char = counter.char_offset(end);
                out.push(Passage {
                    index: out.len(),
                    start: start_char,
                    end: end_char,
                    byte_start: start,
                    byte_end: end,
                    role,
                });
            }
        }
        Unit::Sentence => {
            let mut scratch = String::new();
            for (para_start, para_end, role) in paragraphs_with_roles(text, false) {
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
                        role,
                    });
                }
            }
        }
    }
}

/// Blocks of `text` (see [`Unit::Block`]) without their roles (every one reads `Body`): the
/// cheapest segmentation, for counting every passage.
pub(crate) fn blocks_into(text: &str, out: &mut Vec<Passage>) {
    out.clear();
    let mut counter = CharCounter::new(text);
    for (start, end) in paragraph_bytes(text) {
        let start_char = counter.char_offset(start);
        let end_char = counter.char_offset(end);
        out.push(Passage {
            index: out.len(),
            start: start_char,
            end: end_char,
            byte_start: start,
            byte_end: end,
            role: Role::Body,
        });
    }
}

/// Byte spans and roles of the paragraphs of `text`; with `join`, paragraphs cut by a page
/// break or a footnote are joined back (the notes between the halves then lie inside the
/// joined paragraph, see [`matchable_text`]).
pub fn paragraphs_with_roles(text: &str, join: bool) -> Vec<(usize, usize, Role)> {
    let mut out: Vec<(usize, usize, Role)> = Vec::new();
    let mut section = Section::Text;
    // The last paragraph that stopped mid-sentence: where it is in `out`, and whether a page
    // break, footnote or page number has been seen after it.
    let mut open: Option<(usize, bool)> = None;
    let mut last_end = 0;
    for (start, end) in paragraph_bytes(text) {
        let p = &text[start..end];
        let page_break = text[last_end..start].contains('\x0C');
        last_end = end;
        let role = classify(
            p,
            Position {
                first: out.is_empty(),
                section,
            },
        );
        if let Some((at, marked)) = open.filter(|_| join) {
            let marked = marked || page_break;
            // Notes and page numbers between the halves; and a note's e-mail line, but a title
            // is followed by its byline, not cut by it.
            let between = match role {
                Role::Footnote | Role::Furniture => true,
                Role::Byline => out[at].2 == Role::Body,
                _ => false,
            };
            match role {
                _ if between => {
                    open = Some((at, true));
                    out.push((start, end, role));
                    continue;
                }
                // A long fragment goes on in lowercase: a page break lost in conversion.
                Role::Body | Role::Heading | Role::Reference | Role::Caption | Role::Table
                    if continues(p) && (marked || fragment_words(&text[out[at].0..out[at].1])) =>
                {
                    out.truncate(at + 1);
                    out[at].1 = end;
                    out[at].2 = Role::Body;
                    open = (!ends_a_sentence(p)).then_some((at, false));
                    continue;
                }
                _ => open = None,
            }
        }
        section = section.after(p, role);
        if matches!(role, Role::Body | Role::Heading) && !p.starts_with('#') && !ends_a_sentence(p)
        {
            open = Some((out.len(), false));
        }
        out.push((start, end, role));
    }
    out
}

/// Is a paragraph long enough to be the first part of a sentence cut by a lost page break
/// (short lines without a full stop are headings and list items)?
fn fragment_words(p: &str) -> bool {
    p.split_whitespace().nth(7).is_some()
}

/// The text of a passage as patterns should read it: a paragraph joined across footnotes or
/// page numbers has them blanked out (each of their bytes a space, so offsets stay those of the
/// document). Any other passage is returned as it is, without copying.
///
/// ```
/// use thematic::segment::{matchable_text, segment, Unit};
/// let text = "Highly skilled specialists have been leaving the country for\n\n\
///             12 See Bokayev (2021), 'Brain drain' p. 4.\n\n\
///             many years.";
/// let passages = segment(text, Unit::Paragraph);
/// assert_eq!(passages.len(), 1);
/// let seen = matchable_text(passages[0].text(text));
/// assert!(!seen.contains("Brain drain") && seen.ends_with("many years."));
/// assert_eq!(seen.len(), passages[0].text(text).len());
/// ```
pub fn matchable_text(passage: &str) -> std::borrow::Cow<'_, str> {
    if !passage.contains("\n\n") && !passage.contains("\n \n") {
        return std::borrow::Cow::Borrowed(passage);
    }
    let raw: Vec<(usize, usize)> = paragraph_bytes(passage).collect();
    if raw.len() < 2 {
        return std::borrow::Cow::Borrowed(passage);
    }
    let mut bytes = passage.as_bytes().to_vec();
    for &(start, end) in &raw[1..raw.len() - 1] {
        let p = &passage[start..end];
        if matches!(
            classify(p, Position::default()),
            Role::Footnote | Role::Furniture | Role::Reference
        ) {
            bytes[start..end].fill(b' ');
        }
    }
    std::borrow::Cow::Owned(String::from_utf8(bytes).expect("spaces keep UTF-8 valid"))
}

/// Does a paragraph go on with a sentence begun before it (it starts in lowercase)?
fn continues(p: &str) -> bool {
    p.chars().next().is_some_and(char::is_lowercase)
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

    // Regression: a title, its byline and a lowercase keyword line were joined into one body
    // passage, as if a page break had cut a sentence.
    #[test]
    fn a_title_is_not_joined_to_its_byline_and_keywords() {
        let text = "International Educational Migration: Case of Kazakhstan\n\n\
                    Kristina Zhalnina, University of International Business, Almaty\n\n\
                    migration, education, international relations, the youth, brain drain\n\n\
                    This article is devoted to educational migration.";
        let roles: Vec<Role> = segment(text, Unit::Paragraph)
            .iter()
            .map(|p| p.role)
            .collect();
        assert_eq!(
            roles,
            [Role::Heading, Role::Byline, Role::Keywords, Role::Body]
        );
        let text = "ПРОБЛЕМЫ РЕАЛИЗАЦИИ ГОСУДАРСТВЕННОЙ ПРОГРАММЫ ПО ОКАЗАНИЮ СОДЕЙСТВИЯ ПЕРЕСЕЛЕНИЮ\n\n\
                    магистрант 3 курса, кафедра конституционного права, Кубанский университет";
        assert_eq!(segment(text, Unit::Paragraph).len(), 2);
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
