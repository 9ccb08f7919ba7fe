//! Carrying positions counted in another tool's text over to thematic's stored text.
//!
//! A REFI-QDA position counts the code points of a source's text as the file holds it, after the
//! byte-order mark that no tool counts. thematic indexes the stored text, which is that text
//! [normalised](crate::corpus::normalize()): a leading byte-order mark dropped, CRLF as LF, Unicode
//! NFC. Where the text is already normalised, which is the usual case, positions carry over
//! unchanged; [`StoredText`] records the few stretches that normalisation rewrote and moves a
//! position that falls inside one to the stretch's start (for a selection's start) or end (for
//! its end), so the stored selection always covers what the tool selected.

use std::ops::Range;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// A stretch of input characters that normalisation replaced by a different stretch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    input: Range<usize>,
    output: Range<usize>,
}

/// A monotone map from character positions in one text to those in its rewritten form: the
/// rewritten stretches, in order; between them positions shift by a constant.
#[derive(Debug, Default)]
struct PositionMap {
    edits: Vec<Edit>,
}

impl PositionMap {
    fn push(&mut self, input: Range<usize>, output: Range<usize>) {
        self.edits.push(Edit { input, output });
    }

    /// Where `position` lands; one strictly inside a rewritten stretch goes to the stretch's
    /// end if `round_up`, else to its start.
    fn map(&self, position: usize, round_up: bool) -> usize {
        let before = self.edits.partition_point(|e| e.input.start < position);
        let Some(edit) = before.checked_sub(1).map(|i| &self.edits[i]) else {
            return position;
        };
        if position < edit.input.end {
            if round_up {
                edit.output.end
            } else {
                edit.output.start
            }
        } else {
            position - edit.input.end + edit.output.end
        }
    }
}

/// A source text normalised into stored text, with the map from the source's positions.
#[derive(Debug)]
pub(super) struct StoredText {
    /// The stored text: exactly [`normalize`](crate::corpus::normalize()) of the source text.
    pub text: String,
    /// Number of code points of the source text, which positions may not exceed.
    pub source_chars: usize,
    line_ends: PositionMap,
    composition: PositionMap,
}

impl StoredText {
    /// Normalises `source`, the text as a tool counted it (its file's byte-order mark already
    /// removed).
    pub fn new(source: &str) -> StoredText {
        let (folded, line_ends, source_chars) = fold_line_ends(source);
        let (text, composition) = compose(folded);
        StoredText {
            text,
            source_chars,
            line_ends,
            composition,
        }
    }

    /// The stored position of a selection's start.
    pub fn start(&self, position: usize) -> usize {
        self.composition
            .map(self.line_ends.map(position, false), false)
    }

    /// The stored position of a selection's end.
    pub fn end(&self, position: usize) -> usize {
        self.composition
            .map(self.line_ends.map(position, true), true)
    }
}

/// The first two steps of [`normalize`](crate::corpus::normalize()): one leading byte-order mark
/// dropped, then every CRLF pair, left to right, made LF. Returns the text, the map, and the
/// source's length in code points.
fn fold_line_ends(source: &str) -> (String, PositionMap, usize) {
    let mut map = PositionMap::default();
    let mut rest = source;
    let mut input = 0;
    if let Some(after) = rest.strip_prefix('\u{feff}') {
        map.push(0..1, 0..0);
        rest = after;
        input = 1;
    }
    if !rest.contains('\r') {
        let chars = input + rest.chars().count();
        return (rest.to_string(), map, chars);
    }
    let mut folded = String::with_capacity(rest.len());
    let mut output = 0;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            folded.push('\n');
            map.push(input..input + 2, output..output + 1);
            input += 2;
        } else {
            folded.push(c);
            input += 1;
        }
        output += 1;
    }
    (folded, map, input)
}

/// The last step of [`normalize`](crate::corpus::normalize()): Unicode NFC. The text is cut
/// before every character that nothing before it can combine with (combining class 0 and NFC
/// quick-check "yes"), so each piece normalises on its own; pieces that change are recorded.
fn compose(text: String) -> (String, PositionMap) {
    let mut map = PositionMap::default();
    if unicode_normalization::is_nfc(&text) {
        return (text, map);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut output = 0;
    let mut piece_start = 0;
    for end in 1..=chars.len() {
        if end < chars.len() && !starts_a_piece(chars[end]) {
            continue;
        }
        let piece = &chars[piece_start..end];
        if is_nfc_quick(piece.iter().copied()) == IsNormalized::Yes {
            out.extend(piece);
            output += piece.len();
        } else {
            let before = out.len();
            out.extend(piece.iter().copied().nfc());
            let composed = out[before..].chars().count();
            map.push(piece_start..end, output..output + composed);
            output += composed;
        }
        piece_start = end;
    }
    (out, map)
}

/// Can nothing before `c` combine with it, so that text may be cut before it for NFC?
fn starts_a_piece(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::normalize;
    use proptest::prelude::*;

    fn stored_slice(stored: &StoredText, start: usize, end: usize) -> String {
        let (s, e) = (stored.start(start), stored.end(end));
        stored.text.chars().skip(s).take(e - s).collect()
    }

    #[test]
    fn clean_text_keeps_its_positions() {
        let stored = StoredText::new("Кадры уезжают 😀. Brain drain is real.\n");
        assert_eq!(stored.source_chars, 38);
        assert_eq!(stored_slice(&stored, 17, 28), "Brain drain");
    }

    #[test]
    fn crlf_and_decomposed_letters_move_later_positions_back() {
        // "е" + combining diaeresis is one stored "ё"; each CRLF is one stored LF.
        let source = "a\r\nзелёный е\u{308}ж\r\nBrain drain";
        let stored = StoredText::new(source);
        assert_eq!(stored.text, normalize(source.to_string()));
        let at = source.chars().position(|c| c == 'B').unwrap();
        assert_eq!(stored_slice(&stored, at, at + 11), "Brain drain");
        let yo = source.chars().position(|c| c == '\u{308}').unwrap() - 1;
        assert_eq!(stored_slice(&stored, yo, yo + 3), "ёж");
    }

    #[test]
    fn positions_inside_a_rewritten_stretch_widen_to_cover_it() {
        // A selection ending between "е" and its combining mark keeps the whole "ё"; one
        // starting between CR and LF starts at the LF.
        let stored = StoredText::new("xе\u{308}y\r\nz");
        assert_eq!(stored.text, "xёy\nz");
        assert_eq!((stored.start(2), stored.end(2)), (1, 2));
        assert_eq!((stored.start(5), stored.end(5)), (3, 4));
        assert_eq!(stored.end(7), 5);
    }

    #[test]
    fn a_second_byte_order_mark_is_dropped_as_normalize_drops_it() {
        let stored = StoredText::new("\u{feff}ab");
        assert_eq!(stored.text, "ab");
        assert_eq!((stored.start(1), stored.end(3)), (0, 2));
        assert_eq!(stored.source_chars, 3);
    }

    fn tricky_char() -> impl Strategy<Value = char> {
        prop::sample::select(vec![
            'a', 'e', ' ', '\n', '\r', '\u{feff}', '\u{301}', '\u{327}', '\u{308}', 'е', 'и',
            '\u{306}', '\u{1100}', '\u{1161}', '\u{11a8}', '\u{2126}', '\u{0b47}', '\u{0b3e}',
            '😀',
        ])
    }

    proptest! {
        #[test]
        fn the_stored_text_is_exactly_normalize_and_positions_stay_ordered(
            chars in prop::collection::vec(tricky_char(), 0..40)
        ) {
            let source: String = chars.iter().collect();
            let stored = StoredText::new(&source);
            prop_assert_eq!(&stored.text, &normalize(source.clone()));
            prop_assert_eq!(stored.source_chars, chars.len());
            let len = stored.text.chars().count();
            for p in 0..=chars.len() {
                prop_assert!(stored.start(p) <= stored.end(p));
                prop_assert!(stored.end(p) <= len);
                if p > 0 {
                    prop_assert!(stored.start(p - 1) <= stored.start(p));
                    prop_assert!(stored.end(p - 1) <= stored.end(p));
                }
            }
            prop_assert_eq!(stored.end(chars.len()), len);
        }
    }
}
