//! Character classes and offset arithmetic shared by segmentation and matching.
//!
//! The definitions follow the task that researchers' own scripts implement (and that the peer
//! benchmark in `shared/bench` fixes): a *word character* is a letter (general category `L*`), a
//! number (`N*`) or `_`, exactly Python's `str.isalnum() or c == "_"`; *whitespace* is Python's
//! `str.isspace`, which is Unicode `White_Space` plus the information separators U+001C–U+001F.

pub mod words;

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Is `c` a word character: a letter, a number or `_`?
///
/// ```
/// use thematic::text::is_word_char;
/// assert!(is_word_char('ж') && is_word_char('ә') && is_word_char('7') && is_word_char('_'));
/// assert!(!is_word_char('-') && !is_word_char('’') && !is_word_char(' '));
/// ```
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
        )
    }
}

/// Is `c` whitespace (Unicode `White_Space`, or one of U+001C–U+001F)?
#[inline]
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Is the ASCII byte `b` whitespace in the sense of [`is_space`]?
#[inline]
pub(crate) const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

/// Is the character at byte `i` of `s` a word character, and how many bytes long is it? ASCII,
/// most text, is classified from its byte without decoding: matching and word counting ask this
/// of every character they read.
#[inline]
pub(crate) fn word_char_at(s: &str, i: usize) -> (bool, usize) {
    let b = s.as_bytes()[i];
    if b < 0x80 {
        return (b.is_ascii_alphanumeric() || b == b'_', 1);
    }
    let c = char_at(s, i).expect("a character starts here");
    (is_word_char(c), c.len_utf8())
}

/// Is every character of `s` whitespace (true for the empty string)?
#[inline]
pub fn is_blank(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().all(is_ascii_space)
    } else {
        s.chars().all(is_space)
    }
}

/// Number of characters (Unicode scalar values) in `bytes`, a slice of valid UTF-8.
///
/// Counts the bytes that start a character; the loop vectorises, so converting byte offsets to
/// character offsets costs far less than the matching that produced them.
#[inline]
pub fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// The character ending just before byte `i` of `s`, if any.
#[inline]
pub(crate) fn char_before(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

/// The character starting at byte `i` of `s`, if any.
#[inline]
pub(crate) fn char_at(s: &str, i: usize) -> Option<char> {
    s[i..].chars().next()
}

/// Does `s[start..end]` stand as whole words: neither the character before it nor the one after
/// it is a word character?
#[inline]
pub fn is_whole_word(s: &str, start: usize, end: usize) -> bool {
    !char_before(s, start).is_some_and(is_word_char) && !char_at(s, end).is_some_and(is_word_char)
}

/// Converts byte offsets in `text` to character offsets, incrementally.
///
/// Offsets must be asked for in non-decreasing order; each call counts only the characters since
/// the previous one.
#[derive(Debug, Clone)]
pub struct CharCounter<'a> {
    text: &'a [u8],
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    /// Starts counting at the beginning of `text`.
    pub fn new(text: &'a str) -> CharCounter<'a> {
        CharCounter::starting_at(text, 0, 0)
    }

    /// Starts counting at byte `byte` of `text`, known to be character `chars`.
    pub fn starting_at(text: &'a str, byte: usize, chars: usize) -> CharCounter<'a> {
        CharCounter {
            text: text.as_bytes(),
            byte,
            chars,
        }
    }

    /// The character offset of byte offset `byte`.
    ///
    /// # Panics
    /// If `byte` is before the previous offset asked for.
    pub fn char_offset(&mut self, byte: usize) -> usize {
        assert!(byte >= self.byte, "CharCounter offsets must not decrease");
        self.chars += char_count(&self.text[self.byte..byte]);
        self.byte = byte;
        self.chars
    }
}

/// Converts character offsets of a text to byte offsets in constant time per lookup plus a
/// short walk: a byte offset is kept for every 64th character.
#[derive(Debug, Clone)]
pub struct CharIndex {
    checkpoints: Vec<usize>,
    chars: usize,
}

impl CharIndex {
    const STEP: usize = 64;

    /// Indexes `text`.
    pub fn new(text: &str) -> CharIndex {
        let mut checkpoints = Vec::with_capacity(text.len() / Self::STEP + 1);
        let mut chars = 0;
        for (byte, _) in text.char_indices() {
            if chars % Self::STEP == 0 {
                checkpoints.push(byte);
            }
            chars += 1;
        }
        CharIndex { checkpoints, chars }
    }

    /// Number of characters in the text.
    pub fn len(&self) -> usize {
        self.chars
    }

    /// Is the text empty?
    pub fn is_empty(&self) -> bool {
        self.chars == 0
    }

    /// `text[start..end]` counted in characters (`text` being the text indexed); empty where
    /// the range is out of bounds or reversed.
    pub fn slice<'a>(&self, text: &'a str, start: usize, end: usize) -> &'a str {
        match (self.byte_offset(text, start), self.byte_offset(text, end)) {
            (Some(a), Some(b)) if a <= b => &text[a..b],
            _ => "",
        }
    }

    /// The byte offset of character offset `char_offset` (the text's length in bytes for
    /// `char_offset == len()`), or `None` past the end.
    pub fn byte_offset(&self, text: &str, char_offset: usize) -> Option<usize> {
        if char_offset > self.chars {
            return None;
        }
        if char_offset == self.chars {
            return Some(text.len());
        }
        let base = self.checkpoints[char_offset / Self::STEP];
        let rest = char_offset % Self::STEP;
        text[base..].char_indices().nth(rest).map(|(i, _)| base + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_characters_follow_python_isalnum() {
        for c in [
            'a', 'Z', '0', '_', 'é', 'ж', 'Ё', 'қ', 'ү', 'і', 'ї', 'ґ', '²', 'Ⅻ', '中',
        ] {
            assert!(is_word_char(c), "{c:?} is a word character");
        }
        for c in ['-', '’', '\'', ' ', '\u{a0}', '.', '\u{301}', '*'] {
            assert!(!is_word_char(c), "{c:?} is not a word character");
        }
    }

    #[test]
    fn whitespace_includes_information_separators() {
        for c in [
            ' ', '\t', '\n', '\r', '\u{a0}', '\u{2009}', '\u{3000}', '\u{1c}', '\u{1f}',
        ] {
            assert!(is_space(c), "{c:?} is whitespace");
        }
        assert!(!is_space('\u{200b}'));
        assert!(is_blank(" \t\u{a0}\r") && is_blank("") && !is_blank(" x "));
    }

    #[test]
    fn char_counter_counts_multibyte_text() {
        let text = "aж қ€x";
        let mut counter = CharCounter::new(text);
        assert_eq!(counter.char_offset(1), 1);
        assert_eq!(counter.char_offset(text.find('қ').unwrap()), 3);
        assert_eq!(counter.char_offset(text.len()), 6);
    }

    #[test]
    fn char_index_maps_characters_to_bytes() {
        let text: String = "aж€😀".repeat(50);
        let index = CharIndex::new(&text);
        assert_eq!(index.len(), 200);
        for (chars, (byte, _)) in text.char_indices().enumerate() {
            assert_eq!(index.byte_offset(&text, chars), Some(byte));
        }
        assert_eq!(index.byte_offset(&text, 200), Some(text.len()));
        assert_eq!(index.byte_offset(&text, 201), None);
        assert_eq!(CharIndex::new("").byte_offset("", 0), Some(0));
    }

    #[test]
    fn whole_word_checks_both_sides() {
        let s = "brain-drain drains";
        assert!(is_whole_word(s, 6, 11));
        assert!(!is_whole_word(s, 12, 17));
        assert!(is_whole_word(s, 0, 5));
    }
}
