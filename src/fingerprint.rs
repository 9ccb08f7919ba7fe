//! Stable fingerprints of content: the index knows which documents changed, a model which
//! codebook it was trained for. And the time reproducible outputs record.

/// A stable 64-bit FNV-1a hash, as hex.
pub(crate) fn fnv64(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separate parts so that ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The time `SOURCE_DATE_EPOCH` sets (seconds since 1970-01-01 UTC), when it is set to a whole
/// number: outputs that record when they were made (a model's date, the workbook's creation
/// time) record this instead of the clock, so that two runs give the same bytes
/// (<https://reproducible-builds.org/specs/source-date-epoch/>).
pub(crate) fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
}
