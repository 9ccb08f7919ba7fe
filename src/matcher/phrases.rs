//! Large dictionaries of phrases, matched word by word.
//!
//! An Aho-Corasick DFA over ten thousand phrases outgrows the processor's caches, and its scan
//! slows to a third of its speed over a hundred (BENCHMARKS.md, "Codebook size"). A phrase,
//! though, can only match where a word starts: so the folded passage is walked word by word, each
//! word looked up in a hash table of the phrases' first words, and only the phrases that begin
//! with it compared. The cost is one lookup per word of text, whatever the dictionary's size.
//!
//! The table takes the phrases that begin and end with a word character (so every match starts
//! at a word start and is checked to end at a word end) and finds exactly what the automaton
//! finds for them, whole-word checks included.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use super::PatternId;
use crate::text::{is_word_char, word_char_at};

/// A folded phrase and the patterns it stands for.
type Phrase = (Box<str>, Vec<PatternId>);

/// Phrases by their first one or two words.
#[derive(Debug)]
pub(super) struct PhraseTable {
    /// [`word_key`] of a phrase's first word (for one-word phrases) or of its first two words
    /// (for longer ones) → the folded phrases with that key, each with the patterns it stands
    /// for. Keying longer phrases on two words keeps the lists short even where thousands of
    /// phrases begin with "the" or "of"; a shared key (a rare hash collision) is harmless, as
    /// every candidate is compared in full.
    by_key: FxHashMap<u64, Vec<Phrase>>,
    /// A bit per low 16 bits of the keys: most words of a text start no phrase, and this 8 KB
    /// set, which stays in the L1 cache, turns them away before the hash table.
    key_bits: Box<[u64; 1024]>,
    len: usize,
}

impl Default for PhraseTable {
    fn default() -> PhraseTable {
        PhraseTable {
            by_key: FxHashMap::default(),
            key_bits: Box::new([0; 1024]),
            len: 0,
        }
    }
}

/// The key of one word, or of two words in sequence (whatever separates them).
#[inline]
fn word_key(first: &[u8], second: Option<&[u8]>) -> u64 {
    let mut h = FxHasher::default();
    h.write(first);
    if let Some(second) = second {
        h.write_u8(0xff);
        h.write(second);
    }
    h.finish()
}

impl PhraseTable {
    /// Can the table match this folded phrase? It must begin and end with a word character.
    pub(super) fn takes(folded: &str) -> bool {
        folded.chars().next().is_some_and(is_word_char)
            && folded.chars().next_back().is_some_and(is_word_char)
    }

    /// Adds pattern `id`, whose folded text is `folded` (see [`PhraseTable::takes`]).
    pub(super) fn insert(&mut self, folded: &str, id: PatternId) {
        debug_assert!(PhraseTable::takes(folded));
        let words: Vec<(usize, usize)> = Words::new(folded).take(2).collect();
        let key = match words.as_slice() {
            [(s, e)] => word_key(&folded.as_bytes()[*s..*e], None),
            [(s1, e1), (s2, e2), ..] => word_key(
                &folded.as_bytes()[*s1..*e1],
                Some(&folded.as_bytes()[*s2..*e2]),
            ),
            [] => unreachable!("a phrase that begins with a word character has a word"),
        };
        self.key_bits[(key as usize & 0xffff) / 64] |= 1 << (key % 64);
        let phrases = self.by_key.entry(key).or_default();
        match phrases.iter_mut().find(|(p, _)| **p == *folded) {
            Some((_, ids)) => ids.push(id),
            None => {
                phrases.push((folded.into(), vec![id]));
                self.len += 1;
            }
        }
    }

    /// Number of distinct phrases.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Calls `found(pattern, start, end)` for every whole-word occurrence of a phrase in the
    /// folded text, overlapping ones included.
    pub(super) fn for_each_match(
        &self,
        folded: &str,
        mut found: impl FnMut(PatternId, usize, usize),
    ) {
        let bytes = folded.as_bytes();
        let mut previous: Option<(usize, usize)> = None;
        for (start, end) in Words::new(folded) {
            let word = &bytes[start..end];
            self.candidates(folded, start, word_key(word, None), &mut found);
            if let Some((p_start, p_end)) = previous {
                let key = word_key(&bytes[p_start..p_end], Some(word));
                self.candidates(folded, p_start, key, &mut found);
            }
            previous = Some((start, end));
        }
    }

    /// Compares the phrases of `key` with the text at `start`.
    #[inline]
    fn candidates(
        &self,
        folded: &str,
        start: usize,
        key: u64,
        found: &mut impl FnMut(PatternId, usize, usize),
    ) {
        if self.key_bits[(key as usize & 0xffff) / 64] & (1 << (key % 64)) == 0 {
            return;
        }
        let Some(phrases) = self.by_key.get(&key) else {
            return;
        };
        for (phrase, ids) in phrases {
            let end = start + phrase.len();
            if folded.as_bytes()[start..].starts_with(phrase.as_bytes())
                && !folded[end..].chars().next().is_some_and(is_word_char)
            {
                for &id in ids {
                    found(id, start, end);
                }
            }
        }
    }
}

/// The words of a folded text, as byte ranges: runs of word characters.
struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Words<'a> {
        Words { text, at: 0 }
    }
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        let len = self.text.len();
        while self.at < len {
            let (word, n) = word_char_at(self.text, self.at);
            if word {
                break;
            }
            self.at += n;
        }
        if self.at >= len {
            return None;
        }
        let start = self.at;
        while self.at < len {
            let (word, n) = word_char_at(self.text, self.at);
            if !word {
                break;
            }
            self.at += n;
        }
        Some((start, self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(table: &PhraseTable, text: &str) -> Vec<(PatternId, &'static str)> {
        let mut out = Vec::new();
        table.for_each_match(text, |id, s, e| {
            out.push((id, text[s..e].to_string().leak() as &str))
        });
        // The table promises every match, in no particular order.
        out.sort_unstable();
        out
    }

    #[test]
    fn whole_words_overlaps_and_shared_first_words() {
        let mut table = PhraseTable::default();
        for (id, p) in [
            "brain drain",
            "brain",
            "drain",
            "brain-drain",
            "утечка мозгов",
        ]
        .iter()
        .enumerate()
        {
            table.insert(p, id as PatternId);
        }
        table.insert("brain", 9);
        assert_eq!(table.len(), 5);
        assert_eq!(
            matches(
                &table,
                "the brain drain, brains, brain-drain; утечка мозгов."
            ),
            [
                (0, "brain drain"),
                (1, "brain"),
                (1, "brain"),
                (2, "drain"),
                (2, "drain"),
                (3, "brain-drain"),
                (4, "утечка мозгов"),
                (9, "brain"),
                (9, "brain"),
            ]
        );
        assert!(matches(&table, "brainy drainage xbrain").is_empty());
    }

    #[test]
    fn only_phrases_bounded_by_word_characters_are_taken() {
        assert!(
            PhraseTable::takes("brain drain")
                && PhraseTable::takes("it's")
                && PhraseTable::takes("ақыл-ой")
        );
        assert!(
            !PhraseTable::takes("c++") && !PhraseTable::takes("$100") && !PhraseTable::takes("")
        );
    }
}
