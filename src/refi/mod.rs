//! REFI-QDA exchange: codebooks (`.qdc`) and projects (`.qdpx`) in the formats that ATLAS.ti,
//! MAXQDA, NVivo, QualCoder and Taguette read and write (REFI-QDA 1.5, namespaces
//! `urn:QDA-XML:codebook:1.0` and `urn:QDA-XML:project:1.0`).
//!
//! ```
//! use thematic::{Analysis, Codebook, Corpus, Unit, refi};
//! # fn main() -> thematic::Result<()> {
//! let analysis = Analysis::run(
//!     Corpus::open("corpus")?,
//!     Codebook::from_path("codebooks/migration.toml")?,
//!     Unit::Paragraph,
//! )?;
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("migration.qdpx");
//! refi::write_project(&path, &analysis.corpus, &analysis.codebook, &analysis.coding)?;
//! let back = refi::read_project(&path)?;
//! assert_eq!(back.codebook.codes().len(), analysis.codebook.codes().len());
//! assert_eq!(back.segments.len(), analysis.coding.segments.len());
//! # Ok(()) }
//! ```
//!
//! ## What goes where
//!
//! | thematic | REFI-QDA |
//! | --- | --- |
//! | code `brain_drain/push_factors` | `<Code name="label">` nested in `<Code>` of `brain_drain`, `isCodable` as the code's [`codable`](crate::Code::codable) |
//! | group of codes, group of documents | a `<Set>` with `<MemberCode>`s and `<MemberSource>`s (one set for a name both use) |
//! | description, include, exclude, memo | the code's `<Description>`: the description, then `Include: …`, `Exclude: …`, `Memo: …` paragraphs, then a last line `thematic code id: brain_drain/push_factors` by which an import gets the id back |
//! | colour `#d55e00` | `color="#D55E00"` |
//! | document | `<TextSource name="id">`, its stored text in `sources/GUID.txt` (UTF-8, no byte-order mark, LF; empty for a document without text) |
//! | title, authors, year, … | `<Variables>` (`year` an `Integer`, the others `Text`, lists joined with `; `) and each source's `<VariableValue>`s |
//! | coded segment | one `<PlainTextSelection>` holding one `<Coding>`, positions in code points, end exclusive |
//! | segment memo | the selection's `<Description>` |
//! | automatic coder, manual coders | `<User>`s: `thematic (codebook NAME VERSION)`, and each coder's name |
//!
//! One selection per segment, as QualCoder writes them, rather than one selection with several
//! codings: each segment keeps its own coder and memo, and every tool reads both shapes.
//!
//! Output is deterministic: GUIDs are UUID version 5 of the object's identity (a code's id, a
//! document's id, a segment's document, span, code and coder) under thematic's own namespace, so
//! they are the same on every export; elements come in corpus and codebook order; nothing
//! carries a date (the schema requires none), and the zip entries carry the zip epoch. Exporting
//! the same analysis twice gives the same bytes.
//!
//! ## Reading
//!
//! [`read_codebook`] and [`read_project`] accept what the tools write, including Taguette's
//! codebook with an empty `<Sets/>` (which the schema forbids), QualCoder's byte-order marks,
//! ATLAS.ti's project entry named after the project, and MAXQDA's bare `.qde` (which holds no
//! source texts: its documents come without text, see [`ImportedProject::warnings`]). Imports
//! are treated as hostile input; see [`read_project`].
//!
//! [`check()`] finds what the XML schemas cannot: duplicate GUIDs, references to nothing,
//! selections outside their text, codings without a coder.

mod archive;
mod check;
mod codes;
mod positions;
mod reader;
mod sets;
mod writer;
mod xml;

pub use check::check;
pub use reader::{ImportedProject, read_codebook, read_project};
pub use writer::{write_codebook, write_project};

/// The namespace of a REFI-QDA codebook (`.qdc`).
pub const CODEBOOK_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// The namespace of a REFI-QDA project (`project.qde` in a `.qdpx`).
pub const PROJECT_NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// The UUID namespace under which thematic derives its GUIDs (a random UUID, fixed forever:
/// changing it would change every GUID thematic has exported).
const GUID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0xfb0c56c4_5d8b_499f_9906_3ca1225a9442);

/// The stable GUID of an object: a version-5 UUID of its kind (`code`, `source`, …) and its
/// identifying parts, written as the schema's GUID pattern wants (`8-4-4-4-12` hex digits).
fn guid(kind: &str, parts: &[&str]) -> String {
    // NUL cannot occur in ids, so joining on it keeps ("a:b", "c") and ("a", "b:c") apart.
    let mut name = kind.to_string();
    for part in parts {
        name.push('\0');
        name.push_str(part);
    }
    uuid::Uuid::new_v5(&GUID_NAMESPACE, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// A GUID as compared: lower case, without the braces the schema also allows.
fn guid_key(guid: &str) -> String {
    guid.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// `text` without surrounding whitespace, unless nothing is left.
fn nonblank(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The label that starts the last line of an exported code's description, naming its id.
const CODE_ID_LABEL: &str = "thematic code id: ";

/// The labels of the paragraphs of an exported code's description, in order.
const INCLUDE_LABEL: &str = "Include: ";
const EXCLUDE_LABEL: &str = "Exclude: ";
const MEMO_LABEL: &str = "Memo: ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_distinct_and_match_the_schema_pattern() {
        let a = guid("code", &["brain_drain"]);
        assert_eq!(a, guid("code", &["brain_drain"]));
        assert_ne!(a, guid("source", &["brain_drain"]));
        assert_ne!(guid("x", &["a:b", "c"]), guid("x", &["a", "b:c"]));
        let shape: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(shape, [8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(&a[14..15], "5", "a version-5 UUID");
        assert_eq!(guid_key("{ABC-DEF}"), "abc-def");
    }
}
