//! UTF-16 text (Windows Notepad's "Unicode", Excel's "Unicode text"), with a byte-order mark or
//! without one, and NUL bytes, which no text in any other encoding holds.
//!
//! Without a byte-order mark, UTF-16 shows itself by its zero bytes: every character below
//! U+0100 (spaces, digits, punctuation, line ends, Latin letters) has a zero high byte, so in
//! little-endian text the odd bytes are often zero and the even ones almost never, and the
//! other way round in big-endian text. A file is read as UTF-16 only when the zeros fall so, and
//! all of it then decodes to text: no unpaired surrogate, no NUL, no control character other
//! than the whitespace ones. Anything else holding a NUL byte is binary data.

use std::path::Path;

use crate::error::{Error, Result};

/// How many bytes from the start of a file the zero-byte census reads.
const SAMPLE_BYTES: usize = 8192;

/// The fewest bytes the census needs to tell anything: a few bytes of binary data can fall
/// like UTF-16 by chance.
const MIN_SAMPLE_BYTES: usize = 16;

/// The fewest zero bytes that tell UTF-16: one or two NULs in a short UTF-8 file fall on one
/// parity by chance.
const MIN_ZEROS: usize = 4;

/// Byte order of UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    /// The WHATWG name recorded as the document's encoding.
    fn encoding_name(self) -> &'static str {
        match self {
            ByteOrder::Little => "utf-16le",
            ByteOrder::Big => "utf-16be",
        }
    }

    fn unit(self, pair: &[u8]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes([pair[0], pair[1]]),
            ByteOrder::Big => u16::from_be_bytes([pair[0], pair[1]]),
        }
    }
}

/// Decodes `bytes` if they are UTF-16, returning the text and the encoding's name; `None` if
/// they are not. A byte-order mark makes them UTF-16 whatever follows, so a fault after one is
/// an error naming the file and the byte offset.
pub(super) fn decode_if_utf16(path: &Path, bytes: &[u8]) -> Result<Option<(String, String)>> {
    let (order, body) = match bytes {
        [0xff, 0xfe, rest @ ..] => (ByteOrder::Little, rest),
        [0xfe, 0xff, rest @ ..] => (ByteOrder::Big, rest),
        _ => {
            let Some(order) = order_from_zero_bytes(bytes) else {
                return Ok(None);
            };
            return Ok(decode(bytes, order)
                .ok()
                .map(|text| (text, order.encoding_name().to_string())));
        }
    };
    let text = decode(body, order).map_err(|(offset, problem)| Error::Document {
        path: path.to_path_buf(),
        message: format!(
            "not valid {} text after its byte-order mark: {problem} at byte offset {}",
            order.encoding_name().to_ascii_uppercase(),
            offset + 2
        ),
    })?;
    Ok(Some((text, order.encoding_name().to_string())))
}

/// Refuses text holding a NUL byte as binary data, naming the first one's byte offset.
pub(super) fn refuse_nul(path: &Path, text: String) -> Result<String> {
    match memchr::memchr(0, text.as_bytes()) {
        Some(at) => Err(Error::Document {
            path: path.to_path_buf(),
            message: format!("binary data, not text (a NUL byte at byte offset {at})"),
        }),
        None => Ok(text),
    }
}

/// The byte order the zero bytes of the file's start suggest, if they suggest one.
fn order_from_zero_bytes(bytes: &[u8]) -> Option<ByteOrder> {
    if bytes.len() < MIN_SAMPLE_BYTES || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let units = sample.len() / 2;
    // Text of any script has spaces, digits or line ends among every 20 characters; the other
    // parity's zeros are rare characters such as U+0100 or U+0400.
    let telling =
        |zeros: usize, other: usize| zeros >= MIN_ZEROS && zeros * 20 >= units && other * 4 < zeros;
    if telling(odd, even) {
        Some(ByteOrder::Little)
    } else if telling(even, odd) {
        Some(ByteOrder::Big)
    } else {
        None
    }
}

/// Decodes UTF-16 code units to text, or gives the byte offset and nature of the first fault:
/// an odd trailing byte, an unpaired surrogate, or a NUL or control character, which text does
/// not hold.
fn decode(bytes: &[u8], order: ByteOrder) -> std::result::Result<String, (usize, String)> {
    if !bytes.len().is_multiple_of(2) {
        return Err((
            bytes.len() - 1,
            "an odd number of bytes, so the last is half a character".to_string(),
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| order.unit(pair));
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut offset = 0;
    for decoded in char::decode_utf16(units) {
        let c = decoded.map_err(|e| {
            (
                offset,
                format!("an unpaired surrogate 0x{:04x}", e.unpaired_surrogate()),
            )
        })?;
        if c.is_control()
            && !matches!(
                c,
                '\t' | '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}'..='\u{1f}' | '\u{85}'
            )
        {
            return Err((
                offset,
                format!("a control character U+{:04X}", u32::from(c)),
            ));
        }
        offset += 2 * c.len_utf16();
        text.push(c);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, order: ByteOrder, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for unit in std::iter::once(0xfeff)
            .filter(|_| bom)
            .chain(text.encode_utf16())
        {
            out.extend(match order {
                ByteOrder::Little => unit.to_le_bytes(),
                ByteOrder::Big => unit.to_be_bytes(),
            });
        }
        out
    }

    const TEXTS: [&str; 3] = [
        "Brain drain grows.\r\nStudents leave for Europe.",
        "Утечка мозгов усиливается, учёные уезжают.\nКазахстан, 2024.",
        "Білім беру — ғалымдардың көші-қоны.",
    ];

    #[test]
    fn utf16_with_or_without_a_byte_order_mark_is_read() {
        let path = Path::new("notepad.txt");
        for text in TEXTS {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                for bom in [true, false] {
                    let decoded = decode_if_utf16(path, &utf16(text, order, bom))
                        .unwrap()
                        .unwrap_or_else(|| panic!("{order:?} bom={bom} {text:?}"));
                    assert_eq!(decoded.0, text);
                    assert_eq!(decoded.1, order.encoding_name());
                }
            }
        }
    }

    #[test]
    fn other_bytes_are_not_taken_for_utf16() {
        let path = Path::new("x.txt");
        for bytes in [
            "plain ASCII text, long enough".as_bytes().to_vec(),
            "Утечка мозгов".as_bytes().to_vec(),
            vec![0; 4096],
            (0..=255u8).cycle().take(4096).collect(),
            b"Brain drain\0grows.".to_vec(),
        ] {
            assert_eq!(decode_if_utf16(path, &bytes).unwrap(), None, "{bytes:?}");
        }
    }

    #[test]
    fn a_fault_after_a_byte_order_mark_names_the_file_and_offset() {
        let mut bytes = utf16("ab", ByteOrder::Little, true);
        bytes.extend([0x00, 0xd8, b'c', 0]);
        let err = decode_if_utf16(Path::new("u.txt"), &bytes)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "u.txt: not valid UTF-16LE text after its byte-order mark: an unpaired surrogate 0xd800 at byte offset 6"
        );
    }

    #[test]
    fn nul_bytes_are_binary_data() {
        let err = refuse_nul(Path::new("z.txt"), "ab\0c".into())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "z.txt: binary data, not text (a NUL byte at byte offset 2)"
        );
    }
}
