//! Case and whitespace folding, with a map back to the original offsets.
//!
//! Phrases are matched against a folded copy of each passage: Unicode lowercase (the full
//! mapping, as Python's `str.lower`; aho-corasick's own case-insensitivity is ASCII-only), ё
//! read as е (optional in Russian spelling), and every run of whitespace turned into one space. Folding is done once per passage, not per
//! pattern, and the offset map is sparse: it records a point only where the folded and the
//! original offsets stop moving in step (a run of several spaces, a line break followed by
//! indentation, a letter whose lowercase has another length), so most passages need none.

use crate::text::{is_ascii_space, is_space};

/// A folded passage and the map back to it.
#[derive(Debug, Default, Clone)]
pub struct Folded {
    text: String,
    /// `(folded, original)` byte offsets from which the two advance together again.
    points: Vec<(usize, usize)>,
}

impl Folded {
    /// The folded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Folds `src` into this buffer, replacing what it held.
    pub fn fold(&mut self, src: &str) {
        self.points.clear();
        let mut out = std::mem::take(&mut self.text).into_bytes();
        out.clear();
        out.reserve(src.len());
        let bytes = src.as_bytes();
        // Original minus folded offset, as of the last point recorded.
        let mut delta = 0isize;
        // Bytes from here on are copied as they are; plain ASCII (a single whitespace byte
        // included) is mapped in one pass at the end, as are characters already lowercase.
        let mut run_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (len, space) = if b < 0x80 {
                if !is_ascii_space(b) {
                    i += 1;
                    continue;
                }
                // The common case, one whitespace byte between words: the same length as the space
                // it folds to (mapped at the end).
                if bytes
                    .get(i + 1)
                    .is_some_and(|&next| next < 0x80 && !is_ascii_space(next))
                {
                    i += 1;
                    continue;
                }
                (1, true)
            } else {
                let c = src[i..].chars().next().expect("a character starts here");
                if is_plain_lowercase(c) {
                    i += c.len_utf8();
                    continue;
                }
                (c.len_utf8(), is_space(c))
            };
            if space {
                let end = space_run_end(src, i + len);
                if end == i + 1 {
                    // One ASCII whitespace byte: same length as the space it becomes.
                    i = end;
                    continue;
                }
                out.extend_from_slice(&bytes[run_start..i]);
                out.push(b' ');
                i = end;
            } else {
                let c = src[i..].chars().next().expect("a character starts here");
                let mut buf = [0; 4];
                if let Some(lower) = cyrillic_capital_to_lower(c) {
                    out.extend_from_slice(&bytes[run_start..i]);
                    out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
                } else {
                    let mut lower = c.to_lowercase();
                    if lower.len() == 1 && lower.clone().next() == Some(c) {
                        // Caseless or already lowercase: keep it in the run.
                        i += len;
                        continue;
                    }
                    out.extend_from_slice(&bytes[run_start..i]);
                    for l in lower.by_ref() {
                        out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                    }
                }
                i += len;
            }
            run_start = i;
            let now = i as isize - out.len() as isize;
            if now != delta {
                delta = now;
                self.points.push((out.len(), i));
            }
        }
        out.extend_from_slice(&bytes[run_start..]);
        for b in &mut out {
            *b = ASCII_FOLD[*b as usize];
        }
        self.text = String::from_utf8(out).expect("folding keeps UTF-8 valid");
    }

    /// The original offset of folded offset `pos`, which must lie on a character boundary of
    /// the folded text. Inside a character whose lowercase is longer than itself, the result is
    /// rounded down (`start`) or up (`!start`) to the original character's boundary.
    pub fn to_original(&self, src: &str, pos: usize, start: bool) -> usize {
        let at = self.points.partition_point(|&(f, _)| f <= pos);
        let original = match at {
            0 => pos,
            n => {
                let (f, o) = self.points[n - 1];
                o + (pos - f)
            }
        };
        let mut original = original.min(src.len());
        while !src.is_char_boundary(original) {
            if start {
                original -= 1;
            } else {
                original += 1;
            }
        }
        original
    }
}

/// Folds a pattern's text the way passages are folded, trimming surrounding whitespace.
pub fn fold_str(text: &str) -> String {
    let mut folded = Folded::default();
    folded.fold(text.trim_matches(is_space));
    folded.text
}

/// Byte map applied to the folded text: ASCII lowercase, ASCII whitespace to a space, every
/// other byte (UTF-8 sequences of non-ASCII characters) unchanged.
static ASCII_FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte < 0x80 && is_ascii_space(byte) {
            b' '
        } else {
            byte.to_ascii_lowercase()
        };
        b += 1;
    }
    table
};

/// Is `c` a character folding leaves alone, known without a table lookup: lowercase Cyrillic,
/// the Kazakh and Ukrainian lowercase letters, and caseless punctuation.
#[inline]
fn is_plain_lowercase(c: char) -> bool {
    // Lowercase Cyrillic; Latin-1 punctuation and general punctuation, which have no case
    // (the no-break and other spaces among them are left to the whitespace test).
    matches!(c, '\u{0430}'..='\u{0450}' | '\u{0452}'..='\u{045f}' | '\u{00a1}'..='\u{00bf}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}')
        || (matches!(c, '\u{0460}'..='\u{04bf}' | '\u{04d0}'..='\u{04ff}') && (c as u32) % 2 == 1)
}

/// The folded form of a basic Cyrillic capital (А–Я, Ѐ–Џ), and of ё, without a table lookup.
/// Ё and ё fold to е: Russian writes ё only optionally, so `утёк` and `утек` are one word.
#[inline]
fn cyrillic_capital_to_lower(c: char) -> Option<char> {
    match c {
        'ё' | 'Ё' => Some('е'),
        '\u{0410}'..='\u{042f}' => char::from_u32(c as u32 + 0x20),
        '\u{0400}'..='\u{040f}' => char::from_u32(c as u32 + 0x50),
        _ => None,
    }
}

/// The end of the run of whitespace that continues at byte `i`.
#[inline]
fn space_run_end(src: &str, mut i: usize) -> usize {
    let bytes = src.as_bytes();
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            if !is_ascii_space(bytes[i]) {
                break;
            }
            i += 1;
        } else {
            match src[i..].chars().next() {
                Some(c) if is_space(c) => i += c.len_utf8(),
                _ => break,
            }
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> Folded {
        let mut f = Folded::default();
        f.fold(s);
        f
    }

    #[test]
    fn lowercases_and_collapses_whitespace() {
        assert_eq!(fold("Brain  \n\tDRAIN").text(), "brain drain");
        assert_eq!(fold("УТЕЧКА\u{a0}Мозгов").text(), "утечка мозгов");
        assert_eq!(fold("ҚАЗАҚСТАН ӘЛЕМІ").text(), "қазақстан әлемі");
        assert_eq!(fold(" a ").text(), " a ");
    }

    #[test]
    fn maps_offsets_back_across_collapsed_runs() {
        let src = "a \n\t bb\u{a0}c";
        let f = fold(src);
        assert_eq!(f.text(), "a bb c");
        // "bb" starts at 2 in the folded text and at 5 in the original.
        assert_eq!(f.to_original(src, 2, true), 5);
        assert_eq!(f.to_original(src, 4, false), 7);
        assert_eq!(f.to_original(src, 5, true), src.len() - 1);
        assert_eq!(f.to_original(src, 6, false), src.len());
    }

    #[test]
    fn maps_offsets_across_length_changing_lowercase() {
        // U+0130 (2 bytes) lowercases to "i\u{307}" (3 bytes); KELVIN SIGN (3 bytes) to "k" (1).
        let src = "\u{130}x \u{212a}y";
        let f = fold(src);
        assert_eq!(f.text(), "i\u{307}x ky");
        let x = f.text().find('x').unwrap();
        assert_eq!(
            &src[f.to_original(src, x, true)..f.to_original(src, x + 1, false)],
            "x"
        );
        let y = f.text().find('y').unwrap();
        assert_eq!(&src[f.to_original(src, y, true)..], "y");
        // A position inside the expansion rounds to the original character's edges.
        assert_eq!(f.to_original(src, 1, true), 0);
        assert_eq!(f.to_original(src, 1, false), 2);
    }

    #[test]
    fn runs_mixing_ascii_and_unicode_spaces_collapse() {
        assert_eq!(fold("a \u{a0}b\n\u{2009} c\t").text(), "a b c ");
        let src = "x \u{a0}y";
        let f = fold(src);
        assert_eq!(&src[f.to_original(src, 2, true)..], "y");
    }

    #[test]
    fn single_whitespace_bytes_become_spaces_in_place() {
        let src = "a\tb\nc\rd\u{1c}e";
        let f = fold(src);
        assert_eq!(f.text(), "a b c d e");
        assert!(f.points.is_empty());
    }

    #[test]
    fn fast_paths_agree_with_unicode_lowercase() {
        for c in ('\u{80}'..='\u{2fff}').filter(|c| !is_space(*c)) {
            let expected: String = c.to_lowercase().collect();
            if is_plain_lowercase(c) {
                assert_eq!(expected, c.to_string(), "{c:?} is its own lowercase");
            }
            if let Some(lower) = cyrillic_capital_to_lower(c)
                && c != 'ё'
                && c != 'Ё'
            {
                assert_eq!(expected, lower.to_string(), "{c:?}");
            }
        }
    }

    #[test]
    fn kazakh_and_ukrainian_capitals_fold() {
        assert_eq!(
            fold("ӘҒҚҢӨҰҮҺІЇЄҐЁ әғқңөұүһіїєґё").text(),
            "әғқңөұүһіїєґе әғқңөұүһіїєґе"
        );
    }

    #[test]
    fn yo_folds_to_ye() {
        assert_eq!(fold("Ёлка и всё").text(), "елка и все");
        assert_eq!(fold_str("утёк"), fold_str("утек"));
    }

    #[test]
    fn pattern_text_folds_like_passages() {
        assert_eq!(fold_str("  Brain   Drain "), "brain drain");
        assert_eq!(fold_str("Ақыл-Ой\tкетуі"), "ақыл-ой кетуі");
    }
}
