//! The auto-coder: a compiled codebook applied passage by passage, with the document-context
//! conditions settled once the whole document has been seen.

use std::sync::Arc;

use rayon::prelude::*;

use super::{CodedSegment, Coding, CodingModel, DocumentCoding, DocumentSummary, Hit, Origin};
use crate::codebook::Codebook;
use crate::corpus::{Corpus, Document};
use crate::error::Result;
use crate::matcher::{Matcher, Scratch};
use crate::segment::{Roles, Unit, matchable_text, segment_into};
use crate::text::CharCounter;

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
    pub(super) matcher: Matcher,
    pub(super) code_ids: Vec<Arc<str>>,
    /// Per code, itself and its ancestors (indices): a passage coded with a sub-code is coded
    /// with its theme, for document-context conditions.
    pub(super) lineage: Vec<Vec<usize>>,
    pub(super) unit: Unit,
    pub(super) roles: Roles,
    pub(super) model: Option<Arc<dyn CodingModel>>,
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
        self.code_reviewed(doc, None)
    }

    /// Codes a document known to be in `lang` (`en`, `ru`, `kk`, `uk`): every passage is read
    /// in that language instead of the one detected from its words, which short passages and
    /// mixed-script text can get wrong.
    pub fn code_document_in(&self, doc: &Document, lang: &'static str) -> DocumentCoding {
        self.code_reviewed(doc, Some(lang))
    }

    /// The codebook's coding of `doc`, reviewed by the model if there is one.
    fn code_reviewed(&self, doc: &Document, known: Option<&'static str>) -> DocumentCoding {
        let mut coding = self.code_with_codebook(doc, known);
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
    pub(super) fn code_index(&self, id: &Arc<str>) -> usize {
        self.code_ids
            .iter()
            .position(|c| Arc::ptr_eq(c, id) || c == id)
            .expect("segments carry the codebook's codes")
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

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
}

#[cfg(test)]
mod document_context_tests {
    use super::*;
    use crate::codebook::{Code, ConceptSet, Pattern};
    use crate::coding::{CountScratch, Counts};

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
