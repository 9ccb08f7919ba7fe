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

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::codebook::Codebook;
use crate::corpus::{Corpus, Document, Metadata};
use crate::error::{Diagnostic, Error, Result};
use crate::matcher::{Matcher, Scratch};
use crate::segment::{Passage, Role, Roles, Unit, matchable_text, segment_into};
use crate::text::{CharCounter, CharIndex};

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

/// The coding of a corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coding {
    /// The unit passages were cut in.
    pub unit: Unit,
    /// The coded documents, in corpus order.
    pub documents: Vec<DocumentSummary>,
    /// Every coded segment, by document, passage and code.
    pub segments: Vec<CodedSegment>,
}

impl Coding {
    /// Total number of passages over all documents.
    pub fn passage_count(&self) -> usize {
        self.documents.iter().map(|d| d.passages).sum()
    }

    /// An empty coding of `corpus`: every document with its passages, no segment. Manual
    /// codings start from here.
    pub fn empty(corpus: &Corpus, unit: Unit) -> Coding {
        Coding {
            unit,
            documents: corpus
                .documents()
                .iter()
                .map(|doc| {
                    let passages = doc.passages(unit);
                    DocumentSummary {
                        id: doc.id.clone(),
                        passages: passages.len(),
                        bytes: doc.len(),
                        metadata: doc.metadata.clone(),
                        langs: passages
                            .iter()
                            .map(|p| crate::lang::code(crate::lang::detect(p.text(&doc.text))))
                            .collect(),
                    }
                })
                .collect(),
            segments: Vec::new(),
        }
    }

    /// Codes characters `start..end` of `doc` with `code`, by hand. A span over several
    /// passages makes one segment per passage, each clipped to its passage, so every segment
    /// keeps the one-passage contract. Returns the number of segments added.
    ///
    /// ```
    /// use thematic::{Coding, Corpus, Document, Unit};
    /// let corpus = Corpus::from_documents([Document::new("d", "First part.\n\nSecond part.")]);
    /// let mut coding = Coding::empty(&corpus, Unit::Paragraph);
    /// let doc = corpus.document("d").unwrap();
    /// assert_eq!(coding.add_manual(doc, 6, 20, "brain_drain", "aigerim", Some("both halves"))?, 2);
    /// assert_eq!((coding.segments[1].passage, coding.segments[1].start, coding.segments[1].end), (1, 13, 20));
    /// # Ok::<(), thematic::Error>(())
    /// ```
    pub fn add_manual(
        &mut self,
        doc: &Document,
        start: usize,
        end: usize,
        code: &str,
        coder: &str,
        memo: Option<&str>,
    ) -> Result<usize> {
        let chars = doc.text.chars().count();
        if start >= end || end > chars {
            return Err(Error::Invalid(format!(
                "cannot code {start}..{end} of document {:?}: spans must be non-empty and within its {chars} characters",
                doc.id
            )));
        }
        if !self.documents.iter().any(|d| d.id == doc.id) {
            return Err(Error::Invalid(format!(
                "document {:?} is not part of this coding",
                doc.id
            )));
        }
        if code.trim().is_empty() || coder.trim().is_empty() {
            return Err(Error::Invalid(
                "a manual coding needs a code and a coder".into(),
            ));
        }
        let code: Arc<str> = code.into();
        let mut added = 0;
        for p in doc.passages(self.unit) {
            let (s, e) = (start.max(p.start), end.min(p.end));
            if s < e {
                self.segments.push(CodedSegment {
                    doc: doc.id.clone(),
                    passage: p.index,
                    start: s,
                    end: e,
                    code: code.clone(),
                    origin: Origin::Manual {
                        coder: coder.to_string(),
                    },
                    hits: Vec::new(),
                    memo: memo.map(str::to_string),
                    lang: crate::lang::detect(p.text(&doc.text)),
                    role: p.role,
                });
                added += 1;
            }
        }
        if added == 0 {
            return Err(Error::Invalid(format!(
                "{start}..{end} of document {:?} covers only whitespace between passages",
                doc.id
            )));
        }
        self.sort();
        Ok(added)
    }

    /// Removes the manual codings of `code` by `coder` that overlap characters `start..end` of
    /// document `doc`; returns how many were removed.
    pub fn remove_manual(
        &mut self,
        doc: &str,
        start: usize,
        end: usize,
        code: &str,
        coder: &str,
    ) -> usize {
        let before = self.segments.len();
        self.segments.retain(|s| {
            !(&*s.doc == doc
                && &*s.code == code
                && matches!(&s.origin, Origin::Manual { coder: c } if c == coder)
                && s.start < end
                && start < s.end)
        });
        before - self.segments.len()
    }

    /// Adds segments read from JSON Lines (see [`read_records`]). Manual records are placed
    /// again into this coding's passages (so a hand coding made with another unit still
    /// counts); automatic ones must fit their documents. Errors name the file and line.
    pub fn add_records(
        &mut self,
        records: Vec<Record>,
        corpus: &Corpus,
        path: Option<&Path>,
    ) -> Result<()> {
        for record in records {
            let seg = record.segment;
            let fail = |message: String| {
                let mut d = Diagnostic::new(message).with_path(path);
                d.location = Some(crate::error::Location {
                    line: record.line,
                    column: 1,
                    line_text: String::new(),
                    width: 1,
                });
                Error::Coding(Box::new(d))
            };
            let Some(doc) = corpus.document(&seg.doc) else {
                return Err(fail(format!("document {:?} is not in the corpus", seg.doc)));
            };
            match &seg.origin {
                Origin::Manual { coder } => {
                    self.add_manual(
                        doc,
                        seg.start,
                        seg.end,
                        &seg.code,
                        coder,
                        seg.memo.as_deref(),
                    )
                    .map_err(|e| fail(e.to_string()))?;
                }
                Origin::Auto | Origin::Model { .. } => {
                    let chars = doc.text.chars().count();
                    if seg.end > chars {
                        return Err(fail(format!(
                            "span {}..{} is past the end of document {:?} ({chars} characters)",
                            seg.start, seg.end, seg.doc
                        )));
                    }
                    self.segments.push(seg);
                }
            }
        }
        self.sort();
        Ok(())
    }

    /// Puts segments in document, passage, code order (documents in corpus order).
    fn sort(&mut self) {
        let order: HashMap<Arc<str>, usize> = self
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        self.segments.sort_by(|a, b| {
            (order.get(&a.doc), a.passage, a.start).cmp(&(order.get(&b.doc), b.passage, b.start))
        });
    }

    /// The segments of one origin.
    pub fn with_origin(&self, auto: bool) -> Coding {
        Coding {
            unit: self.unit,
            documents: self.documents.clone(),
            segments: self
                .segments
                .iter()
                .filter(|s| matches!(s.origin, Origin::Auto) == auto)
                .cloned()
                .collect(),
        }
    }
}

/// Per-code counts of passages and hits: the cheap summary of a coding run. Counts from separate
/// runs over disjoint documents add up exactly ([`Counts::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passages coded, per code (codebook order).
    pub passages: Vec<u64>,
    /// Hits, per code.
    pub hits: Vec<u64>,
    /// Passages seen.
    pub passages_total: u64,
    /// Documents seen.
    pub documents: u64,
    /// Bytes of stored text seen.
    pub bytes: u64,
}

impl Counts {
    /// Zero counts for `codes` codes.
    pub fn new(codes: usize) -> Counts {
        Counts {
            passages: vec![0; codes],
            hits: vec![0; codes],
            ..Counts::default()
        }
    }

    /// Adds `other` (a run over other documents) to these counts.
    pub fn merge(&mut self, other: &Counts) {
        if self.passages.len() < other.passages.len() {
            self.passages.resize(other.passages.len(), 0);
            self.hits.resize(other.hits.len(), 0);
        }
        for (a, b) in self.passages.iter_mut().zip(&other.passages) {
            *a += b;
        }
        for (a, b) in self.hits.iter_mut().zip(&other.hits) {
            *a += b;
        }
        self.passages_total += other.passages_total;
        self.documents += other.documents;
        self.bytes += other.bytes;
    }
}

/// Codes documents with a compiled codebook.
///
/// ```
/// use thematic::{Codebook, Coder, Document, Unit};
/// let codebook = Codebook::from_json_dictionary(r#"{"brain_drain": ["brain drain"]}"#, None)?;
/// let coder = Coder::new(&codebook)?.unit(Unit::Sentence);
/// let doc = Document::new("d", "Intro.\n\nKazakhstan faces brain drain. It persists.");
/// let coded = coder.code_document(&doc);
/// assert_eq!(coded.passages.len(), 3);
/// let seg = &coded.segments[0];
/// assert_eq!((seg.passage, seg.start, seg.end), (1, 8, 37));
/// assert_eq!((seg.hits[0].start, seg.hits[0].end), (25, 36));
/// # Ok::<(), thematic::Error>(())
/// ```
#[derive(Debug)]
pub struct Coder {
    matcher: Matcher,
    code_ids: Vec<Arc<str>>,
    /// Per code, itself and its ancestors (indices): a passage coded with a sub-code is coded
    /// with its theme, for document-context conditions.
    lineage: Vec<Vec<usize>>,
    unit: Unit,
    roles: Roles,
    model: Option<Arc<dyn CodingModel>>,
}

impl Coder {
    /// Compiles `codebook`; passages are paragraphs unless [`Coder::unit`] says otherwise.
    pub fn new(codebook: &Codebook) -> Result<Coder> {
        Ok(Coder {
            matcher: Matcher::new(codebook)?,
            code_ids: codebook.codes().iter().map(|c| c.id.clone()).collect(),
            lineage: codebook
                .codes()
                .iter()
                .map(|c| {
                    codebook
                        .codes()
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| c.is_within(&a.id))
                        .map(|(i, _)| i)
                        .collect()
                })
                .collect(),
            unit: Unit::Paragraph,
            roles: Roles::BODY,
            model: None,
        })
    }

    /// Has `model` review every document's coding (see [`CodingModel`]).
    pub fn model(mut self, model: Arc<dyn CodingModel>) -> Coder {
        self.model = Some(model);
        self
    }

    /// The codebook's own coding of a document, without the model's review.
    pub fn code_document_by_codebook(&self, doc: &Document) -> DocumentCoding {
        self.code_with_codebook(doc, None)
    }

    /// Sets which passages are coded, by their role (default: body text only; headings,
    /// keyword lines, bylines, references, footnotes, captions and tables are bare mentions to
    /// a coder). [`Roles::ALL`] codes every passage.
    pub fn roles(mut self, roles: Roles) -> Coder {
        self.roles = roles;
        self
    }

    /// The roles of the passages coded.
    pub fn current_roles(&self) -> Roles {
        self.roles
    }

    /// Sets the unit of coding.
    pub fn unit(mut self, unit: Unit) -> Coder {
        self.unit = unit;
        self
    }

    /// The unit of coding.
    pub fn current_unit(&self) -> Unit {
        self.unit
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The path of the code at `index` in the codebook.
    pub fn code_id(&self, index: usize) -> &Arc<str> {
        &self.code_ids[index]
    }

    /// Codes one document (and has the model review it, if one is set).
    pub fn code_document(&self, doc: &Document) -> DocumentCoding {
        let mut coding = self.code_with_codebook(doc, None);
        if let Some(model) = &self.model {
            model.review(doc, &mut coding, self.roles, &self.code_ids);
        }
        coding
    }

    /// Codes a document known to be in `lang` (`en`, `ru`, `kk`, `uk`): every passage is read
    /// in that language instead of the one detected from its words, which short passages and
    /// mixed-script text can get wrong.
    pub fn code_document_in(&self, doc: &Document, lang: &'static str) -> DocumentCoding {
        let mut coding = self.code_with_codebook(doc, Some(lang));
        if let Some(model) = &self.model {
            model.review(doc, &mut coding, self.roles, &self.code_ids);
        }
        coding
    }

    fn code_with_codebook(&self, doc: &Document, known: Option<&'static str>) -> DocumentCoding {
        let mut passages = Vec::new();
        segment_into(&doc.text, self.unit, &mut passages);
        let mut scratch = Scratch::default();
        let mut segments = Vec::new();
        // Segments that need the document: (segment, other passages coded so).
        let mut conditional = Vec::new();
        let mut langs = Vec::with_capacity(passages.len());
        for passage in &passages {
            let text = passage.text(&doc.text);
            let lang = known.or_else(|| crate::lang::detect(text));
            langs.push(crate::lang::code(lang));
            if !self.roles.contains(passage.role) {
                continue;
            }
            let text = matchable_text(text);
            self.matcher.for_each_code_in_document(
                &text,
                lang,
                &mut scratch,
                |code, hits, needs| {
                    let mut counter =
                        CharCounter::starting_at(&doc.text, passage.byte_start, passage.start);
                    let hits = hits
                        .iter()
                        .map(|h| Hit {
                            start: counter.char_offset(passage.byte_start + h.start),
                            end: counter.char_offset(passage.byte_start + h.end),
                            pattern: self.matcher.pattern_name(h.pattern).clone(),
                        })
                        .collect();
                    let segment = CodedSegment {
                        doc: doc.id.clone(),
                        passage: passage.index,
                        start: passage.start,
                        end: passage.end,
                        code: self.code_ids[code].clone(),
                        origin: Origin::Auto,
                        hits,
                        memo: None,
                        lang,
                        role: passage.role,
                    };
                    match needs {
                        None => segments.push(segment),
                        Some(n) => conditional.push((code, segment, n)),
                    }
                },
            );
        }
        if !conditional.is_empty() {
            let coded = self.passages_per_code(segments.iter().map(|s| (s.passage, &s.code)));
            for (code, segment, n) in conditional {
                if coded[code] >= n as usize {
                    segments.push(segment);
                }
            }
            segments.sort_by_key(|s| (s.passage, self.code_index(&s.code)));
        }
        DocumentCoding {
            passages,
            langs,
            segments,
        }
    }

    /// Per code, the number of passages coded with it or one of its sub-codes, from
    /// `(passage, code)` pairs in passage order.
    fn passages_per_code<'a>(
        &self,
        coded: impl Iterator<Item = (usize, &'a Arc<str>)>,
    ) -> Vec<usize> {
        let mut counts = vec![0; self.code_ids.len()];
        let mut last = vec![usize::MAX; self.code_ids.len()];
        for (passage, code) in coded {
            for &i in &self.lineage[self.code_index(code)] {
                if last[i] != passage {
                    last[i] = passage;
                    counts[i] += 1;
                }
            }
        }
        counts
    }

    /// The index of code `id` in the codebook.
    fn code_index(&self, id: &Arc<str>) -> usize {
        self.code_ids
            .iter()
            .position(|c| Arc::ptr_eq(c, id) || c == id)
            .expect("segments carry the codebook's codes")
    }

    /// Counts passages and hits per code in one document, adding to `counts`, without building
    /// segments: the fastest way to code.
    pub fn count_document(&self, doc: &Document, counts: &mut Counts, scratch: &mut CountScratch) {
        if self.model.is_some() {
            // The model needs every passage's features: count from the full coding.
            let coding = self.code_document(doc);
            let mut last = (usize::MAX, usize::MAX);
            for seg in &coding.segments {
                let code = self.code_index(&seg.code);
                if last != (seg.passage, code) {
                    counts.passages[code] += 1;
                    last = (seg.passage, code);
                }
                counts.hits[code] += seg.hits.len() as u64;
            }
            counts.passages_total += coding.passages.len() as u64;
            counts.documents += 1;
            counts.bytes += doc.source_len as u64;
            return;
        }
        let text = doc.text.as_str();
        if self.unit == Unit::Block && self.roles == Roles::ALL {
            // Every block is counted whatever its role: no need to tell the roles.
            crate::segment::blocks_into(text, &mut scratch.passages);
        } else {
            segment_into(text, self.unit, &mut scratch.passages);
        }
        // Codes that need the document: (code, hits, other passages coded so).
        scratch.conditional.clear();
        scratch.coded.clear();
        scratch.coded.resize(self.code_ids.len(), 0);
        let mut last = vec![usize::MAX; self.code_ids.len()];
        for passage in &scratch.passages {
            if !self.roles.contains(passage.role) {
                continue;
            }
            let (coded, conditional) = (&mut scratch.coded, &mut scratch.conditional);
            self.matcher.each_in_document(
                &matchable_text(passage.text(text)),
                None,
                &mut scratch.matcher,
                |code, hits, needs| match needs {
                    None => {
                        for &i in &self.lineage[code] {
                            if last[i] != passage.index {
                                last[i] = passage.index;
                                coded[i] += 1;
                            }
                        }
                        counts.passages[code] += 1;
                        counts.hits[code] += hits.len() as u64;
                    }
                    Some(n) => conditional.push((code, hits.len() as u64, n)),
                },
            );
        }
        for &(code, hits, n) in &scratch.conditional {
            if scratch.coded[code] >= n as u64 {
                counts.passages[code] += 1;
                counts.hits[code] += hits;
            }
        }
        counts.passages_total += scratch.passages.len() as u64;
        counts.documents += 1;
        counts.bytes += doc.source_len as u64;
    }

    /// Codes every document of a corpus, in parallel, keeping corpus order.
    pub fn code_corpus(&self, corpus: &Corpus) -> Coding {
        self.code_corpus_with(corpus, &|_| {})
    }

    /// Like [`Coder::code_corpus`], calling `progress` with each document once it is coded (from
    /// any thread, in no set order): for showing how far a long run has come.
    pub fn code_corpus_with(
        &self,
        corpus: &Corpus,
        progress: &(dyn Fn(&Document) + Sync),
    ) -> Coding {
        let coded: Vec<(DocumentSummary, Vec<CodedSegment>)> = corpus
            .documents()
            .par_iter()
            .map(|doc| {
                let coding = self.code_document(doc);
                progress(doc);
                (
                    DocumentSummary {
                        id: doc.id.clone(),
                        passages: coding.passages.len(),
                        bytes: doc.len(),
                        metadata: doc.metadata.clone(),
                        langs: coding.langs,
                    },
                    coding.segments,
                )
            })
            .collect();
        let mut coding = Coding {
            unit: self.unit,
            ..Coding::default()
        };
        for (summary, segments) in coded {
            coding.documents.push(summary);
            coding.segments.extend(segments);
        }
        coding
    }

    /// Checks every code's `examples` (each must be coded with the code) and `counterexamples`
    /// (none may be), each taken as one passage.
    pub fn check_examples(&self, codebook: &Codebook) -> Vec<ExampleFailure> {
        let mut scratch = Scratch::default();
        let mut failures = Vec::new();
        for (index, code) in codebook.codes().iter().enumerate() {
            let cases = code
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(code.counterexamples.iter().map(|e| (e, false)));
            for (sentence, expected) in cases {
                let mut coded = false;
                self.matcher.for_each_code(sentence, &mut scratch, |c, _| {
                    coded |= c == index;
                });
                if coded != expected {
                    failures.push(ExampleFailure {
                        code: code.id.clone(),
                        pattern: None,
                        sentence: sentence.clone(),
                        expected_coded: expected,
                    });
                }
            }
            // A pattern's own examples must be matched by that pattern alone; a table of several
            // patterns shares its examples (its patterns sit together with the same examples),
            // and each of them must be matched by one of its patterns.
            let mut k = 0;
            while k < code.patterns.len() {
                let examples = &code.patterns[k].examples;
                let mut end = k + 1;
                while end < code.patterns.len() && code.patterns[end].examples == *examples {
                    end += 1;
                }
                let group = &code.patterns[k..end];
                k = end;
                if examples.is_empty() {
                    continue;
                }
                // The sets they may name come along; the codebook's muting patterns and
                // thresholds do not.
                let single = group
                    .iter()
                    .enumerate()
                    .fold(
                        codebook
                            .sets()
                            .iter()
                            .fold(Codebook::builder("pattern"), |b, set| b.set(set.clone())),
                        |b, (i, p)| {
                            b.code(
                                crate::codebook::Code::new(format!("p{i}"), "p").pattern(p.clone()),
                            )
                        },
                    )
                    .build()
                    .and_then(|cb| Matcher::new(&cb));
                let Ok(single) = single else {
                    continue;
                };
                let mut scratch = Scratch::default();
                for sentence in examples {
                    let mut coded = false;
                    single.for_each_code(sentence, &mut scratch, |_, _| coded = true);
                    if !coded {
                        let names: Vec<&str> = group.iter().map(|p| p.text.as_str()).collect();
                        failures.push(ExampleFailure {
                            code: code.id.clone(),
                            pattern: Some(names.join(" | ")),
                            sentence: sentence.clone(),
                            expected_coded: true,
                        });
                    }
                }
            }
        }
        failures
    }
}

/// Reusable buffers for [`Coder::count_document`]; one per thread.
#[derive(Debug, Default)]
pub struct CountScratch {
    passages: Vec<Passage>,
    matcher: Scratch,
    /// Passages of the document coded with each code or one of its sub-codes.
    coded: Vec<u64>,
    /// Codes that need the document: (code, hits, other passages coded so).
    conditional: Vec<(usize, u64, u32)>,
}

/// An example or counterexample of the codebook that the patterns get wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The code.
    pub code: Arc<str>,
    /// The pattern, for a pattern's own example (else the example is the code's).
    pub pattern: Option<String>,
    /// The sentence.
    pub sentence: String,
    /// `true` for an example that was not coded, `false` for a counterexample that was.
    pub expected_coded: bool,
}

/// The JSON Lines record of a coded segment, borrowing its parts.
#[derive(Serialize)]
struct RecordOut<'a> {
    doc: &'a str,
    passage: usize,
    start: usize,
    end: usize,
    code: &'a str,
    origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    coder: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probability: Option<Probability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a [Evidence]>,
    hits: &'a [Hit],
    #[serde(skip_serializing_if = "Option::is_none")]
    memo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<&'a str>,
    text: &'a str,
}

/// Records with a text longer than this are serialised straight into the writer.
const RECORD_IN_MEMORY_UP_TO: usize = 1 << 20;

/// Writes coded segments as JSON Lines, one record per segment, with the passage text.
pub struct RecordWriter<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> RecordWriter<W> {
    /// Writes to `out` (buffer it: records are written one by one).
    pub fn new(out: W) -> RecordWriter<W> {
        RecordWriter {
            out,
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes the records of one document's segments; `doc` supplies the passage text.
    pub fn write_document(
        &mut self,
        doc: &Document,
        segments: &[CodedSegment],
    ) -> std::io::Result<()> {
        let index = CharIndex::new(&doc.text);
        for seg in segments {
            self.write_in(doc, &index, seg)?;
        }
        Ok(())
    }

    /// Writes one segment of `doc` (indexed by `index`) with its text, pages and section.
    pub(crate) fn write_in(
        &mut self,
        doc: &Document,
        index: &CharIndex,
        seg: &CodedSegment,
    ) -> std::io::Result<()> {
        let text = slice_chars(&doc.text, index, seg.start, seg.end);
        let pages = doc.pages_of(seg.start, seg.end).map(|(a, b)| [a, b]);
        let section = doc.section_at(seg.start).map(|s| s.title.as_str());
        self.write_located(seg, text, pages, section)
    }

    /// Writes one record with the given passage text.
    pub fn write(&mut self, seg: &CodedSegment, text: &str) -> std::io::Result<()> {
        self.write_located(seg, text, None, None)
    }

    fn write_located(
        &mut self,
        seg: &CodedSegment,
        text: &str,
        pages: Option<[usize; 2]>,
        section: Option<&str>,
    ) -> std::io::Result<()> {
        self.line.clear();
        let (coder, probability, evidence) = match &seg.origin {
            Origin::Auto => (None, None, None),
            Origin::Manual { coder } => (Some(coder.as_str()), None, None),
            Origin::Model {
                probability,
                evidence,
            } => (None, Some(*probability), Some(&**evidence)),
        };
        let origin = seg.origin.as_str();
        let record = RecordOut {
            doc: &seg.doc,
            passage: seg.passage,
            start: seg.start,
            end: seg.end,
            code: &seg.code,
            origin,
            coder,
            probability,
            evidence,
            hits: &seg.hits,
            memo: seg.memo.as_deref(),
            lang: seg.lang,
            role: seg.role,
            pages,
            section,
            text,
        };
        // A record is assembled in memory to reach the writer in one piece, unless its text is
        // long: a passage of hundreds of megabytes would be copied whole for nothing.
        if text.len() > RECORD_IN_MEMORY_UP_TO {
            serde_json::to_writer(&mut self.out, &record)?;
            return self.out.write_all(b"\n");
        }
        serde_json::to_writer(&mut self.line, &record)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `text[start..end]` in characters, through a [`CharIndex`]; empty if out of range.
pub(crate) fn slice_chars<'a>(
    text: &'a str,
    index: &CharIndex,
    start: usize,
    end: usize,
) -> &'a str {
    match (index.byte_offset(text, start), index.byte_offset(text, end)) {
        (Some(a), Some(b)) if a <= b => &text[a..b],
        _ => "",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    doc: Arc<str>,
    passage: usize,
    start: usize,
    end: usize,
    code: Arc<str>,
    origin: String,
    coder: Option<String>,
    #[serde(default)]
    probability: Option<f64>,
    #[serde(default)]
    evidence: Option<Vec<Evidence>>,
    #[serde(default)]
    hits: Vec<Hit>,
    #[serde(default)]
    memo: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    /// Where the passage lies in the source (first and last page); informative only.
    #[serde(default, rename = "pages")]
    _pages: Option<[usize; 2]>,
    /// The heading the passage falls under; informative only.
    #[serde(default, rename = "section")]
    _section: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// A record read back from JSON Lines: the segment and the text it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The coded segment.
    pub segment: CodedSegment,
    /// The passage text as recorded, if present.
    pub text: Option<String>,
    /// The line it was read from.
    pub line: usize,
}

/// Reads coded-segment records from JSON Lines; errors name the file and line.
pub fn read_records(input: impl BufRead, path: Option<&Path>) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| Error::io(path.unwrap_or(Path::new("<input>")), e))?;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String, column: usize| {
            let mut d = Diagnostic::new(message).with_path(path);
            d.location = Some(crate::error::Location::from_line_column(&line, 1, column));
            if let Some(loc) = &mut d.location {
                loc.line = line_no;
            }
            Error::Coding(Box::new(d))
        };
        let raw: RecordIn = serde_json::from_str(&line).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            fail(
                format!("invalid coded-segment record: {message}"),
                e.column(),
            )
        })?;
        let origin = match (raw.origin.as_str(), raw.coder) {
            ("auto", _) => Origin::Auto,
            ("manual", Some(coder)) => Origin::Manual { coder },
            ("manual", None) => {
                return Err(fail("a manual record needs a \"coder\"".to_string(), 1));
            }
            ("model", _) => match raw.probability {
                Some(p) if (0.0..=1.0).contains(&p) => Origin::Model {
                    probability: Probability::new(p),
                    evidence: raw.evidence.unwrap_or_default().into(),
                },
                _ => {
                    return Err(fail(
                        "a model record needs a \"probability\" between 0 and 1".to_string(),
                        1,
                    ));
                }
            },
            (other, _) => {
                return Err(fail(
                    format!("unknown origin {other:?}: expected \"auto\", \"manual\" or \"model\""),
                    1,
                ));
            }
        };
        if raw.start > raw.end || raw.hits.iter().any(|h| h.start > h.end) {
            return Err(fail("a span ends before it starts".to_string(), 1));
        }
        out.push(Record {
            segment: CodedSegment {
                doc: raw.doc,
                passage: raw.passage,
                start: raw.start,
                end: raw.end,
                code: raw.code,
                origin,
                hits: raw.hits,
                memo: raw.memo,
                lang: crate::lang::from_code(crate::lang::code(raw.lang.as_deref())),
                role: raw.role.unwrap_or_default(),
            },
            text: raw.text,
            line: line_no,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    fn coder() -> (Codebook, Coder) {
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

    #[test]
    fn a_language_given_replaces_the_one_detected() {
        // A Kazakh-only pattern in a passage the detector, seeing mostly Russian words, calls
        // Russian: found only when the document is said to be Kazakh.
        let cb = Codebook::builder("t")
            .code(Code::new("rp", "Return").pattern(Pattern::phrase("ғалымдар").lang("kk")))
            .build()
            .unwrap();
        let coder = Coder::new(&cb).unwrap();
        let doc = Document::new(
            "d",
            "Программа возвращения ученых: ғалымдар возвращаются домой.",
        );
        assert_eq!(
            coder.code_document(&doc).langs,
            [crate::lang::code(Some("ru"))]
        );
        assert!(coder.code_document(&doc).segments.is_empty());
        let said = coder.code_document_in(&doc, "kk");
        assert_eq!(said.langs, [crate::lang::code(Some("kk"))]);
        assert_eq!(said.segments.len(), 1);
        assert_eq!(said.segments[0].lang, Some("kk"));
    }

    #[test]
    fn records_round_trip_and_slice_the_text() {
        let (_, coder) = coder();
        let doc = Document::new(
            "d1",
            "Итак, утечка мозгов и return migration.\n\nNothing here.",
        );
        let coded = coder.code_document(&doc);
        assert_eq!(coded.segments.len(), 2);
        let mut w = RecordWriter::new(Vec::new());
        w.write_document(&doc, &coded.segments).unwrap();
        let bytes = w.into_inner().unwrap();
        let first = String::from_utf8(bytes.clone())
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            first,
            r#"{"doc":"d1","passage":0,"start":0,"end":39,"code":"bd","origin":"auto","hits":[{"start":6,"end":19,"pattern":"утечк* мозг*"}],"lang":"ru","role":"body","text":"Итак, утечка мозгов и return migration."}"#
        );
        let back = read_records(&bytes[..], None).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].segment, coded.segments[0]);
        let chars: Vec<char> = doc.text.chars().collect();
        let hit = &back[1].segment.hits[0];
        assert_eq!(
            chars[hit.start..hit.end].iter().collect::<String>(),
            "return migration"
        );
    }

    #[test]
    fn bad_records_name_the_line() {
        let input = "{\"doc\":\"a\",\"passage\":0,\"start\":0,\"end\":1,\"code\":\"x\",\"origin\":\"auto\"}\n\n{\"doc\":\"a\",\"passage\":0,\"start\":0,\"end\":1,\"code\":\"x\",\"origin\":\"manual\"}\n";
        let err = read_records(input.as_bytes(), Some(Path::new("c.jsonl")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.jsonl:3:") && err.contains("needs a \"coder\""),
            "{err}"
        );
        let err = read_records("{\"doc\":1}".as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn counts_merge_exactly() {
        let (_, coder) = coder();
        let texts = [
            Document::new("a", "brain drain\n\nreturn migration and brain drain"),
            Document::new("b", "утечки мозгов"),
        ];
        let mut whole = Counts::new(2);
        let mut scratch = CountScratch::default();
        for t in &texts {
            coder.count_document(t, &mut whole, &mut scratch);
        }
        let mut a = Counts::new(2);
        let mut b = Counts::new(2);
        coder.count_document(&texts[0], &mut a, &mut scratch);
        coder.count_document(&texts[1], &mut b, &mut scratch);
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(
            (whole.passages[0], whole.hits[0], whole.passages_total),
            (3, 3, 3)
        );
    }

    #[test]
    fn examples_are_checked() {
        let mut cb_code = Code::new("bd", "bd").pattern(Pattern::phrase("brain drain"));
        cb_code.examples = vec!["Brain drain grows.".into(), "Talent leaves.".into()];
        cb_code.counterexamples = vec!["The brain drains fluid.".into(), "brain drain".into()];
        let cb = Codebook::builder("t").code(cb_code).build().unwrap();
        let failures = Coder::new(&cb).unwrap().check_examples(&cb);
        let sentences: Vec<_> = failures
            .iter()
            .map(|f| (f.sentence.as_str(), f.expected_coded))
            .collect();
        assert_eq!(
            sentences,
            [("Talent leaves.", true), ("brain drain", false)]
        );
    }
}

#[cfg(test)]
mod document_context_tests {
    use super::*;
    use crate::codebook::{Code, ConceptSet, Pattern};

    /// Sentences of a press report on the Bolashak scholarship (tuning half of the gold, en-064).
    const STRONG_1: &str = "Bolashak scholarship holders who have been deprived of the scholarship due to poor performance owe $2.1 million.";
    const STRONG_2: &str =
        "In 2013, the Center of International Programs started suing Bolashak debtors.";
    const WEAK: &str = "According to Nygymentov, one-third of the students ordered by the court to repay their debts appeal against the court decision.";

    fn coder() -> (Codebook, Coder) {
        let cb = Codebook::builder("t")
            .set(ConceptSet::new("students").term("en", "student"))
            .code(
                Code::new("education_pull", "e")
                    .pattern(Pattern::glob("Bolashak*").strong(true))
                    .pattern(Pattern::set("students").in_documents_with(2)),
            )
            .build()
            .unwrap();
        let coder = Coder::new(&cb).unwrap();
        (cb, coder)
    }

    #[test]
    fn weak_evidence_counts_in_a_document_about_the_theme() {
        let (_, coder) = coder();
        let about = Document::new("a", format!("{STRONG_1}\n\n{STRONG_2}\n\n{WEAK}"));
        let coded = coder.code_document(&about);
        assert_eq!(
            coded.segments.iter().map(|s| s.passage).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(&*coded.segments[2].hits[0].pattern, "@students");
        // One other passage is not enough; the weak one alone is nothing.
        let once = Document::new("b", format!("{STRONG_1}\n\n{WEAK}"));
        assert_eq!(coder.code_document(&once).segments.len(), 1);
        let alone = Document::new("c", WEAK);
        assert!(coder.code_document(&alone).segments.is_empty());
    }

    #[test]
    fn counting_agrees_with_coding() {
        let (cb, coder) = coder();
        for text in [
            format!("{STRONG_1}\n\n{STRONG_2}\n\n{WEAK}"),
            format!("{STRONG_1}\n\n{WEAK}"),
        ] {
            let doc = Document::new("d", text);
            let mut counts = Counts::new(cb.codes().len());
            coder.count_document(&doc, &mut counts, &mut CountScratch::default());
            assert_eq!(
                counts.passages[0],
                coder.code_document(&doc).segments.len() as u64
            );
        }
    }
}
