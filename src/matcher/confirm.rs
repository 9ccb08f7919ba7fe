//! Confirming a candidate where its literals occurred: a stemmed phrase read word by word, a
//! glob's or a regex's own regex run from the places its matches may start, a plain phrase
//! checked for its case and the passage's language. Each records what it finds.

use regex_automata::{Anchored, Input, meta};

use super::fold::Folded;
use super::{CompiledPattern, Found, PatternId, StemStart, stemmed};
use crate::text::{char_before, is_space, is_whole_word, is_word_char};

/// Records the matches of a stemmed phrase read from `starts`, the places in the folded passage
/// where its anchors occurred, without overlap.
pub(super) fn match_stemmed(
    p: &CompiledPattern,
    id: PatternId,
    stemmed: &stemmed::StemmedPhrase,
    passage: &str,
    folded: &Folded,
    starts: &[StemStart],
    found: &mut Found,
) {
    let mut last_end = 0;
    for start in starts {
        let at = start.at();
        if at < last_end {
            continue;
        }
        if let Some(end) = stemmed.match_at(folded.text(), at) {
            let start = folded.to_original(passage, at, true);
            let stop = folded.to_original(passage, end, false);
            found.record(p, id, start, stop);
            if p.effect.first_only() {
                break;
            }
            last_end = end;
        }
    }
}

/// Records the whole-word matches of a glob's regex anywhere in the passage, without overlap.
pub(super) fn run_glob(
    p: &CompiledPattern,
    id: PatternId,
    regex: &meta::Regex,
    passage: &str,
    found: &mut Found,
) {
    let mut at = 0;
    while let Some(m) = regex.search(&Input::new(passage).range(at..)) {
        // The regex has no word boundaries (see `Glob::parse`): confirm whole words, and on
        // failure look again one character on.
        if is_whole_word(passage, m.start(), m.end()) {
            found.record(p, id, m.start(), m.end());
            if p.effect.first_only() {
                break;
            }
            at = m.end();
        } else {
            at = m.start()
                + passage[m.start()..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
        }
        if at > passage.len() {
            break;
        }
    }
}

/// Records a whole-word occurrence of a phrase at `[start, end)` of the folded passage, if the
/// passage's language and, for a case-sensitive phrase, the original's case agree.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn record_phrase(
    p: &CompiledPattern,
    id: PatternId,
    passage: &str,
    folded: &Folded,
    start: usize,
    end: usize,
    lang: &mut Option<Option<&'static str>>,
    found: &mut Found,
) {
    if !lang_ok(p, passage, lang) {
        return;
    }
    let start = folded.to_original(passage, start, true);
    let end = folded.to_original(passage, end, false);
    if p.case_sensitive && !same_words(&passage[start..end], &p.text) {
        return;
    }
    found.record(p, id, start, end);
}

/// Records every non-empty match of a user regex (the first is enough for a negative one).
pub(super) fn run_regex(
    p: &CompiledPattern,
    id: PatternId,
    regex: &meta::Regex,
    passage: &str,
    found: &mut Found,
) {
    for m in regex.find_iter(passage) {
        if m.start() == m.end() {
            continue;
        }
        found.record(p, id, m.start(), m.end());
        if p.effect.first_only() {
            break;
        }
    }
}

/// Records the matches of a glob's or a regex's regex that begin at the given positions, where
/// its anchors occurred, without overlap: the same matches a scan of the whole passage gives,
/// found in time proportional to the matches rather than the passage. The whole passage stays
/// the haystack, so look-behind (`\b`, `^`) sees the text before each position. A glob's
/// matches (`whole_words`) must stand as whole words; a regex's must not be empty.
pub(super) fn run_anchored(
    p: &CompiledPattern,
    id: PatternId,
    regex: &meta::Regex,
    passage: &str,
    starts: &[(PatternId, usize)],
    whole_words: bool,
    found: &mut Found,
) {
    let mut last_end = 0;
    for &(_, at) in starts {
        if at < last_end || whole_words && char_before(passage, at).is_some_and(is_word_char) {
            continue;
        }
        let input = Input::new(passage).range(at..).anchored(Anchored::Yes);
        let Some(m) = regex.search(&input) else {
            continue;
        };
        let accepted = if whole_words {
            is_whole_word(passage, m.start(), m.end())
        } else {
            m.start() < m.end()
        };
        if accepted {
            found.record(p, id, m.start(), m.end());
            if p.effect.first_only() {
                break;
            }
            last_end = m.end();
        }
    }
}

/// Does the pattern's language tag (if any) match the passage's language?
#[inline]
pub(super) fn lang_ok(
    p: &CompiledPattern,
    passage: &str,
    cache: &mut Option<Option<&'static str>>,
) -> bool {
    match p.lang {
        None => true,
        Some(lang) => *cache.get_or_insert_with(|| crate::lang::detect(passage)) == Some(lang),
    }
}

/// Is `found` the phrase `phrase` with exactly its case, whitespace runs aside?
fn same_words(found: &str, phrase: &str) -> bool {
    let words = |s: &str| {
        s.split(is_space)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    words(found) == words(phrase)
}
