//! A learned model: its file, and how it reviews a document's coding.

use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::features::{self, Kind, NameHash, Reader, Surroundings, vector};
use super::logistic::sigmoid;
use super::meaning::{self, MeaningColumns, PassageEncoder};
use crate::codebook::{Codebook, is_within};
use crate::coding::{CodedSegment, CodingModel, DocumentCoding, Evidence, Origin, Probability};
use crate::corpus::Document;
use crate::error::{Error, Result};
use crate::segment::Roles;

/// What the first field of every model file says.
pub const FORMAT: &str = "thematic-model";
/// The version of the file layout this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// How the meaning features, pooled, are named in a segment's evidence.
pub const MEANING_EVIDENCE: &str = "e5:meaning";
/// How many features a segment's evidence lists.
const EVIDENCE_SHOWN: usize = 6;

/// Weights per feature in the table a model applies (codes up to this many, padded with zeros):
/// a fixed count lets the sums stay in registers.
const LANES: usize = 8;

/// The codebook a model was trained with: a model reads the codebook's decisions as features,
/// so it only makes sense with the same codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodebookStamp {
    /// The codebook's name.
    pub name: String,
    /// Its version, if it has one.
    pub version: Option<String>,
    /// A fingerprint of its whole content (codes and patterns).
    pub fingerprint: String,
}

impl CodebookStamp {
    /// The stamp of `codebook`.
    pub fn of(codebook: &Codebook) -> CodebookStamp {
        let json = serde_json::to_string(codebook).unwrap_or_default();
        CodebookStamp {
            name: codebook.name.clone(),
            version: codebook.version.clone(),
            fingerprint: crate::fingerprint::fnv64(&[json.as_bytes()]),
        }
    }
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// The day it was trained (`YYYY-MM-DD`; `SOURCE_DATE_EPOCH` sets it for reproducible
    /// builds).
    pub date: String,
    /// Passages trained on.
    pub passages: usize,
    /// Documents they came from.
    pub documents: usize,
    /// The coding files, by name.
    pub codings: Vec<String>,
    /// The regularisation strength (scikit-learn's `C`: larger fits the training data closer).
    pub c: f64,
    /// Minimum number of passages a word or n-gram appears in to be a feature.
    pub min_df: u32,
    /// Classes weighted inversely to their frequency.
    pub balanced: bool,
}

/// How a model reads the passages' meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeaningUse {
    /// The encoder it was trained with, and needs.
    pub encoder: String,
    /// The weight of the meaning block.
    pub weight: f32,
}

/// One feature of the vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Its name, `w:…`, `c:…`, `code:…`, `pattern:…`, `ctx:…`, `lang:…` or `e5:…`.
    pub name: String,
    /// Its inverse document frequency (1 for features that are present or not).
    pub idf: f32,
}

/// The classifier of one code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeModel {
    /// The code.
    pub code: String,
    /// Passages coded with it (or a sub-code) in training.
    pub positives: usize,
    /// The probability from which the code is given, chosen by cross-validation to maximise
    /// kappa.
    pub threshold: f32,
    /// The intercept.
    pub intercept: f32,
    /// One weight per feature of the vocabulary.
    pub weights: Vec<f32>,
}

/// A model learned from manual codings: one classifier per code, reading a passage's words,
/// character n-grams and the codebook's decisions. See [`Learner`](super::Learner).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    format: String,
    format_version: u32,
    /// The codebook it was trained with.
    pub codebook: CodebookStamp,
    /// How it was trained.
    pub training: Training,
    /// The cross-validated figures, per code.
    pub cross_validation: Vec<super::CodeValidation>,
    /// The vocabulary, sorted by name.
    pub features: Vec<Feature>,
    /// One classifier per code, codebook order.
    pub codes: Vec<CodeModel>,
    /// Whether it reads the passages' meaning, and through which encoder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<MeaningUse>,
    #[serde(skip)]
    encoder: Option<Arc<dyn PassageEncoder>>,
    #[serde(skip)]
    meaning_columns: MeaningColumns,
    #[serde(skip)]
    lookup: FxHashMap<u64, u32>,
    #[serde(skip)]
    kinds: Vec<Kind>,
    #[serde(skip)]
    idf: Vec<f32>,
    /// The weights feature by feature: `by_feature[f * stride + k]` is code `k`'s weight of
    /// feature `f` (0 past the last code).
    #[serde(skip)]
    by_feature: Vec<f32>,
    #[serde(skip)]
    stride: usize,
    /// Whether it reads the passages' surroundings (has `ctx:` features).
    #[serde(skip)]
    pub(crate) reads_context: bool,
    /// The features' names, shared by the evidence of every decision.
    #[serde(skip)]
    names: Vec<Arc<str>>,
    /// Review decisions that override the model.
    #[serde(skip)]
    decisions: super::Decisions,
    /// Readers between documents: each remembers the features of the words it has met, which
    /// recur from document to document.
    #[serde(skip)]
    pub(crate) readers: ReaderPool,
}

/// Readers kept for the next document, at most one per thread that used the model at once.
#[derive(Default)]
pub(crate) struct ReaderPool(std::sync::Mutex<Vec<Reader>>);

impl ReaderPool {
    pub(crate) fn take(&self) -> Reader {
        self.0
            .lock()
            .map(|mut pool| pool.pop().unwrap_or_default())
            .unwrap_or_default()
    }

    pub(crate) fn give(&self, reader: Reader) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(reader);
        }
    }

    fn clear(&self) {
        if let Ok(mut pool) = self.0.lock() {
            pool.clear();
        }
    }
}

impl Clone for ReaderPool {
    /// A new, empty pool: what a reader remembers is cheap to learn again.
    fn clone(&self) -> ReaderPool {
        ReaderPool::default()
    }
}

impl std::fmt::Debug for ReaderPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReaderPool")
    }
}

impl Model {
    pub(crate) fn new(
        codebook: CodebookStamp,
        training: Training,
        cross_validation: Vec<super::CodeValidation>,
        features: Vec<Feature>,
        codes: Vec<CodeModel>,
    ) -> Model {
        let mut model = Model {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            codebook,
            training,
            cross_validation,
            features,
            codes,
            meaning: None,
            encoder: None,
            meaning_columns: MeaningColumns::default(),
            lookup: FxHashMap::default(),
            kinds: Vec::new(),
            idf: Vec::new(),
            by_feature: Vec::new(),
            stride: LANES,
            reads_context: false,
            names: Vec::new(),
            decisions: super::Decisions::default(),
            readers: ReaderPool::default(),
        };
        model.index();
        model
    }

    /// Sets how the model reads meaning, and the encoder it reads it with.
    pub(crate) fn with_meaning(
        mut self,
        meaning: Option<MeaningUse>,
        encoder: Option<Arc<dyn PassageEncoder>>,
    ) -> Model {
        self.meaning = meaning;
        self.encoder = encoder;
        self.index();
        self
    }

    fn index(&mut self) {
        self.lookup = self
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (NameHash::of(&f.name), i as u32))
            .collect();
        self.kinds = self
            .features
            .iter()
            .map(|f| Kind::of(&f.name).unwrap_or(Kind::Lang))
            .collect();
        self.idf = self.features.iter().map(|f| f.idf).collect();
        self.reads_context = self.kinds.contains(&Kind::Context);
        self.names = self
            .features
            .iter()
            .map(|f| f.name.as_str().into())
            .collect();
        // What the readers remember are ids in the vocabulary just indexed.
        self.readers.clear();
        self.meaning_columns = match (&self.meaning, &self.encoder) {
            (Some(m), Some(e)) => {
                MeaningColumns::new(e.dimensions(), m.weight, |h| self.lookup.get(&h).copied())
            }
            _ => MeaningColumns::default(),
        };
        let codes = self.codes.len();
        self.stride = if codes <= LANES { LANES } else { codes };
        self.by_feature = vec![0.0; self.features.len() * self.stride];
        for (k, c) in self.codes.iter().enumerate() {
            for (f, &w) in c.weights.iter().enumerate().take(self.features.len()) {
                self.by_feature[f * self.stride + k] = w;
            }
        }
    }

    /// Writes the model to `path` (JSON, all at once or not at all).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::export::write_atomic(path, |w| {
            serde_json::to_writer(&mut *w, self).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    }

    /// Reads a model file, checking it is one, of a version this build reads, and consistent.
    pub fn load(path: &Path) -> Result<Model> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_slice(&text, path)
    }

    /// Parses a model from its file's bytes; `path` names it in errors.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Model> {
        let fail = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
            format_version: Option<u32>,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|e| {
            fail(format!(
                "not a thematic model (line {}, column {}: {e}); train one with `thematic learn`",
                e.line(),
                e.column()
            ))
        })?;
        if head.format.as_deref() != Some(FORMAT) {
            return Err(fail(format!(
                "not a thematic model: its \"format\" is {:?}, not {FORMAT:?}",
                head.format.unwrap_or_default()
            )));
        }
        if head.format_version != Some(FORMAT_VERSION) {
            return Err(fail(format!(
                "a model of format version {}, which this build of thematic does not read (it reads {FORMAT_VERSION}): train it again with `thematic learn`",
                head.format_version
                    .map_or("?".to_string(), |v| v.to_string())
            )));
        }
        let mut model: Model = serde_json::from_slice(bytes).map_err(|e| {
            fail(format!(
                "a damaged model (line {}, column {}): {e}",
                e.line(),
                e.column()
            ))
        })?;
        if let Some(bad) = model
            .codes
            .iter()
            .find(|c| c.weights.len() != model.features.len())
        {
            return Err(fail(format!(
                "a damaged model: code {:?} has {} weights for {} features",
                bad.code,
                bad.weights.len(),
                model.features.len()
            )));
        }
        if let Some(bad) = model.features.iter().find(|f| Kind::of(&f.name).is_none()) {
            return Err(fail(format!(
                "a damaged model: feature {:?} is of no known kind",
                bad.name
            )));
        }
        if let Some(m) = &model.meaning {
            model.encoder = Some(meaning::encoder_named(&m.encoder).map_err(&fail)?);
        }
        model.index();
        // `index` finds a column for every dimension of the encoder, or none.
        if let (Some(encoder), true) = (&model.encoder, model.meaning_columns.is_empty()) {
            return Err(fail(format!(
                "a damaged model: it reads meaning but lacks some of the encoder's {} dimensions",
                encoder.dimensions()
            )));
        }
        Ok(model)
    }

    /// Checks that the model was trained with `codebook`; the error says which codebook it
    /// wants.
    pub fn check_codebook(&self, codebook: &Codebook, path: &Path) -> Result<()> {
        let stamp = CodebookStamp::of(codebook);
        let name = |s: &CodebookStamp| match &s.version {
            Some(v) => format!("{} {v}", s.name),
            None => s.name.clone(),
        };
        let message = if (&stamp.name, &stamp.version)
            != (&self.codebook.name, &self.codebook.version)
        {
            format!(
                "trained with the codebook {:?}, not {:?}: its features are that codebook's decisions; train a model for this codebook with `thematic learn`",
                name(&self.codebook),
                name(&stamp)
            )
        } else if stamp.fingerprint != self.codebook.fingerprint {
            format!(
                "trained with another state of the codebook {:?} (fingerprint {}, now {}): the codebook changed since; train the model again with `thematic learn`",
                name(&stamp),
                self.codebook.fingerprint,
                stamp.fingerprint
            )
        } else {
            return Ok(());
        };
        Err(Error::Model {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Codes the passages a review decided as decided: an accepted code is given, a rejected
    /// one withdrawn, whatever the model's probability.
    pub fn with_decisions(mut self, decisions: super::Decisions) -> Model {
        self.decisions = decisions;
        self
    }

    /// Sets the threshold of `code` (from the model file's, chosen by cross-validation).
    pub fn set_threshold(&mut self, code: &str, threshold: f32) -> Result<()> {
        match self.codes.iter_mut().find(|c| c.code == code) {
            Some(c) => {
                c.threshold = threshold;
                Ok(())
            }
            None => Err(Error::Invalid(format!(
                "the model has no classifier for code {code:?} (it has {})",
                self.codes
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The meaning vectors of `texts` where the model reads meaning (else none). Where the
    /// encoder fails, the passages are read without their meaning (every meaning feature 0), as
    /// [`CodingModel::review`] cannot fail.
    pub(crate) fn meanings(&self, texts: &[&str]) -> Vec<Option<Vec<f32>>> {
        match &self.encoder {
            Some(encoder) if !self.meaning_columns.is_empty() => match encoder.encode(texts) {
                Ok(v) => v.into_iter().map(Some).collect(),
                Err(_) => vec![None; texts.len()],
            },
            _ => vec![None; texts.len()],
        }
    }

    /// The feature vector of a passage, with its meaning where the model reads it.
    pub(crate) fn vectorise(
        &self,
        reader: &mut Reader,
        text: &str,
        lang: Option<&'static str>,
        segments: &[&CodedSegment],
        surroundings: &Surroundings,
        meaning: Option<&[f32]>,
    ) -> Vec<(u32, f32)> {
        // Counted in a table as long as the vocabulary, reset after: sorting every occurrence
        // cost more than reading them.
        let mut tally = std::mem::take(&mut reader.tally);
        tally.resize(self.features.len(), 0);
        let mut touched = std::mem::take(&mut reader.touched);
        touched.clear();
        let lookup = &self.lookup;
        reader.read_ids(
            text,
            lang,
            segments,
            surroundings,
            |hash| lookup.get(&hash).copied(),
            |f| {
                let n = &mut tally[f as usize];
                if *n == 0 {
                    touched.push(f);
                }
                *n += 1;
            },
        );
        // In the order met: a sum does not need them sorted.
        let counts = touched
            .iter()
            .map(|&f| (f, std::mem::take(&mut tally[f as usize])));
        let mut x = vector(counts, &self.kinds, &self.idf);
        reader.tally = tally;
        reader.touched = touched;
        if let Some(m) = meaning {
            self.meaning_columns.add(&mut x, m);
        }
        x
    }

    /// The probability of each code (model order) for a feature vector.
    pub(crate) fn probabilities(&self, x: &[(u32, f32)]) -> Vec<f64> {
        let codes = self.codes.len();
        let stride = self.stride;
        if stride == LANES {
            // A fixed number of sums the compiler keeps in registers: summed in memory, each
            // feature waited for the previous one's store.
            let mut z = [0.0f64; LANES];
            for (z, c) in z.iter_mut().zip(&self.codes) {
                *z = f64::from(c.intercept);
            }
            for &(f, v) in x {
                let at = f as usize * LANES;
                let weights = &self.by_feature[at..at + LANES];
                let v = f64::from(v);
                for k in 0..LANES {
                    z[k] += f64::from(weights[k]) * v;
                }
            }
            return z[..codes].iter().map(|&z| sigmoid(z)).collect();
        }
        let mut z: Vec<f64> = self.codes.iter().map(|c| f64::from(c.intercept)).collect();
        for &(f, v) in x {
            let weights = &self.by_feature[f as usize * stride..][..codes];
            for (z, &w) in z.iter_mut().zip(weights) {
                *z += f64::from(w) * f64::from(v);
            }
        }
        z.into_iter().map(sigmoid).collect()
    }

    /// The features that weighed most in code `k`'s decision on `x`, strongest first.
    fn evidence(&self, k: usize, x: &[(u32, f32)]) -> Arc<[Evidence]> {
        let stronger =
            |a: &(f32, u32), b: &(f32, u32)| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1));
        // The strongest few, without sorting them all.
        let mut top: Vec<(f32, u32)> = Vec::with_capacity(EVIDENCE_SHOWN + 1);
        // The dimensions of the meaning say nothing one by one: they count as one feature,
        // named after the first of them.
        let reads_meaning = !self.meaning_columns.is_empty();
        let mut meaning: Option<(f32, u32)> = None;
        if reads_meaning {
            for &(f, v) in x {
                if self.kinds[f as usize] == Kind::Meaning {
                    meaning.get_or_insert((0.0, f)).0 +=
                        self.by_feature[f as usize * self.stride + k] * v;
                }
            }
        }
        let shares = x
            .iter()
            .filter(|(f, _)| !reads_meaning || self.kinds[*f as usize] != Kind::Meaning)
            // Feature-major: the line `probabilities` just read.
            .map(|&(f, v)| (self.by_feature[f as usize * self.stride + k] * v, f))
            .chain(meaning);
        for share in shares {
            let weaker_than_all =
                top.len() == EVIDENCE_SHOWN && share.0.abs() < top[EVIDENCE_SHOWN - 1].0.abs();
            if share.0 == 0.0 || weaker_than_all {
                continue;
            }
            let at = top.partition_point(|t| stronger(t, &share).is_lt());
            if at < EVIDENCE_SHOWN {
                top.insert(at, share);
                top.truncate(EVIDENCE_SHOWN);
            }
        }
        top.into_iter()
            .map(|(weight, f)| Evidence {
                feature: if self.kinds[f as usize] == Kind::Meaning {
                    MEANING_EVIDENCE.into()
                } else {
                    Arc::clone(&self.names[f as usize])
                },
                weight,
            })
            .collect()
    }
}

impl Model {
    /// The codebook's themes around each passage of `roles` (when the model reads context).
    fn surroundings(
        &self,
        coding: &DocumentCoding,
        segments: &[CodedSegment],
        roles: Roles,
        code_ids: &[Arc<str>],
    ) -> Vec<Surroundings> {
        if !self.reads_context {
            return Vec::new();
        }
        let mut of_passage: Vec<Vec<&CodedSegment>> = vec![Vec::new(); coding.passages.len()];
        for seg in segments {
            if let Some(mine) = of_passage.get_mut(seg.passage) {
                mine.push(seg);
            }
        }
        let themes: Vec<Vec<Arc<str>>> = coding
            .passages
            .iter()
            .filter(|p| roles.contains(p.role))
            .map(|p| {
                of_passage
                    .get(p.index)
                    .map_or_else(Vec::new, |m| features::themes(m, code_ids))
            })
            .collect();
        Surroundings::of_document(&themes)
    }

    /// The segments of one passage after the model's review of the codebook's (`mine`, drained):
    /// a code the model rejects loses its segments, a code it gives without one gains a segment
    /// with the hits under it, and every code it gives carries its probability and evidence.
    /// `p` are the model's probabilities for the passage's features `x`; `ids` the codebook's
    /// ids of the model's codes.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        doc: &Document,
        passage: &crate::segment::Passage,
        lang: Option<&'static str>,
        mine: &mut Vec<CodedSegment>,
        p: &[f64],
        x: &[(u32, f32)],
        ids: &[Option<&Arc<str>>],
    ) -> Vec<CodedSegment> {
        // Given where the model says so, unless a review decided otherwise.
        let given: Vec<bool> = self
            .codes
            .iter()
            .enumerate()
            .map(|(k, c)| {
                self.decisions
                    .label(&doc.id, passage.index, &c.code)
                    .unwrap_or(p[k] >= f64::from(c.threshold))
            })
            .collect();
        // The codebook's segments under a code the model rejects go; the others stay.
        let stays: Vec<bool> = mine
            .iter()
            .map(|s| {
                self.codes
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| is_within(&s.code, &c.code))
                    .all(|(k, _)| given[k])
            })
            .collect();
        // A code the model gives that no staying segment has becomes a segment, with the
        // hits of the codebook's segments under it.
        let mut added: Vec<CodedSegment> = Vec::new();
        for (k, c) in self.codes.iter().enumerate() {
            let Some(id) = ids[k] else {
                continue;
            };
            let own = mine
                .iter()
                .zip(&stays)
                .any(|(s, &stays)| stays && *s.code == *c.code);
            if !given[k] || own {
                continue;
            }
            let hits = mine
                .iter()
                .filter(|s| is_within(&s.code, &c.code))
                .flat_map(|s| s.hits.iter().cloned())
                .collect();
            added.push(CodedSegment {
                doc: doc.id.clone(),
                passage: passage.index,
                start: passage.start,
                end: passage.end,
                code: id.clone(),
                origin: Origin::Auto,
                hits,
                memo: None,
                lang,
                role: passage.role,
            });
        }
        let mut kept: Vec<CodedSegment> = mine
            .drain(..)
            .zip(stays)
            .filter_map(|(s, stays)| stays.then_some(s))
            .chain(added)
            .collect();
        // Every code the model gives is its decision, with its probability and evidence.
        for (k, c) in self.codes.iter().enumerate() {
            if !given[k] || ids[k].is_none() {
                continue;
            }
            if let Some(seg) = kept.iter_mut().find(|s| *s.code == *c.code) {
                seg.origin = Origin::Model {
                    probability: Probability::new(p[k]),
                    evidence: self.evidence(k, x),
                };
            }
        }
        kept
    }
}

impl CodingModel for Model {
    fn review(
        &self,
        doc: &Document,
        coding: &mut DocumentCoding,
        roles: Roles,
        code_ids: &[Arc<str>],
    ) {
        // The codebook's own ids, so that segments share them, in codebook order.
        let ids: Vec<Option<&Arc<str>>> = self
            .codes
            .iter()
            .map(|c| code_ids.iter().find(|id| ***id == *c.code))
            .collect();
        let order = |code: &str| code_ids.iter().position(|id| **id == *code);
        let mut reader = self.readers.take();
        let texts: Vec<&str> = if self.encoder.is_some() {
            coding
                .passages
                .iter()
                .filter(|p| roles.contains(p.role))
                .map(|p| p.text(&doc.text))
                .collect()
        } else {
            Vec::new()
        };
        let mut meanings = self.meanings(&texts).into_iter();
        let segments = std::mem::take(&mut coding.segments);
        // The codebook's themes of every passage read, before the model changes any.
        let mut surroundings = self
            .surroundings(coding, &segments, roles, code_ids)
            .into_iter();
        let mut out: Vec<CodedSegment> = Vec::with_capacity(segments.len());
        let mut rest = segments.into_iter().peekable();
        // The segments of the passage at hand, moved, not copied, from the codebook's coding.
        let mut mine: Vec<CodedSegment> = Vec::new();
        for passage in &coding.passages {
            mine.clear();
            while let Some(s) = rest.next_if(|s| s.passage == passage.index) {
                mine.push(s);
            }
            if !roles.contains(passage.role) {
                out.append(&mut mine);
                continue;
            }
            let lang = crate::lang::from_code(coding.langs[passage.index]);
            let refs: Vec<&CodedSegment> = mine.iter().collect();
            let meaning = meanings.next().flatten();
            let around = surroundings.next().unwrap_or_default();
            let x = self.vectorise(
                &mut reader,
                passage.text(&doc.text),
                lang,
                &refs,
                &around,
                meaning.as_deref(),
            );
            drop(refs);
            let p = self.probabilities(&x);
            let mut kept = self.decide(doc, passage, lang, &mut mine, &p, &x, &ids);
            kept.sort_by_key(|s| order(&s.code));
            out.extend(kept);
        }
        coding.segments = out;
        self.readers.give(reader);
    }
}
