//! A learned model: its file, and how it reviews a document's coding.

use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::features::{Kind, NameHash, Reader, vector};
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
            fingerprint: crate::index::fnv64(&[json.as_bytes()]),
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
    /// Its name, `w:…`, `c:…`, `code:…`, `pattern:…` or `lang:…`.
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
    /// The weights feature by feature: `by_feature[f * codes + k]` is code `k`'s weight of
    /// feature `f`.
    #[serde(skip)]
    by_feature: Vec<f32>,
    /// Review decisions that override the model.
    #[serde(skip)]
    decisions: super::Decisions,
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
            decisions: super::Decisions::default(),
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
        self.meaning_columns = match (&self.meaning, &self.encoder) {
            (Some(m), Some(e)) => {
                MeaningColumns::new(e.dimensions(), m.weight, |h| self.lookup.get(&h).copied())
            }
            _ => MeaningColumns::default(),
        };
        let codes = self.codes.len();
        self.by_feature = vec![0.0; self.features.len() * codes];
        for (k, c) in self.codes.iter().enumerate() {
            for (f, &w) in c.weights.iter().enumerate() {
                self.by_feature[f * codes + k] = w;
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
        let counts: Vec<(u32, u32)> = touched
            .iter()
            .map(|&f| (f, std::mem::take(&mut tally[f as usize])))
            .collect();
        reader.tally = tally;
        reader.touched = touched;
        let mut x = vector(&counts, &self.kinds, &self.idf);
        if let Some(m) = meaning {
            self.meaning_columns.add(&mut x, m);
        }
        x
    }

    /// The probability of each code (model order) for a feature vector.
    pub(crate) fn probabilities(&self, x: &[(u32, f32)]) -> Vec<f64> {
        let codes = self.codes.len();
        let mut z: Vec<f64> = self.codes.iter().map(|c| f64::from(c.intercept)).collect();
        // Feature-major weights: one feature's weights for every code share a cache line.
        for &(f, v) in x {
            let weights = &self.by_feature[f as usize * codes..(f as usize + 1) * codes];
            for (z, &w) in z.iter_mut().zip(weights) {
                *z += f64::from(w) * f64::from(v);
            }
        }
        z.into_iter().map(sigmoid).collect()
    }

    /// The features that weighed most in code `k`'s decision on `x`, strongest first.
    fn evidence(&self, k: usize, x: &[(u32, f32)]) -> Arc<[Evidence]> {
        let codes = self.codes.len();
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
                        self.by_feature[f as usize * codes + k] * v;
                }
            }
        }
        let shares = x
            .iter()
            .filter(|(f, _)| !reads_meaning || self.kinds[*f as usize] != Kind::Meaning)
            // Feature-major: the line `probabilities` just read.
            .map(|&(f, v)| (self.by_feature[f as usize * codes + k] * v, f))
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
                    self.features[f as usize].name.as_str().into()
                },
                weight,
            })
            .collect()
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
        let mut reader = Reader::default();
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
        let mut segments = std::mem::take(&mut coding.segments);
        let mut out: Vec<CodedSegment> = Vec::with_capacity(segments.len());
        let mut at = 0;
        for passage in &coding.passages {
            let end = at
                + segments[at..]
                    .iter()
                    .take_while(|s| s.passage == passage.index)
                    .count();
            let mine = &mut segments[at..end];
            at = end;
            if !roles.contains(passage.role) {
                out.extend(mine.iter().cloned());
                continue;
            }
            let lang = crate::lang::from_code(coding.langs[passage.index]);
            let refs: Vec<&CodedSegment> = mine.iter().collect();
            let meaning = meanings.next().flatten();
            let x = self.vectorise(
                &mut reader,
                passage.text(&doc.text),
                lang,
                &refs,
                meaning.as_deref(),
            );
            let p = self.probabilities(&x);
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
            let mut kept: Vec<CodedSegment> = mine
                .iter()
                .filter(|s| {
                    let mut under = self
                        .codes
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| is_within(&s.code, &c.code));
                    under.all(|(k, _)| given[k])
                })
                .cloned()
                .collect();
            for (k, c) in self.codes.iter().enumerate() {
                let Some(id) = ids[k] else {
                    continue;
                };
                if !given[k] {
                    continue;
                }
                let origin = Origin::Model {
                    probability: Probability::new(p[k]),
                    evidence: self.evidence(k, &x),
                };
                if let Some(own) = kept.iter_mut().find(|s| *s.code == *c.code) {
                    own.origin = origin;
                    continue;
                }
                let hits = mine
                    .iter()
                    .filter(|s| is_within(&s.code, &c.code))
                    .flat_map(|s| s.hits.iter().cloned())
                    .collect();
                kept.push(CodedSegment {
                    doc: doc.id.clone(),
                    passage: passage.index,
                    start: passage.start,
                    end: passage.end,
                    code: id.clone(),
                    origin,
                    hits,
                    memo: None,
                    lang,
                    role: passage.role,
                });
            }
            kept.sort_by_key(|s| order(&s.code));
            out.extend(kept);
        }
        coding.segments = out;
    }
}
