//! Fallible allocation of a document's big buffers.
//!
//! A document is held whole: its file's bytes, its decoded text, the text normalised, and, while
//! it is coded, a folded copy and an index of its words. For an ordinary file these are small;
//! for a file of hundreds of megabytes each is a single allocation the system may refuse, and an
//! infallible `Vec` or `String` then aborts the whole run (`memory allocation of … bytes
//! failed`). Here every such buffer is reserved with `try_reserve`, and a refusal becomes
//! [`OutOfMemory`], which the reader turns into an error naming the file: that one document is
//! skipped, the run goes on.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// How much memory coding a document takes beyond its text, as a multiple of the text's size:
/// the folded copy phrases are matched in (1×), and the places where patterns may match and
/// where sentences end (a fraction of the text for prose; more for a text of little else).
pub(crate) const CODING_HEADROOM: usize = 2;

/// An allocation of `bytes` bytes was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfMemory {
    /// The size asked for.
    pub(crate) bytes: usize,
}

impl OutOfMemory {
    /// The error for the document at `path`, whose file has `size` bytes.
    pub(crate) fn for_file(self, path: &Path, size: u64) -> Error {
        Error::Document {
            path: path.to_path_buf(),
            message: format!(
                "too large to hold in memory: this {} file needs {} more, which could not be allocated (free memory, raise the process's memory limit, or split the file)",
                super::human_size(size),
                super::human_size(self.bytes as u64)
            ),
        }
    }
}

/// Reserves room for `additional` more elements in `v`, exactly.
pub(crate) fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), OutOfMemory> {
    let bytes = additional.saturating_mul(size_of::<T>());
    let refused = OutOfMemory { bytes };
    if bytes > ceiling() {
        return Err(refused);
    }
    v.try_reserve_exact(additional).map_err(|_| refused)
}

/// Reserves room for `additional` more bytes in `s`, exactly.
pub(crate) fn reserve_str(s: &mut String, additional: usize) -> Result<(), OutOfMemory> {
    let refused = OutOfMemory { bytes: additional };
    if additional > ceiling() {
        return Err(refused);
    }
    s.try_reserve_exact(additional).map_err(|_| refused)
}

/// Reads the whole file at `path`, of about `size` bytes, into a buffer reserved up front.
pub(crate) fn read_file(path: &Path, size: u64) -> crate::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    // One byte more than the size, so that reading to the end needs no second allocation.
    let wanted = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    reserve(&mut bytes, wanted).map_err(|e| e.for_file(path, size))?;
    // The file may have grown since its size was taken: read no more than was reserved for,
    // rather than let the buffer grow infallibly, then check that the end was reached.
    (&mut file)
        .take(wanted as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() == wanted {
        let mut rest = Vec::new();
        let more = (&mut file)
            .take(1 << 16)
            .read_to_end(&mut rest)
            .map_err(|e| Error::io(path, e))?;
        if more > 0 {
            return Err(Error::Document {
                path: path.to_path_buf(),
                message:
                    "the file grew while it was being read (read it again when it is complete)"
                        .to_string(),
            });
        }
    }
    Ok(bytes)
}

/// Decodes `bytes` in `encoding` (a byte-order mark, if any, decides instead, as in
/// [`encoding_rs::Encoding::decode`]), malformed sequences replaced, into a string reserved up
/// front.
pub(crate) fn decode(
    encoding: &'static encoding_rs::Encoding,
    bytes: &[u8],
) -> Result<String, OutOfMemory> {
    let mut decoder = encoding.new_decoder();
    let needed = decoder
        .max_utf8_buffer_length(bytes.len())
        .ok_or(OutOfMemory { bytes: usize::MAX })?;
    let mut text = String::new();
    reserve_str(&mut text, needed)?;
    let (result, _, _) = decoder.decode_to_string(bytes, &mut text, true);
    debug_assert_eq!(result, encoding_rs::CoderResult::InputEmpty);
    // The worst case reserved is three bytes a byte; give back what the text did not use.
    text.shrink_to_fit();
    Ok(text)
}

/// Checks that `bytes` more could be allocated now, for the working copies coding a document
/// makes (see [`CODING_HEADROOM`]), so that a document that could be read but not coded is
/// refused here, with its name, rather than abort the run later. The memory is given back at
/// once; untouched, it never became resident.
pub(crate) fn check_headroom(bytes: usize) -> Result<(), OutOfMemory> {
    let mut probe: Vec<u8> = Vec::new();
    reserve(&mut probe, bytes)
}

#[cfg(not(test))]
fn ceiling() -> usize {
    usize::MAX
}

#[cfg(test)]
thread_local! {
    /// A test's stand-in for the system's limit: larger reservations on this thread are refused.
    static CEILING: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

#[cfg(test)]
fn ceiling() -> usize {
    CEILING.with(std::cell::Cell::get)
}

/// Refuses, on this thread, every reservation above `bytes` until the guard drops.
#[cfg(test)]
pub(crate) fn refuse_above(bytes: usize) -> impl Drop {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            CEILING.with(|c| c.set(self.0));
        }
    }
    Restore(CEILING.with(|c| c.replace(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_matches_encoding_rs() {
        let text = "Утечка мозгов — ақыл-ой кетуі? No: «brain drain».";
        for encoding in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_U] {
            let (bytes, _, _) = encoding.encode(text);
            let (expected, _, _) = encoding.decode(&bytes);
            assert_eq!(decode(encoding, &bytes).unwrap(), expected);
        }
        // A byte-order mark decides, as it does for `Encoding::decode`.
        let bom = [&[0xEF, 0xBB, 0xBF][..], "é".as_bytes()].concat();
        assert_eq!(decode(encoding_rs::WINDOWS_1252, &bom).unwrap(), "é");
    }

    #[test]
    fn refused_reservations_are_errors() {
        let _limit = refuse_above(1000);
        let mut v: Vec<u64> = Vec::new();
        assert_eq!(reserve(&mut v, 200), Err(OutOfMemory { bytes: 1600 }));
        assert!(reserve(&mut v, 100).is_ok());
        assert!(check_headroom(1001).is_err());
        // The system's own refusal takes the same path.
        drop(_limit);
        assert!(reserve(&mut Vec::<u8>::new(), usize::MAX / 2).is_err());
    }
}
