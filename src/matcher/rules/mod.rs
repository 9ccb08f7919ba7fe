//! What a codebook says beyond "this pattern occurs": concept sets, proximity, context, muted
//! sentences and evidence thresholds.
//!
//! The scan of a passage records every match: hits of codes' own patterns, hits of concept-set
//! terms (in slots after the codes), muted spans and vetoes. Then, in order:
//!
//! 1. hits inside a sentence a muting pattern matched are dropped;
//! 2. each set's hits are chosen leftmost-longest without overlap, leaving out those inside a
//!    match of one of the set's exceptions;
//! 3. `set` patterns turn their set's hits into hits of their code, and `near` patterns the
//!    terms of all their sets found in one sentence, at most `within` words apart, into one hit
//!    spanning them;
//! 4. a hit of a pattern with `with` (`without`) sets is kept only if a term of one of them is
//!    (is not) in the same sentence, and within `within` words;
//! 5. per code, hits are chosen leftmost-longest without overlap, and the code applies when it
//!    has `min_hits` of them or one of a `strong` pattern.
//!
//! Sentences are worked out only for passages that need them, and words are counted only
//! between the spans compared.

use std::cmp::Reverse;

use super::stemmed::word_end;
use super::{CompiledPattern, Effect, Found, Hit, PatternId, RawHit};
use crate::codebook::{Codebook, PatternKind};
use crate::text::word_char_at;

/// The conditions a pattern puts on its hits (slots of concept sets).
#[derive(Debug, Clone, Default)]
pub(super) struct PatternRule {
    /// The sets of a `set` (one) or `near` (several) pattern.
    pub sets: Vec<u32>,
    /// The window, in words between terms; `None`: the sentence.
    pub within: Option<u32>,
    /// A hit needs a term of one of these near it.
    pub with: Vec<u32>,
    /// A hit with a term of one of these near it does not count.
    pub without: Vec<u32>,
    /// One hit is evidence enough.
    pub strong: bool,
    /// The hit counts only in a document with this many other passages coded so.
    pub document: Option<u32>,
}

impl PatternRule {
    fn has_context(&self) -> bool {
        !self.with.is_empty() || !self.without.is_empty()
    }
}

/// The rules of a compiled codebook.
#[derive(Debug, Default)]
pub(super) struct Rules {
    active: bool,
    code_count: u32,
    set_count: u32,
    /// Per code, the hits it needs (without a strong one).
    min_hits: Vec<u32>,
    /// `set` and `near` patterns: made of sets' hits, not found by the scan.
    derived: Vec<PatternId>,
}

impl Rules {
    pub(super) fn new(codebook: &Codebook, patterns: &[CompiledPattern]) -> Rules {
        let derived: Vec<PatternId> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, PatternKind::Set | PatternKind::Near))
            .map(|(id, _)| id as PatternId)
            .collect();
        let min_hits: Vec<u32> = codebook.codes().iter().map(|c| c.min_hits).collect();
        let active = !codebook.sets().is_empty()
            || !codebook.mute.is_empty()
            || min_hits.iter().any(|&m| m > 1)
            || patterns.iter().any(|p| {
                p.rule.has_context()
                    || p.rule.strong
                    || p.rule.document.is_some()
                    || !p.rule.sets.is_empty()
            });
        Rules {
            active,
            code_count: codebook.codes().len() as u32,
            set_count: codebook.sets().len() as u32,
            min_hits,
            derived,
        }
    }

    /// Is there anything beyond plain patterns? Without, the matcher's fast path chooses hits.
    pub(super) fn active(&self) -> bool {
        self.active
    }

    /// Turns what the scan found into the codes that apply, with their hits: `applied` gets
    /// `(code, from, to)` ranges of `selected`, and `conditional` `(code, from, to, n)` for codes
    /// that apply only in a document with `n` other passages coded so. The steps are those of
    /// the module's documentation, in order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply(
        &self,
        passage: &str,
        patterns: &[CompiledPattern],
        found: &mut Found,
        rs: &mut RuleScratch,
        selected: &mut Vec<Hit>,
        applied: &mut Vec<(usize, usize, usize)>,
        conditional: &mut Vec<(usize, usize, usize, u32)>,
    ) {
        rs.reset(self.set_count as usize);
        drop_muted(passage, found, rs);
        self.choose_set_hits(found, rs);
        self.derive(passage, patterns, found, rs);
        self.check_context(passage, patterns, rs);
        self.select(patterns, rs, selected, applied, conditional);
    }

    /// Sorts the scan's hits; the sets' hits are chosen leftmost-longest, leaving out those
    /// inside a match of one of the set's exceptions, and the codes' own hits wait in
    /// `rs.code_hits` (unless the code was vetoed).
    fn choose_set_hits(&self, found: &mut Found, rs: &mut RuleScratch) {
        found
            .raw
            .sort_unstable_by_key(|h| (h.code, h.start, Reverse(h.end), h.pattern));
        let mut last_end = 0;
        let mut last_slot = u32::MAX;
        for h in &found.raw {
            if h.code < self.code_count {
                if !found.vetoed.contains(&h.code) {
                    rs.code_hits.push(*h);
                }
                continue;
            }
            if h.code != last_slot {
                last_slot = h.code;
                last_end = 0;
            }
            let excepted = || {
                found
                    .excepted
                    .iter()
                    .any(|&(slot, start, end)| slot == h.code && start <= h.start && h.end <= end)
            };
            if h.start >= last_end && !excepted() {
                rs.set_hits[(h.code - self.code_count) as usize].push((h.start, h.end));
                last_end = h.end;
            }
        }
    }

    /// `set` patterns turn their set's hits into hits of their code; `near` patterns the terms
    /// of all their sets close together in one sentence into one hit spanning them.
    fn derive(
        &self,
        passage: &str,
        patterns: &[CompiledPattern],
        found: &Found,
        rs: &mut RuleScratch,
    ) {
        for &id in &self.derived {
            let p = &patterns[id as usize];
            let Effect::Hit { slot: code } = p.effect else {
                continue;
            };
            if found.vetoed.contains(&code) {
                continue;
            }
            let set = |slot: u32| (slot - self.code_count) as usize;
            match p.kind {
                PatternKind::Set => {
                    for &(start, end) in &rs.set_hits[set(p.rule.sets[0])] {
                        rs.code_hits.push(RawHit {
                            code,
                            start,
                            end,
                            pattern: id,
                        });
                    }
                }
                _ => {
                    if p.rule.sets.iter().any(|&s| rs.set_hits[set(s)].is_empty()) {
                        continue;
                    }
                    let mut sets = std::mem::take(&mut rs.sets);
                    sets.clear();
                    sets.extend(p.rule.sets.iter().map(|&s| set(s)));
                    rs.structure(passage);
                    rs.index_words(passage);
                    rs.near(passage, &sets, p.rule.within, code, id);
                    rs.sets = sets;
                }
            }
        }
    }

    /// Keeps a hit of a pattern with `with` (`without`) sets only if a term of one of them is
    /// (is not) in its sentence, within the pattern's window.
    fn check_context(&self, passage: &str, patterns: &[CompiledPattern], rs: &mut RuleScratch) {
        let rule_of = |h: &RawHit| &patterns[h.pattern as usize].rule;
        if !rs.code_hits.iter().any(|h| rule_of(h).has_context()) {
            return;
        }
        rs.structure(passage);
        if rs.code_hits.iter().any(|h| rule_of(h).within.is_some()) {
            rs.index_words(passage);
        }
        let mut hits = std::mem::take(&mut rs.code_hits);
        hits.retain(|h| {
            let rule = rule_of(h);
            let near = |sets: &[u32]| {
                sets.iter().any(|&s| {
                    rs.set_hits[(s - self.code_count) as usize]
                        .iter()
                        .any(|&term| rs.close(passage, term, (h.start, h.end), rule.within))
                })
            };
            (rule.with.is_empty() || near(&rule.with)) && !near(&rule.without)
        });
        rs.code_hits = hits;
    }

    /// Per code, its hits leftmost-longest without overlap; the code applies with `min_hits`
    /// of them or one strong, in the passage itself (`applied`) or given its document
    /// (`conditional`).
    fn select(
        &self,
        patterns: &[CompiledPattern],
        rs: &mut RuleScratch,
        selected: &mut Vec<Hit>,
        applied: &mut Vec<(usize, usize, usize)>,
        conditional: &mut Vec<(usize, usize, usize, u32)>,
    ) {
        // Where hits tie, the one that is evidence on its own wins: a strong one, then one
        // without a document condition.
        rs.code_hits.sort_unstable_by_key(|h| {
            let rule = &patterns[h.pattern as usize].rule;
            (
                h.code,
                h.start,
                Reverse(h.end),
                !rule.strong,
                rule.document.is_some(),
                h.pattern,
            )
        });
        let mut i = 0;
        while i < rs.code_hits.len() {
            let code = rs.code_hits[i].code;
            let mut j = i;
            while j < rs.code_hits.len() && rs.code_hits[j].code == code {
                j += 1;
            }
            let from = selected.len();
            let mut last_end = 0;
            // Evidence of the passage itself, and that which needs the document's.
            let (mut strong, mut count) = (false, 0u32);
            let (mut strong_any, mut count_any) = (false, 0u32);
            let mut needs = u32::MAX;
            for h in &rs.code_hits[i..j] {
                if h.start >= last_end {
                    selected.push(Hit {
                        start: h.start,
                        end: h.end,
                        pattern: h.pattern,
                    });
                    let rule = &patterns[h.pattern as usize].rule;
                    count_any += 1;
                    strong_any |= rule.strong;
                    match rule.document {
                        None => {
                            count += 1;
                            strong |= rule.strong;
                        }
                        Some(n) => needs = needs.min(n),
                    }
                    last_end = h.end;
                }
            }
            let min = self.min_hits[code as usize];
            if strong || count >= min {
                applied.push((code as usize, from, selected.len()));
            } else if needs != u32::MAX && (strong_any || count_any >= min) {
                conditional.push((code as usize, from, selected.len(), needs));
            } else {
                selected.truncate(from);
            }
            i = j;
        }
    }
}

/// Drops the hits inside a sentence that a muting pattern matched.
fn drop_muted(passage: &str, found: &mut Found, rs: &mut RuleScratch) {
    if found.muted.is_empty() {
        return;
    }
    rs.structure(passage);
    let mut muted = std::mem::take(&mut rs.muted);
    muted.clear();
    muted.extend(found.muted.iter().map(|&(start, _)| rs.sentence_of(start)));
    found
        .raw
        .retain(|h| !muted.contains(&rs.sentence_of(h.start)));
    rs.muted = muted;
}

/// Where the sentences of `text` end (the byte after each but the last): after `.`, `!`, `?` or
/// `…` (and any closing quotes or brackets) and the whitespace that follows, where the next
/// sentence begins with a capital, a digit, an opening quote or a dash. A line break is not an
/// end: inside a paragraph it is a wrapped line. Abbreviations before a lowercase word ("т.е.",
/// "e.g.", "2023 г. в") do not end a sentence. Simpler than UAX #29, and an order of magnitude
/// faster on the passages that rules look into.
fn sentence_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    const ELLIPSIS: &str = "…";
    let bytes = text.as_bytes();
    let mut at = 0;
    // Terminals are found by memchr's vector search; the next `…` is looked for again only
    // once passed, so the passage is read once for each.
    let mut ellipsis = memchr::memmem::find(bytes, ELLIPSIS.as_bytes());
    std::iter::from_fn(move || {
        loop {
            let stop = memchr::memchr3(b'.', b'!', b'?', &bytes[at..]).map(|k| at + k);
            if ellipsis.is_some_and(|e| e < at) {
                ellipsis = memchr::memmem::find(&bytes[at..], ELLIPSIS.as_bytes()).map(|k| at + k);
            }
            let (i, len) = match (stop, ellipsis) {
                (Some(s), Some(e)) if e < s => (e, ELLIPSIS.len()),
                (Some(s), _) => (s, 1),
                (None, Some(e)) => (e, ELLIPSIS.len()),
                (None, None) => return None,
            };
            at = i + len;
            if let Some(k) = next_sentence_at(&text[at..]) {
                at += k;
                return Some(at);
            }
        }
    })
}

/// What follows a terminal (`rest` starts at the byte after it): `Some(k)` where the next
/// sentence begins `k` bytes on — past closing quotes, brackets and repeated terminals, then
/// whitespace, at a capital, a digit, an opening quote or a dash — and `None` where the
/// terminal ends no sentence (an abbreviation before a lowercase word, a decimal point).
fn next_sentence_at(rest: &str) -> Option<usize> {
    let closing = rest
        .char_indices()
        .find(|&(_, c)| {
            !matches!(
                c,
                '"' | '\'' | '»' | '”' | '’' | ')' | ']' | '.' | '!' | '?'
            )
        })
        .map_or(rest.len(), |(k, _)| k);
    let after = &rest[closing..];
    let spaces = after
        .char_indices()
        .find(|&(_, c)| !c.is_whitespace())
        .map_or(after.len(), |(k, _)| k);
    if spaces == 0 {
        return None;
    }
    let next = after[spaces..].chars().next()?;
    let starts = next.is_uppercase()
        || next.is_ascii_digit()
        || matches!(next, '«' | '“' | '"' | '(' | '-' | '–' | '—' | '•');
    starts.then_some(closing + spaces)
}

/// The number of words in `text`: runs of word characters, joined by a hyphen or apostrophe
/// between two of them (`ақыл-ой`, `don't` are one word), as [`word_end`] reads them.
fn count_words(text: &str) -> usize {
    let mut count = 0;
    each_word(text, |_, _| count += 1);
    count
}

/// Calls `each` with the byte span of every word of `text`, in order (see [`count_words`]).
fn each_word(text: &str, each: impl FnMut(usize, usize)) {
    each_word_from(text, 0, text.len(), each);
}

/// Calls `each` with the byte span of every word of `text` that starts in `from..until`, in
/// order, reading from `from` (a word's start or a place between words, so that the words are
/// those a reading of the whole text finds).
fn each_word_from(text: &str, from: usize, until: usize, mut each: impl FnMut(usize, usize)) {
    let mut at = from;
    while at < until {
        let (word, len) = word_char_at(text, at);
        if word {
            // A word character is a word of at least itself.
            let end = word_end(text, at);
            each(at, end);
            at = end;
        } else {
            at += len;
        }
    }
}

/// One word in this many has its start kept in a passage's word index: a count of the words
/// before a place reads at most this many words past the nearest kept start, and the index
/// takes four bytes per this many words (a fraction of the text), however long the passage.
const WORD_STRIDE: usize = 16;

/// Buffers for the rules; one per thread, inside the matcher's scratch.
#[derive(Debug, Default)]
pub(super) struct RuleScratch {
    /// Per concept set, its chosen hits: byte spans in the passage.
    set_hits: Vec<Vec<(usize, usize)>>,
    /// Hits of codes, before conditions, thresholds and choosing.
    code_hits: Vec<RawHit>,
    /// Where its sentences end (each begins where the one before ends).
    sentences: Vec<usize>,
    has_structure: bool,
    /// Byte offsets where every [`WORD_STRIDE`]th of its words starts (word 0, 16, 32, …), for
    /// counting the words between two spans; empty for a passage too long for 32-bit offsets,
    /// whose words are counted where needed.
    words: Vec<u32>,
    has_words: bool,
    /// Sentences a muting pattern matched.
    muted: Vec<usize>,
    /// The sets of the `near` pattern at hand.
    sets: Vec<usize>,
    /// The terms a `near` hit is made of.
    chosen: Vec<(usize, usize)>,
}

impl RuleScratch {
    fn reset(&mut self, sets: usize) {
        self.set_hits.resize_with(sets, Vec::new);
        for hits in &mut self.set_hits {
            hits.clear();
        }
        self.code_hits.clear();
        self.has_structure = false;
        self.has_words = false;
    }

    /// Finds the passage's words, once: rules compare many pairs of spans, and counting the
    /// words between each pair anew read the same text again and again.
    fn index_words(&mut self, passage: &str) {
        if self.has_words {
            return;
        }
        self.has_words = true;
        self.words.clear();
        if u32::try_from(passage.len()).is_err() {
            return;
        }
        let (words, mut n) = (&mut self.words, 0);
        each_word(passage, |start, _| {
            if n % WORD_STRIDE == 0 {
                words.push(start as u32);
            }
            n += 1;
        });
    }

    /// The number of the passage's words that start before `at`, and the start of the last of
    /// them, from the index of [`RuleScratch::index_words`].
    fn words_before(&self, passage: &str, at: usize) -> (usize, Option<usize>) {
        let kept = self.words.partition_point(|&start| (start as usize) < at);
        let Some(nearest) = kept.checked_sub(1) else {
            return (0, None);
        };
        let (mut count, mut last) = (nearest * WORD_STRIDE, None);
        each_word_from(passage, self.words[nearest] as usize, at, |start, _| {
            count += 1;
            last = Some(start);
        });
        (count, last)
    }

    /// The number of words between two spans of `passage` that do not overlap, as
    /// [`words_between`] counts them, from the index of [`RuleScratch::index_words`].
    fn words_between(&self, passage: &str, a: (usize, usize), b: (usize, usize)) -> usize {
        debug_assert!(self.has_words);
        let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        if second.0 <= first.1 {
            return 0;
        }
        if self.words.is_empty() {
            return words_between(passage, a, b);
        }
        let (from, to) = (first.1, second.0);
        let (before, last) = self.words_before(passage, from);
        if last.is_some_and(|start| word_end(passage, start) > from) {
            // `from` lies inside a word: counted alone, its rest is a word of its own.
            return words_between(passage, a, b);
        }
        // Elsewhere a scan from `from` sees the words the passage's scan does.
        self.words_before(passage, to).0 - before
    }

    /// Works out the passage's sentences, once. (Words are counted only between the spans
    /// compared, so a long passage costs no more than its hits.)
    fn structure(&mut self, passage: &str) {
        if self.has_structure {
            return;
        }
        self.has_structure = true;
        self.sentences.clear();
        self.sentences.extend(sentence_ends(passage));
        self.sentences.push(passage.len());
    }

    /// The number of the sentence byte `at` lies in.
    fn sentence_of(&self, at: usize) -> usize {
        self.sentences
            .partition_point(|&end| end <= at)
            .min(self.sentences.len().saturating_sub(1))
    }

    /// Are two spans in one sentence, with at most `within` words between them (overlapping
    /// spans have none)?
    fn close(
        &self,
        passage: &str,
        a: (usize, usize),
        b: (usize, usize),
        within: Option<u32>,
    ) -> bool {
        if a.0 < b.1 && b.0 < a.1 {
            return true;
        }
        if self.sentence_of(a.0) != self.sentence_of(b.0) {
            return false;
        }
        within.is_none_or(|w| self.words_between(passage, a, b) <= w as usize)
    }

    /// Hits of a `near` pattern: for each term of the first set, the closest term of every
    /// other set in its sentence; kept when the words between them, besides the terms, are at
    /// most `within`.
    fn near(
        &mut self,
        passage: &str,
        sets: &[usize],
        within: Option<u32>,
        code: u32,
        pattern: PatternId,
    ) {
        let mut chosen = std::mem::take(&mut self.chosen);
        for k in 0..self.set_hits[sets[0]].len() {
            let first = self.set_hits[sets[0]][k];
            let sentence = self.sentence_of(first.0);
            chosen.clear();
            chosen.push(first);
            let mut complete = true;
            for &other in &sets[1..] {
                let best = self.set_hits[other]
                    .iter()
                    .copied()
                    .filter(|&t| {
                        self.sentence_of(t.0) == sentence
                            && chosen.iter().all(|&c| !(t.0 < c.1 && c.0 < t.1))
                    })
                    .min_by_key(|&t| self.words_between(passage, first, t));
                match best {
                    Some(t) => chosen.push(t),
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if !complete {
                continue;
            }
            chosen.sort_unstable();
            let between: usize = chosen
                .windows(2)
                .map(|w| self.words_between(passage, w[0], w[1]))
                .sum();
            if within.is_some_and(|w| between > w as usize) {
                continue;
            }
            self.code_hits.push(RawHit {
                code,
                start: chosen[0].0,
                end: chosen.iter().map(|c| c.1).max().unwrap_or(first.1),
                pattern,
            });
        }
        self.chosen = chosen;
    }
}

/// The number of words between two spans of `passage` that do not overlap.
fn words_between(passage: &str, a: (usize, usize), b: (usize, usize)) -> usize {
    let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    if second.0 <= first.1 {
        return 0;
    }
    count_words(&passage[first.1..second.0])
}

#[cfg(test)]
mod tests;
