//! Coded segments, the auto-coder that makes them, and their JSON Lines record.
//!
//! A [`CodedSegment`] says that a passage of a document carries a code, why (the [`Hit`]s: which
//! pattern matched which span), and who decided ([`Origin`]: the codebook, or a named coder).
//! Its JSON Lines form is a public contract read by R, pandas and Spark:
//!
//! ```json
//! {"doc":"001_80cac5b2e7107bf3","passage":17,"start":1234,"end":1890,
//!  "code":"brain_drain/push_factors","origin":"auto",
//!  "hits":[{"start":1250,"end":1261,"pattern":"brain drain"}],"text":"…passage text…"}
//! ```
//!
//! Offsets are characters of the document's stored text, `[start, end)`. Optional keys, left
//! out when empty: `coder` (manual codings), `memo`, `lang` (the passage's detected language),
//! `pages` (`[first, last]`, 1-based, for documents with pages: PDFs) and `section` (the heading
//! the passage falls under: Markdown, HTML and DOCX headings, PDF outlines). `role` is always
//! there: the passage's [role](crate::segment::Role) in its document (`body`, `heading`, …).

// The types of a coding are here; what makes and reads them is split by job: the coder
// (coder), its fast counting path (counts), the codebook's self-check (examples), the coding of
// a corpus with its manual edits (corpus_coding), and the JSON Lines contract (records).
mod coder;
mod corpus_coding;
mod counts;
mod examples;
mod records;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::corpus::{Document, Metadata};
use crate::segment::{Passage, Role, Roles};

pub use coder::Coder;
pub use corpus_coding::Coding;
pub use counts::{CountScratch, Counts};
pub use examples::ExampleFailure;
pub(crate) use records::slice_chars;
pub use records::{Record, RecordWriter, read_records};

/// Who applied a code. More kinds of coder may come: match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Origin {
    /// The codebook's patterns.
    #[default]
    Auto,
    /// A person.
    Manual {
        /// The coder's name.
        coder: String,
    },
    /// A model learned from manual codings (see [`learn`](crate::learn)).
    Model {
        /// How likely the model finds it that the code applies.
        probability: Probability,
        /// The features that weighed most, strongest first.
        evidence: Arc<[Evidence]>,
    },
}

impl Origin {
    /// `"auto"`, `"manual"` or `"model"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::Auto => "auto",
            Origin::Manual { .. } => "manual",
            Origin::Model { .. } => "model",
        }
    }

    /// Was the code given by the machine (the codebook or a model) rather than a person?
    pub fn is_automatic(&self) -> bool {
        !matches!(self, Origin::Manual { .. })
    }
}

/// A probability in `[0, 1]`. Compared and hashed by value, so that segments carrying one stay
/// `Eq` and `Hash`.
#[derive(Debug, Clone, Copy, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Probability(f32);

impl Probability {
    /// `p` clamped into `[0, 1]` (NaN becomes 0).
    pub fn new(p: f64) -> Probability {
        Probability(if p.is_nan() {
            0.0
        } else {
            p.clamp(0.0, 1.0) as f32
        })
    }

    /// The value.
    pub fn get(self) -> f32 {
        self.0
    }
}

impl PartialEq for Probability {
    fn eq(&self, other: &Probability) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Probability {}

impl std::hash::Hash for Probability {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// One feature's share in a model's decision: its name (`w:учен`, `c:ёны`,
/// `pattern:brain_drain|утечка мозгов`) and its weight times its value — positive for the code,
/// negative against it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// The feature.
    pub feature: Arc<str>,
    /// Its contribution to the decision (log-odds).
    pub weight: f32,
}

impl PartialEq for Evidence {
    fn eq(&self, other: &Evidence) -> bool {
        self.feature == other.feature && self.weight.to_bits() == other.weight.to_bits()
    }
}

impl Eq for Evidence {}

impl std::hash::Hash for Evidence {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.feature.hash(state);
        self.weight.to_bits().hash(state);
    }
}

/// A second coder that reviews what the codebook coded in a document: it may add codes the
/// codebook missed and withdraw codes it finds wrong. A [`learn::Model`](crate::learn::Model)
/// is one; [`Coder::model`] sets it.
pub trait CodingModel: Send + Sync + std::fmt::Debug {
    /// Reviews `coding`, the codebook's coding of `doc`, changing only the passages whose role
    /// is in `roles`.
    /// `code_ids` are the codebook's codes, in its order (segments keep to it).
    fn review(
        &self,
        doc: &Document,
        coding: &mut DocumentCoding,
        roles: Roles,
        code_ids: &[Arc<str>],
    );
}

/// Why a code applies: a pattern matched a span.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hit {
    /// First character of the match in the document's stored text.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// The pattern as written in the codebook.
    pub pattern: Arc<str>,
}

/// A passage carrying a code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodedSegment {
    /// The document's id.
    pub doc: Arc<str>,
    /// The passage's number in its document.
    pub passage: usize,
    /// First character of the segment in the document's stored text.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// The code's full path.
    pub code: Arc<str>,
    /// Who applied it.
    pub origin: Origin,
    /// The matches that caused it (empty for manual codes).
    pub hits: Vec<Hit>,
    /// A coder's memo on this coding.
    pub memo: Option<String>,
    /// The passage's language (`en`, `ru`, `kk`, `uk`), when detected.
    pub lang: Option<&'static str>,
    /// The passage's role in its document (body text, heading, reference, …).
    pub role: Role,
}

/// The coding of one document: its passages and the segments coded in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCoding {
    /// Every passage of the document, coded or not.
    pub passages: Vec<Passage>,
    /// The language of each passage, as a [`lang::code`](crate::lang::code).
    pub langs: Vec<u8>,
    /// The coded segments, by passage, then in codebook order.
    pub segments: Vec<CodedSegment>,
}

/// What analysis needs to know of a coded document besides its segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentSummary {
    /// The document's id.
    pub id: Arc<str>,
    /// Number of passages.
    pub passages: usize,
    /// Size of its stored text in bytes.
    pub bytes: usize,
    /// Its metadata.
    pub metadata: Metadata,
    /// The language of each passage, as a [`lang::code`](crate::lang::code).
    #[serde(skip)]
    pub langs: Vec<u8>,
}

/// A codebook shared by the tests of the coder's parts: two codes, one with a Russian glob.
#[cfg(test)]
mod fixtures {
    use super::Coder;
    use crate::codebook::{Code, Codebook, Pattern};

    pub(super) fn coder() -> (Codebook, Coder) {
        let cb = Codebook::builder("t")
            .code(
                Code::new("bd", "Brain drain")
                    .pattern(Pattern::phrase("brain drain"))
                    .pattern(Pattern::glob("утечк* мозг*")),
            )
            .code(Code::new("rp", "Return").pattern(Pattern::phrase("return migration")))
            .build()
            .unwrap();
        let coder = Coder::new(&cb).unwrap();
        (cb, coder)
    }
}
