//! Normalisation of a document's text into the stored plain text all offsets index.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Turns decoded text into the stored plain text: a leading byte-order mark dropped, every
/// CRLF turned into LF, and Unicode NFC applied.
///
/// For text that is already LF-terminated NFC without a BOM this returns its input unchanged,
/// without copying, so offsets into the stored text are offsets into the file as a reader sees it.
///
/// ```
/// use thematic::corpus::normalize;
/// assert_eq!(normalize("\u{feff}a\r\nb\r\n".to_string()), "a\nb\n");
/// // "й" written as "и" + combining breve is composed into one character.
/// assert_eq!(normalize("и\u{306}".to_string()), "й");
/// ```
pub fn normalize(text: String) -> String {
    let mut text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text = text.replace("\r\n", "\n");
    }
    if !is_nfc(&text) {
        text = text.nfc().collect();
    }
    text
}

/// Is `text` NFC? The quick-check over every character is the costly part of reading a corpus,
/// so characters of ranges known to be NFC on their own (quick-check "yes", combining class 0:
/// ASCII, Latin-1 and Latin Extended below U+0300, Cyrillic U+0400–U+052F, general punctuation
/// U+2000–U+206F) are skipped byte-wise. Such a character resets the quick-check's state, so
/// the runs of other characters between them can be checked apart.
fn is_nfc(text: &str) -> bool {
    let bytes = text.as_bytes();
    let safe_len = |i: usize| -> Option<usize> {
        match bytes[i] {
            0x00..=0x7f => Some(1),
            0xc2..=0xcb | 0xd0..=0xd3 => Some(2),
            0xd4 if bytes.get(i + 1).is_some_and(|&b| b <= 0xaf) => Some(2),
            0xe2 if bytes.get(i + 1).is_some_and(|&b| b == 0x80 || b == 0x81) => Some(3),
            _ => None,
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = safe_len(i) {
            i += len;
            continue;
        }
        let start = i;
        while i < bytes.len() && safe_len(i).is_none() {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        if is_nfc_quick(text[start..i].chars()) != IsNormalized::Yes {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_clean_text_alone() {
        let clean = "Brain drain\n\nУтечка мозгов — ақыл-ой кетуі.\n".to_string();
        assert_eq!(normalize(clean.clone()), clean);
    }

    #[test]
    fn keeps_a_lone_carriage_return() {
        // Only CRLF pairs are line ends to fold; a lone CR is kept (it is whitespace).
        assert_eq!(normalize("a\rb\r\n".to_string()), "a\rb\n");
    }

    #[test]
    fn the_fast_check_agrees_with_the_full_one() {
        for text in [
            "plain",
            "Утечка — «мозгов» ақыл-ой кетуі…",
            "é",
            "е\u{308}",
            "a\u{300}",
            "\u{2126}",
            "한국",
            "\u{1100}\u{1161}",
            "a\u{301}\u{300}",
        ] {
            let full = is_nfc_quick(text.chars()) == IsNormalized::Yes;
            assert_eq!(is_nfc(text), full, "{text:?}");
        }
        assert!(is_nfc("Утечка — «мозгов» ақыл-ой кетуі’s… № Λ"));
        assert!(!is_nfc("е\u{308}"));
        assert!(!is_nfc("x a\u{301}\u{300} y"));
    }

    #[test]
    fn composes_decomposed_kazakh_and_cyrillic() {
        assert_eq!(normalize("е\u{308}".to_string()), "ё");
        assert_eq!(normalize("\u{feff}\u{feff}x".to_string()), "\u{feff}x");
    }
}
