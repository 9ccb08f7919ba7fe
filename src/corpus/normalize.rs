//! Normalisation of a document's text into the stored plain text all offsets index.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::memory::{OutOfMemory, reserve_str};

/// Turns decoded text into the stored plain text: a leading byte-order mark dropped, every
/// CRLF turned into LF, and Unicode NFC applied.
///
/// For text that is already LF-terminated NFC without a BOM this returns its input unchanged,
/// without copying, so offsets into the stored text are offsets into the file as a reader sees it.
/// The mark and the carriage returns are removed in place; only composing NFC takes a second
/// buffer (and aborts, as any `String` does, if the system refuses it: the corpus reader uses a
/// fallible form).
///
/// ```
/// use thematic::corpus::normalize;
/// assert_eq!(normalize("\u{feff}a\r\nb\r\n".to_string()), "a\nb\n");
/// // "й" written as "и" + combining breve is composed into one character.
/// assert_eq!(normalize("и\u{306}".to_string()), "й");
/// ```
pub fn normalize(text: String) -> String {
    try_normalize(text).unwrap_or_else(|refused| {
        std::alloc::handle_alloc_error(
            std::alloc::Layout::array::<u8>(refused.bytes)
                .unwrap_or(std::alloc::Layout::new::<u8>()),
        )
    })
}

/// [`normalize`], with the buffer NFC needs reserved fallibly.
pub(crate) fn try_normalize(mut text: String) -> Result<String, OutOfMemory> {
    if text.starts_with('\u{feff}') {
        text.replace_range(..'\u{feff}'.len_utf8(), "");
    }
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text = crlf_to_lf(text);
    }
    if !is_nfc(&text) {
        text = nfc(&text)?;
    }
    Ok(text)
}

/// Turns every CRLF into LF in place (what `text.replace("\r\n", "\n")` gives, without a copy).
fn crlf_to_lf(text: String) -> String {
    let mut bytes = text.into_bytes();
    let len = bytes.len();
    let (mut read, mut write) = (0, 0);
    while read < len {
        let (end, next) = match memchr::memchr(b'\r', &bytes[read..]) {
            // A CR before an LF is dropped; any other is kept.
            Some(i) if bytes.get(read + i + 1) == Some(&b'\n') => (read + i, read + i + 1),
            Some(i) => (read + i + 1, read + i + 1),
            None => (len, len),
        };
        bytes.copy_within(read..end, write);
        write += end - read;
        read = next;
    }
    bytes.truncate(write);
    String::from_utf8(bytes).expect("dropping a CR before an LF keeps UTF-8 valid")
}

/// The NFC of `text` in a buffer reserved fallibly (NFC seldom makes text longer; when it
/// does, the buffer grows fallibly too).
fn nfc(text: &str) -> Result<String, OutOfMemory> {
    let mut out = String::new();
    reserve_str(&mut out, text.len())?;
    for c in text.nfc() {
        if out.capacity() - out.len() < c.len_utf8() {
            reserve_str(&mut out, text.len() / 8 + 4)?;
        }
        out.push(c);
    }
    Ok(out)
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
    fn carriage_returns_go_in_place_as_replace_would_take_them() {
        for text in [
            "a\r\nb",
            "\r\n\r\n",
            "\r\r\n",
            "x\r",
            "\r",
            "кириллица\r\nи\rещё\r\n\r\r",
            "",
        ] {
            assert_eq!(
                crlf_to_lf(text.to_string()),
                text.replace("\r\n", "\n"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn composing_fails_cleanly_when_memory_is_refused() {
        let text = "е\u{308}".repeat(1000);
        let _limit = crate::corpus::memory::refuse_above(100);
        assert!(try_normalize(text.clone()).is_err());
        drop(_limit);
        assert_eq!(try_normalize(text).unwrap(), "ё".repeat(1000));
    }

    #[test]
    fn composes_decomposed_kazakh_and_cyrillic() {
        assert_eq!(normalize("е\u{308}".to_string()), "ё");
        assert_eq!(normalize("\u{feff}\u{feff}x".to_string()), "\u{feff}x");
    }
}
