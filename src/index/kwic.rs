//! Keyword in context: every match of a pattern with its surrounding words, as quanteda's
//! `kwic` gives them.
//!
//! ```
//! use thematic::index::kwic::{Concordance, SortBy};
//! use thematic::{Corpus, Pattern};
//! # fn main() -> thematic::Result<()> {
//! let corpus = Corpus::open("corpus")?;
//! let lines = Concordance::new(Pattern::infer("brain circulation"), 4).find(&corpus)?;
//! assert!(!lines.is_empty());
//! for line in Concordance::sorted(lines, SortBy::Right).iter().take(3) {
//!     println!("{:>40} [{}] {}", line.left, line.keyword, line.right);
//! }
//! # Ok(()) }
//! ```

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::codebook::{Code, Codebook, Pattern};
use crate::coding::Coder;
use crate::corpus::{Corpus, Document};
use crate::error::Result;
use crate::segment::Unit;
use crate::text::CharIndex;

use crate::text::words::words;

/// One line of a concordance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KwicLine {
    /// The document.
    pub doc: Arc<str>,
    /// The passage holding the match.
    pub passage: usize,
    /// First character of the match in the document's stored text.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// Up to `window` words before the match, whitespace runs as single spaces.
    pub left: String,
    /// The match, as written.
    pub keyword: String,
    /// Up to `window` words after it.
    pub right: String,
}

/// How to order a concordance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Corpus order.
    #[default]
    Document,
    /// By the words left of the match, nearest first (the concordancer's "sort left").
    Left,
    /// By the words right of the match.
    Right,
}

/// A concordance of one pattern.
#[derive(Debug, Clone)]
pub struct Concordance {
    pattern: Pattern,
    window: usize,
}

impl Concordance {
    /// The concordance of `pattern` with `window` words either side.
    pub fn new(pattern: Pattern, window: usize) -> Concordance {
        Concordance { pattern, window }
    }

    /// Finds every match in `corpus`, in corpus order.
    pub fn find(&self, corpus: &Corpus) -> Result<Vec<KwicLine>> {
        self.find_in(corpus.documents().iter())
    }

    /// Finds every match in the given documents, in their order.
    pub fn find_in<'a>(
        &self,
        documents: impl Iterator<Item = &'a Document>,
    ) -> Result<Vec<KwicLine>> {
        let codebook = Codebook::builder("kwic")
            .code(Code::new("kwic", "kwic").pattern(self.pattern.clone()))
            .build()?;
        let coder = Coder::new(&codebook)?.unit(Unit::Paragraph);
        let docs: Vec<&Document> = documents.collect();
        let per_doc: Vec<Vec<KwicLine>> =
            docs.par_iter().map(|doc| self.lines(doc, &coder)).collect();
        Ok(per_doc.into_iter().flatten().collect())
    }

    fn lines(&self, doc: &Document, coder: &Coder) -> Vec<KwicLine> {
        let coded = coder.code_document(doc);
        if coded.segments.is_empty() {
            return Vec::new();
        }
        let spans: Vec<(usize, usize)> = words(&doc.text).map(|(s, w)| (s, s + w.len())).collect();
        let mut out = Vec::new();
        let index = CharIndex::new(&doc.text);
        let byte_of = |c: usize| index.byte_offset(&doc.text, c).unwrap_or(doc.text.len());
        for seg in &coded.segments {
            for hit in &seg.hits {
                let (hs, he) = (byte_of(hit.start), byte_of(hit.end));
                let before = spans.partition_point(|&(_, e)| e <= hs);
                let after = spans.partition_point(|&(s, _)| s < he);
                let left_from = spans[before.saturating_sub(self.window)..before]
                    .first()
                    .map_or(hs, |&(s, _)| s);
                let right_to = spans[after..(after + self.window).min(spans.len())]
                    .last()
                    .map_or(he, |&(_, e)| e);
                out.push(KwicLine {
                    doc: doc.id.clone(),
                    passage: seg.passage,
                    start: hit.start,
                    end: hit.end,
                    left: collapse(&doc.text[left_from..hs]),
                    keyword: collapse(&doc.text[hs..he]),
                    right: collapse(&doc.text[he..right_to]),
                });
            }
        }
        out
    }

    /// Lowercase words every match must contain, for narrowing the documents to scan with an
    /// index ([`Index::stored_documents`](super::Index::stored_documents)): the literal words of
    /// a phrase or glob made only of letters that the index and the matcher fold alike. Words
    /// with digits, apostrophes or hyphens, with `е` or `ё` (the matcher reads `ё` as `е`, the
    /// index does not), or with letters whose lowercase is not one letter are left out, as are
    /// regexes and stemmed phrases: for them no word is required, and every document is read.
    pub fn required_words(&self) -> Vec<String> {
        use crate::codebook::PatternKind;
        if self.pattern.kind == PatternKind::Regex || self.pattern.stem {
            return Vec::new();
        }
        let folds_alike = |c: char| {
            let mut lower = c.to_lowercase();
            c.is_alphabetic()
                && lower.next().is_some_and(|l| !matches!(l, 'е' | 'ё'))
                && lower.next().is_none()
        };
        let mut words: Vec<String> = self
            .pattern
            .text
            .split_whitespace()
            .filter(|w| !w.is_empty() && w.chars().all(folds_alike))
            .map(str::to_lowercase)
            .collect();
        words.sort();
        words.dedup();
        words
    }

    /// Orders concordance lines.
    pub fn sorted(mut lines: Vec<KwicLine>, by: SortBy) -> Vec<KwicLine> {
        match by {
            SortBy::Document => {}
            SortBy::Left => lines.sort_by_cached_key(|l| {
                let words: Vec<String> = l.left.split(' ').rev().map(str::to_lowercase).collect();
                (words, l.keyword.to_lowercase())
            }),
            SortBy::Right => {
                lines.sort_by_cached_key(|l| (l.right.to_lowercase(), l.keyword.to_lowercase()))
            }
        }
        lines
    }
}

/// Whitespace runs as single spaces, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_words_either_side() {
        let corpus = Corpus::from_documents([Document::new(
            "d",
            "One two three brain drain four five.\n\nSix seven Brain\n  Drain",
        )]);
        let lines = Concordance::new(Pattern::infer("brain drain"), 2)
            .find(&corpus)
            .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (
                lines[0].left.as_str(),
                lines[0].keyword.as_str(),
                lines[0].right.as_str()
            ),
            ("two three", "brain drain", "four five")
        );
        assert_eq!(
            (
                lines[1].left.as_str(),
                lines[1].keyword.as_str(),
                lines[1].right.as_str()
            ),
            ("Six seven", "Brain Drain", "")
        );
        let chars: Vec<char> = corpus.documents()[0].text.chars().collect();
        assert_eq!(
            chars[lines[1].start..lines[1].end]
                .iter()
                .collect::<String>(),
            "Brain\n  Drain"
        );
        let by_left = Concordance::sorted(lines, SortBy::Left);
        assert_eq!(by_left[0].left, "Six seven");
    }
}
