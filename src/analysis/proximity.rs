//! Co-occurrence by word distance: pairs of codes whose hits lie at most N words apart within a
//! passage ([`CooccurrenceUnit::Words`](super::CooccurrenceUnit::Words)).

use std::collections::HashMap;

use rayon::prelude::*;

use super::{Incidence, OriginFilter};
use crate::coding::{CodedSegment, Coding};
use crate::corpus::Corpus;
use crate::text::CharIndex;
use crate::text::words::words;

/// A hit as a run of words: the index of its first word and one past its last, in the
/// document's word sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WordSpan {
    first: usize,
    end: usize,
}

impl WordSpan {
    /// Words strictly between two spans; 0 when they touch or overlap.
    fn gap(self, other: WordSpan) -> usize {
        // At most one of the two differences is positive; overlapping spans give 0 for both.
        other
            .first
            .saturating_sub(self.end)
            .max(self.first.saturating_sub(other.end))
    }
}

/// For each pair of codes `(a, b)`, `a < b` in `inc`'s order, the passages in which a hit of
/// `a` and a hit of `b` are at most `n` words apart. Codes, roll-up and language filter are
/// those of `inc`; `origin` says which codings count.
pub(super) fn passages_with_near_hits(
    coding: &Coding,
    corpus: &Corpus,
    inc: &Incidence,
    origin: OriginFilter,
    n: usize,
) -> HashMap<(usize, usize), usize> {
    let runs: Vec<&[CodedSegment]> = coding.segments.chunk_by(|a, b| a.doc == b.doc).collect();
    let per_document: Vec<HashMap<(usize, usize), usize>> = runs
        .par_iter()
        .map(|run| {
            let mut pairs = HashMap::new();
            let (Some(doc), Some(d)) = (
                corpus.document(&run[0].doc),
                inc.document_index(&run[0].doc),
            ) else {
                return pairs;
            };
            let locate = WordLocator::new(&doc.text);
            for passage in run.chunk_by(|a, b| a.passage == b.passage) {
                let global = inc.doc_starts[d] + passage[0].passage;
                if inc.counted.as_ref().is_some_and(|m| !m.contains(global)) {
                    continue;
                }
                let mut spans: HashMap<usize, Vec<WordSpan>> = HashMap::new();
                for seg in passage.iter().filter(|s| origin.admits(&s.origin)) {
                    let hits: Vec<WordSpan> = if seg.hits.is_empty() {
                        vec![locate.span(seg.start, seg.end)]
                    } else {
                        seg.hits
                            .iter()
                            .map(|h| locate.span(h.start, h.end))
                            .collect()
                    };
                    for &t in inc.counted_for(&seg.code) {
                        spans.entry(t).or_default().extend(&hits);
                    }
                }
                let mut codes: Vec<usize> = spans.keys().copied().collect();
                codes.sort_unstable();
                for (i, &a) in codes.iter().enumerate() {
                    for &b in &codes[i + 1..] {
                        let near = spans[&a]
                            .iter()
                            .any(|x| spans[&b].iter().any(|y| x.gap(*y) <= n));
                        if near {
                            *pairs.entry((a, b)).or_default() += 1;
                        }
                    }
                }
            }
            pairs
        })
        .collect();
    let mut total = HashMap::new();
    for pairs in per_document {
        for (pair, count) in pairs {
            *total.entry(pair).or_default() += count;
        }
    }
    total
}

/// Finds the words a character span covers, through the document's word boundaries (the
/// index's word definition: letters and digits, inner apostrophes kept).
struct WordLocator<'a> {
    text: &'a str,
    index: CharIndex,
    /// Byte ranges of the words, in order.
    words: Vec<(usize, usize)>,
}

impl<'a> WordLocator<'a> {
    fn new(text: &'a str) -> WordLocator<'a> {
        WordLocator {
            text,
            index: CharIndex::new(text),
            words: words(text).map(|(s, w)| (s, s + w.len())).collect(),
        }
    }

    /// The words of the character span `[start, end)`: from the first word ending after its
    /// start to the last word starting before its end.
    fn span(&self, start: usize, end: usize) -> WordSpan {
        let byte = |c: usize| {
            self.index
                .byte_offset(self.text, c)
                .unwrap_or(self.text.len())
        };
        let (start, end) = (byte(start), byte(end));
        let first = self.words.partition_point(|&(_, e)| e <= start);
        let end = self.words.partition_point(|&(s, _)| s < end).max(first);
        WordSpan { first, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_the_words_between_spans() {
        let a = WordSpan { first: 2, end: 4 };
        assert_eq!(a.gap(WordSpan { first: 4, end: 5 }), 0);
        assert_eq!(a.gap(WordSpan { first: 7, end: 8 }), 3);
        assert_eq!(WordSpan { first: 7, end: 8 }.gap(a), 3);
        assert_eq!(a.gap(WordSpan { first: 3, end: 9 }), 0);
    }

    #[test]
    fn spans_map_characters_to_words_in_cyrillic_text() {
        let text = "Утечка мозгов — это отток, а «возвращение» специалистов";
        let locate = WordLocator::new(text);
        let char_of = |needle: &str| text[..text.find(needle).unwrap()].chars().count();
        let span = |needle: &str| {
            let s = char_of(needle);
            locate.span(s, s + needle.chars().count())
        };
        assert_eq!(span("Утечка мозгов"), WordSpan { first: 0, end: 2 });
        assert_eq!(span("возвращение"), WordSpan { first: 5, end: 6 });
        // "это", "отток", "а" lie between them.
        assert_eq!(span("Утечка мозгов").gap(span("возвращение")), 3);
    }
}
