//! The coding of a corpus as a whole: what analysis reads, and what manual coding edits.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{CodedSegment, DocumentSummary, Origin, Record};
use crate::corpus::{Corpus, Document};
use crate::error::{Diagnostic, Error, Result};
use crate::segment::Unit;

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

    /// Adds segments read from JSON Lines (see [`read_records`](super::read_records)). Manual
    /// records are placed again into this coding's passages (so a hand coding made with another
    /// unit still counts); automatic ones must fit their documents. Errors name the file and
    /// line.
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
