//! Learning from the researcher's own coding: a classifier per code, trained on manual codings,
//! that reviews what the codebook coded — adding codes it missed, withdrawing codes it judges
//! wrong — with a probability and the features that weighed most for every code it gives.
//!
//! A [`Learner`] reads a corpus, the codebook's coding of it and a manual coding of the same
//! passages, and fits an L2-regularised logistic regression per code over each passage's word
//! stems, character n-grams (Russian and Kazakh morphology) and the codebook's decisions (the
//! codes it gave, the patterns that fired). It first cross-validates, folds grouped by
//! document, to choose each code's threshold and to report what the model adds to the
//! codebook alone on the same folds; then fits on everything. Training is deterministic: the
//! same data give a byte-identical [`Model`] file.
//!
//! ```
//! use std::sync::Arc;
//! use thematic::learn::Learner;
//! use thematic::{Codebook, Coder, Coding, Corpus, Document, Unit};
//!
//! let codebook = Codebook::from_json_dictionary(r#"{"brain_drain": ["emigrat*"]}"#, None)?;
//! // Twelve short documents; a person coded the ones about scientists leaving.
//! let corpus = Corpus::from_documents((0..12).map(|i| {
//!     let text = if i % 2 == 0 {
//!         format!("Scientists leave the country for better pay, report {i} finds.")
//!     } else {
//!         format!("The budget for roads grew in region {i}.")
//!     };
//!     Document::new(format!("d{i}"), text)
//! }));
//! let mut manual = Coding::empty(&corpus, Unit::Paragraph);
//! for doc in corpus.documents().iter().step_by(2) {
//!     let end = doc.text.chars().count();
//!     manual.add_manual(doc, 0, end, "brain_drain", "ana", None)?;
//! }
//! let coder = Coder::new(&codebook)?;
//! let model = Learner::new().folds(3).learn(&codebook, &coder, &corpus, &manual)?;
//! // The codebook knows only "emigrat*"; the model learned what the coder meant.
//! let coder = Coder::new(&codebook)?.model(Arc::new(model));
//! let doc = Document::new("new", "Young scientists leave for better pay abroad.");
//! let coded = coder.code_document(&doc);
//! assert_eq!(&*coded.segments[0].code, "brain_drain");
//! assert_eq!(coded.segments[0].origin.as_str(), "model");
//! # Ok::<(), thematic::Error>(())
//! ```

mod features;
mod logistic;
mod meaning;
mod model;
mod review;
mod validation;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use meaning::PassageEncoder;
pub use model::{
    CodeModel, CodebookStamp, FORMAT, FORMAT_VERSION, Feature, MeaningUse, Model, Training,
};
pub use review::{
    Decision, Decisions, Suggestion, Verdict, read_decided, suggest, write_suggestions,
};
pub use validation::write_validation;

use features::{Kind, NameHash, Reader, Surroundings, vector};
use logistic::{FitOptions, Logistic, SparseRows};
use meaning::MeaningColumns;

use crate::codebook::{Codebook, is_within};
use crate::coding::{CodedSegment, Coder, Coding, DocumentCoding};
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::segment::Passage;

/// Precision, recall, F1 and Cohen's kappa of one code's decisions against the manual coding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Passages coded by both.
    pub true_positives: usize,
    /// Passages coded by the machine only.
    pub false_positives: usize,
    /// Passages coded by the person only.
    pub false_negatives: usize,
    /// Passages coded by neither.
    pub true_negatives: usize,
    /// `tp / (tp + fp)`.
    pub precision: Option<f64>,
    /// `tp / (tp + fn)`.
    pub recall: Option<f64>,
    /// Their harmonic mean.
    pub f1: Option<f64>,
    /// Cohen's kappa.
    pub kappa: Option<f64>,
}

impl Figures {
    /// The figures of decisions against truths, passage by passage.
    pub fn of(decided: impl IntoIterator<Item = (bool, bool)>) -> Figures {
        let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
        for (d, t) in decided {
            match (d, t) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                (false, false) => tn += 1,
            }
        }
        let n = (tp + fp + fn_ + tn) as f64;
        let kappa = (n > 0.0).then_some(()).and_then(|()| {
            let observed = (tp + tn) as f64 / n;
            let expected = ((tp + fp) as f64 * (tp + fn_) as f64
                + (fn_ + tn) as f64 * (fp + tn) as f64)
                / (n * n);
            (expected < 1.0).then(|| (observed - expected) / (1.0 - expected))
        });
        // Precision, recall and F1 exactly as `evaluate` reports them.
        let e =
            crate::analysis::evaluate::figures("".into(), tp, fp, fn_, tp + fp + fn_ + tn, kappa);
        Figures {
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            true_negatives: tn,
            precision: e.precision,
            recall: e.recall,
            f1: e.f1,
            kappa,
        }
    }
}

/// What cross-validation says of one code: the model's figures at its chosen threshold, and
/// the codebook's alone, on the same passages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeValidation {
    /// The code.
    pub code: String,
    /// Passages the person coded with it (or a sub-code).
    pub positives: usize,
    /// The threshold chosen (maximising the model's kappa over the held-out predictions).
    pub threshold: f32,
    /// The model's held-out figures at that threshold.
    pub model: Figures,
    /// The codebook's figures on the same passages.
    pub codebook: Figures,
}

/// Trains [`Model`]s. Settings have defaults that suit a few hundred to a few thousand coded
/// passages.
#[derive(Debug, Clone)]
pub struct Learner {
    c: f64,
    folds: usize,
    min_df: u32,
    max_words: usize,
    max_grams: usize,
    balanced: bool,
    min_positives: usize,
    codings: Vec<String>,
    decisions: Decisions,
    encoder: Option<Arc<dyn PassageEncoder>>,
    meaning_weight: f32,
    context: bool,
}

/// The weight of the meaning block where none is given: the best of 0.5–6 by cross-validation
/// on the development gold's tuning half (see VALIDITY.md).
pub const DEFAULT_MEANING_WEIGHT: f32 = 3.0;

/// Passages embedded per call to the encoder.
const ENCODER_BATCH: usize = 64;

impl Default for Learner {
    fn default() -> Learner {
        Learner::new()
    }
}

/// Thresholds tried when choosing a code's: 0.05 to 0.95 by 0.01.
fn candidate_thresholds() -> impl Iterator<Item = f32> {
    (5..=95).map(|t| t as f32 / 100.0)
}

impl Learner {
    /// The default settings: `C` = 10 (the best of 0.3–100 by cross-validation on the
    /// development gold's tuning half), 5 folds, features in at least 2 passages, at most 20,000
    /// word stems and 60,000 n-grams, classes weighted by frequency, codes with at least 5
    /// positive passages.
    pub fn new() -> Learner {
        Learner {
            c: 10.0,
            folds: 5,
            min_df: 2,
            max_words: 20_000,
            max_grams: 60_000,
            balanced: true,
            min_positives: 5,
            codings: Vec::new(),
            decisions: Decisions::default(),
            encoder: None,
            meaning_weight: DEFAULT_MEANING_WEIGHT,
            context: false,
        }
    }

    /// Reads each passage in its surroundings too (off by default): the themes the codebook
    /// gave the passages before and after it and its document, as features (`ctx:beside:…`,
    /// `ctx:between:…`, `ctx:document:…`), as coders read a paragraph in the light of its
    /// neighbours. It helps on documents like those it learned from and hurts on others: on
    /// the development gold it added 0.010–0.018 to the cross-validated kappa of news and
    /// official texts and took 0.04–0.09 from the seed papers' (VALIDITY.md). Use it where the
    /// documents to code are of the kind the coded ones are.
    pub fn context(mut self, yes: bool) -> Learner {
        self.context = yes;
        self
    }

    /// Reads each passage's meaning too: its vector from `encoder` (the multilingual encoder
    /// of [`embed`](crate::embed), or your own), as a block of features at unit length times
    /// `weight` (words and n-grams are blocks of unit length each). The model then needs the
    /// same encoder wherever it is applied.
    pub fn meaning(mut self, encoder: Arc<dyn PassageEncoder>, weight: f32) -> Learner {
        self.encoder = Some(encoder);
        self.meaning_weight = weight;
        self
    }

    /// Regularisation: larger `c` fits the training passages closer.
    pub fn c(mut self, c: f64) -> Learner {
        self.c = c;
        self
    }

    /// Folds of cross-validation (at least 2), grouped by document.
    pub fn folds(mut self, folds: usize) -> Learner {
        self.folds = folds.max(2);
        self
    }

    /// Minimum number of passages a word or n-gram must appear in to be a feature.
    pub fn min_df(mut self, n: u32) -> Learner {
        self.min_df = n.max(1);
        self
    }

    /// Weights the classes inversely to their frequency (a rare code is not drowned by the
    /// passages without it).
    pub fn balanced(mut self, yes: bool) -> Learner {
        self.balanced = yes;
        self
    }

    /// Codes with fewer positive passages than this get no classifier.
    pub fn min_positives(mut self, n: usize) -> Learner {
        self.min_positives = n.max(1);
        self
    }

    /// Review decisions to learn from: an accepted suggestion codes its passage with the code,
    /// a rejected one leaves it (and the code's sub-codes) off, whatever the codings say.
    pub fn decisions(mut self, decisions: Decisions) -> Learner {
        self.decisions = decisions;
        self
    }

    /// The names of the coding files, recorded in the model.
    pub fn codings(mut self, names: Vec<String>) -> Learner {
        self.codings = names;
        self
    }

    /// Learns a model from `manual`, a coding of `corpus` by a person: every passage the
    /// `coder` codes (by role) of every document in `corpus` is a training passage, coded
    /// with the codes `manual` gives it (sub-codes count for their ancestors) and without the
    /// others.
    pub fn learn(
        &self,
        codebook: &Codebook,
        coder: &Coder,
        corpus: &Corpus,
        manual: &Coding,
    ) -> Result<Model> {
        let set = TrainingSet::read(
            coder,
            corpus,
            manual,
            codebook,
            self.encoder.as_deref(),
            self.context,
        )?;
        let codes: Vec<(String, Vec<bool>)> = codebook
            .codes()
            .iter()
            .map(|c| (c.id.to_string(), set.labels(&c.id, &self.decisions)))
            .filter(|(_, y)| {
                let positives = y.iter().filter(|&&p| p).count();
                positives >= self.min_positives && y.len() - positives >= self.min_positives
            })
            .collect();
        if codes.is_empty() {
            return Err(Error::Invalid(format!(
                "nothing to learn: no code of the codebook has {} passages coded with it and {} without among the {} passages of the corpus",
                self.min_positives,
                self.min_positives,
                set.passages.len()
            )));
        }
        let validation = self.cross_validate(&set, &codes);
        let all: Vec<usize> = (0..set.passages.len()).collect();
        let vocabulary = set.vocabulary(&all, self);
        let x = set.rows(&all, &vocabulary);
        let fits: Vec<Logistic> = codes
            .par_iter()
            .map(|(_, y)| Logistic::fit(&x, y, &self.fit_options()))
            .collect();
        let code_models = codes
            .iter()
            .zip(fits)
            .zip(&validation)
            .map(|(((code, y), fit), v)| CodeModel {
                code: code.clone(),
                positives: y.iter().filter(|&&p| p).count(),
                threshold: v.threshold,
                intercept: fit.intercept as f32,
                weights: fit.weights.iter().map(|&w| w as f32).collect(),
            })
            .collect();
        let training = Training {
            date: today(),
            passages: set.passages.len(),
            documents: corpus.documents().len(),
            codings: self.codings.clone(),
            c: self.c,
            min_df: self.min_df,
            balanced: self.balanced,
        };
        let meaning = self.encoder.as_ref().map(|e| MeaningUse {
            encoder: e.name().to_string(),
            weight: self.meaning_weight,
        });
        Ok(Model::new(
            CodebookStamp::of(codebook),
            training,
            validation,
            vocabulary.features,
            code_models,
        )
        .with_meaning(meaning, self.encoder.clone()))
    }

    fn fit_options(&self) -> FitOptions {
        FitOptions {
            c: self.c,
            balanced: self.balanced,
            ..FitOptions::default()
        }
    }

    /// Held-out probabilities for every passage and code, folds grouped by document; then
    /// per code the threshold that maximises kappa and the figures there.
    fn cross_validate(
        &self,
        set: &TrainingSet,
        codes: &[(String, Vec<bool>)],
    ) -> Vec<CodeValidation> {
        let fold_of = set.folds(self.folds);
        let folds: Vec<Vec<(usize, Vec<f64>)>> = (0..self.folds)
            .into_par_iter()
            .map(|k| {
                let train: Vec<usize> = (0..set.passages.len())
                    .filter(|&i| fold_of[i] != k)
                    .collect();
                let held: Vec<usize> = (0..set.passages.len())
                    .filter(|&i| fold_of[i] == k)
                    .collect();
                if held.is_empty() || train.is_empty() {
                    return Vec::new();
                }
                let vocabulary = set.vocabulary(&train, self);
                let x = set.rows(&train, &vocabulary);
                let fits: Vec<Logistic> = codes
                    .iter()
                    .map(|(_, y)| {
                        let y: Vec<bool> = train.iter().map(|&i| y[i]).collect();
                        Logistic::fit(&x, &y, &self.fit_options())
                    })
                    .collect();
                let held_x = set.rows(&held, &vocabulary);
                held.iter()
                    .enumerate()
                    .map(|(r, &i)| {
                        let (idx, val) = held_x.row(r);
                        (i, fits.iter().map(|f| f.probability(idx, val)).collect())
                    })
                    .collect()
            })
            .collect();
        let mut probability = vec![Vec::new(); set.passages.len()];
        for (i, p) in folds.into_iter().flatten() {
            probability[i] = p;
        }
        codes
            .iter()
            .enumerate()
            .map(|(k, (code, y))| {
                let scored: Vec<(f64, bool)> = probability
                    .iter()
                    .zip(y)
                    .filter(|(p, _)| !p.is_empty())
                    .map(|(p, &t)| (p[k], t))
                    .collect();
                let at = |t: f32| {
                    Figures::of(scored.iter().map(|&(p, truth)| (p >= f64::from(t), truth)))
                };
                let mut best = (f64::NEG_INFINITY, 0.5f32);
                for t in candidate_thresholds() {
                    let kappa = at(t).kappa.unwrap_or(f64::NEG_INFINITY);
                    if kappa > best.0 {
                        best = (kappa, t);
                    }
                }
                let codebook = Figures::of(
                    set.passages
                        .iter()
                        .zip(y)
                        .zip(&probability)
                        .filter(|(_, p)| !p.is_empty())
                        .map(|((passage, &truth), _)| {
                            (
                                passage.codebook_codes.iter().any(|c| is_within(c, code)),
                                truth,
                            )
                        }),
                );
                CodeValidation {
                    code: code.clone(),
                    positives: y.iter().filter(|&&p| p).count(),
                    threshold: best.1,
                    model: at(best.1),
                    codebook,
                }
            })
            .collect()
    }
}

/// Today as `YYYY-MM-DD` (UTC), or the day of `SOURCE_DATE_EPOCH` when set: the date models and
/// review decisions record.
pub fn today() -> String {
    let seconds = crate::fingerprint::source_date_epoch().unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The passages of a document that `coder` reads (by their role), each with its language and
/// the codebook's segments on it: what a model sees.
pub(crate) fn coded_passages<'a>(
    coder: &Coder,
    coding: &'a DocumentCoding,
) -> impl Iterator<Item = (&'a Passage, Option<&'static str>, Vec<&'a CodedSegment>)> {
    let roles = coder.current_roles();
    coding
        .passages
        .iter()
        .filter(move |p| roles.contains(p.role))
        .map(move |passage| {
            let segments = coding
                .segments
                .iter()
                .filter(|s| s.passage == passage.index)
                .collect();
            let lang = crate::lang::from_code(coding.langs[passage.index]);
            (passage, lang, segments)
        })
}

/// The surroundings of each passage of a document read by [`coded_passages`], where they are
/// read (`context`); none otherwise.
pub(crate) fn surroundings_of(
    passages: &[(&Passage, Option<&'static str>, Vec<&CodedSegment>)],
    context: bool,
) -> Vec<Surroundings> {
    if !context {
        return vec![Surroundings::default(); passages.len()];
    }
    let themes: Vec<_> = passages
        .iter()
        .map(|(_, _, segments)| features::themes(segments, &[]))
        .collect();
    Surroundings::of_document(&themes)
}

/// One training passage: its feature occurrences and what each coding made of it.
struct TrainingPassage {
    /// The document's index in the corpus (folds group by it).
    document: usize,
    /// The passage's index in its document.
    passage: usize,
    /// Feature name hash → occurrences.
    counts: Vec<(u64, u32)>,
    /// The codes the codebook gave it.
    codebook_codes: Vec<Arc<str>>,
    /// The codes the person gave it.
    manual_codes: Vec<Arc<str>>,
    /// Its meaning, where the learner reads it.
    meaning: Option<Vec<f32>>,
}

/// A vocabulary: its features by name, and where each hash sits in it.
struct Vocabulary {
    features: Vec<Feature>,
    kinds: Vec<Kind>,
    idf: Vec<f32>,
    lookup: FxHashMap<u64, u32>,
    meaning: MeaningColumns,
}

/// The passages to learn from.
struct TrainingSet {
    passages: Vec<TrainingPassage>,
    /// The length of the passages' meaning vectors (0 where they are not read).
    meaning_dimensions: usize,
    /// Feature name of every hash seen.
    names: FxHashMap<u64, String>,
    documents: Vec<Arc<str>>,
}

impl TrainingSet {
    fn read(
        coder: &Coder,
        corpus: &Corpus,
        manual: &Coding,
        codebook: &Codebook,
        encoder: Option<&dyn PassageEncoder>,
        context: bool,
    ) -> Result<TrainingSet> {
        let mut manual_of: FxHashMap<(&str, usize), Vec<Arc<str>>> = FxHashMap::default();
        for seg in &manual.segments {
            if codebook.code(&seg.code).is_none() {
                return Err(Error::Invalid(format!(
                    "the manual coding uses code {:?}, which the codebook {:?} does not have",
                    seg.code,
                    codebook.title()
                )));
            }
            manual_of
                .entry((&seg.doc, seg.passage))
                .or_default()
                .push(seg.code.clone());
        }
        type Read<'t> = (Vec<(TrainingPassage, &'t str)>, FxHashMap<u64, String>);
        let read: Vec<Read<'_>> = corpus
            .documents()
            .par_iter()
            .enumerate()
            .map(|(d, doc)| {
                let coding = coder.code_document_by_codebook(doc);
                let mut reader = Reader::default();
                let mut names: FxHashMap<u64, String> = FxHashMap::default();
                let mut passages = Vec::new();
                let read: Vec<_> = coded_passages(coder, &coding).collect();
                let surroundings = surroundings_of(&read, context);
                for ((passage, lang, segments), around) in read.into_iter().zip(&surroundings) {
                    let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
                    reader.read(passage.text(&doc.text), lang, &segments, around, |o| {
                        *counts.entry(o.hash).or_default() += 1;
                        names
                            .entry(o.hash)
                            .or_insert_with(|| format!("{}{}", o.kind.prefix(), o.body));
                    });
                    let mut counts: Vec<(u64, u32)> = counts.into_iter().collect();
                    counts.sort_unstable();
                    passages.push((
                        TrainingPassage {
                            document: d,
                            passage: passage.index,
                            counts,
                            codebook_codes: segments.iter().map(|s| s.code.clone()).collect(),
                            manual_codes: manual_of
                                .get(&(&*doc.id, passage.index))
                                .cloned()
                                .unwrap_or_default(),
                            meaning: None,
                        },
                        passage.text(&doc.text),
                    ));
                }
                (passages, names)
            })
            .collect();
        let mut set = TrainingSet {
            passages: Vec::new(),
            meaning_dimensions: 0,
            names: FxHashMap::default(),
            documents: corpus.documents().iter().map(|d| d.id.clone()).collect(),
        };
        let mut texts = Vec::new();
        for (passages, names) in read {
            for (passage, text) in passages {
                set.passages.push(passage);
                texts.push(text);
            }
            set.names.extend(names);
        }
        if let Some(encoder) = encoder {
            // The encoder parallelises each batch itself.
            for (at, batch) in texts.chunks(ENCODER_BATCH).enumerate() {
                let vectors = encoder.encode(batch)?;
                for (i, v) in vectors.into_iter().enumerate() {
                    set.passages[at * ENCODER_BATCH + i].meaning = Some(v);
                }
            }
            for d in 0..encoder.dimensions() {
                let name = meaning::feature_name(d);
                set.names.insert(NameHash::of(&name), name);
            }
            set.meaning_dimensions = encoder.dimensions();
        }
        Ok(set)
    }

    /// Whether each passage is coded with `code` or one of its sub-codes by the person, or so
    /// decided in a review.
    fn labels(&self, code: &str, decisions: &Decisions) -> Vec<bool> {
        self.passages
            .iter()
            .map(|p| {
                let doc = &self.documents[p.document];
                decisions
                    .label(doc, p.passage, code)
                    .unwrap_or_else(|| p.manual_codes.iter().any(|c| is_within(c, code)))
            })
            .collect()
    }

    /// The fold of each passage: documents are dealt to folds in the order of a hash of their
    /// id, so that folds do not follow the corpus's order (which often groups by source).
    fn folds(&self, k: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.documents.len()).collect();
        order.sort_by_key(|&d| (features::NameHash::of(&self.documents[d]), d));
        let mut fold_of_document = vec![0; self.documents.len()];
        for (rank, d) in order.into_iter().enumerate() {
            fold_of_document[d] = rank % k;
        }
        self.passages
            .iter()
            .map(|p| fold_of_document[p.document])
            .collect()
    }

    /// The vocabulary of the passages `rows`: text features in at least `min_df` of them, the
    /// most frequent up to each block's cap (ties by name), the others all; sorted by name.
    fn vocabulary(&self, rows: &[usize], learner: &Learner) -> Vocabulary {
        let mut df: FxHashMap<u64, u32> = FxHashMap::default();
        for &r in rows {
            for &(h, _) in &self.passages[r].counts {
                *df.entry(h).or_default() += 1;
            }
        }
        let mut by_kind: BTreeMap<Kind, Vec<(u32, &str, u64)>> = BTreeMap::new();
        for (&h, &n) in &df {
            let name = &self.names[&h];
            let kind = Kind::of(name).expect("names carry their kind");
            if kind.is_text() && n < learner.min_df {
                continue;
            }
            by_kind.entry(kind).or_default().push((n, name, h));
        }
        let mut chosen: Vec<(&str, u64, u32)> = Vec::new();
        for d in 0..self.meaning_dimensions {
            let h = NameHash::of(&meaning::feature_name(d));
            chosen.push((&self.names[&h], h, 0));
        }
        for (kind, mut features) in by_kind {
            features.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let cap = match kind {
                Kind::Word => learner.max_words,
                Kind::Gram => learner.max_grams,
                _ => usize::MAX,
            };
            chosen.extend(
                features
                    .into_iter()
                    .take(cap)
                    .map(|(n, name, h)| (name, h, n)),
            );
        }
        chosen.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = rows.len() as f64;
        let features: Vec<Feature> = chosen
            .iter()
            .map(|&(name, _, df)| {
                let kind = Kind::of(name).expect("names carry their kind");
                Feature {
                    name: name.to_string(),
                    idf: if kind.is_text() {
                        // scikit-learn's smoothed idf.
                        (((1.0 + n) / (1.0 + f64::from(df))).ln() + 1.0) as f32
                    } else {
                        1.0
                    },
                }
            })
            .collect();
        let lookup: FxHashMap<u64, u32> = chosen
            .iter()
            .enumerate()
            .map(|(i, &(_, h, _))| (h, i as u32))
            .collect();
        Vocabulary {
            meaning: MeaningColumns::new(self.meaning_dimensions, learner.meaning_weight, |h| {
                lookup.get(&h).copied()
            }),
            kinds: features
                .iter()
                .map(|f| Kind::of(&f.name).expect("names carry their kind"))
                .collect(),
            idf: features.iter().map(|f| f.idf).collect(),
            lookup,
            features,
        }
    }

    /// The feature vectors of passages `rows` in `vocabulary`.
    fn rows(&self, rows: &[usize], vocabulary: &Vocabulary) -> SparseRows {
        let mut x = SparseRows::new(vocabulary.features.len());
        for &r in rows {
            let mut counts: Vec<(u32, u32)> = self.passages[r]
                .counts
                .iter()
                .filter_map(|&(h, n)| vocabulary.lookup.get(&h).map(|&f| (f, n)))
                .collect();
            counts.sort_unstable();
            let mut row = vector(counts.iter().copied(), &vocabulary.kinds, &vocabulary.idf);
            if let Some(v) = &self.passages[r].meaning {
                vocabulary.meaning.add(&mut row, v);
            }
            x.push(&row);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_of_a_textbook_table() {
        // 50 units: both yes 20, machine only 5, person only 10, neither 15.
        let pairs = std::iter::repeat_n((true, true), 20)
            .chain(std::iter::repeat_n((true, false), 5))
            .chain(std::iter::repeat_n((false, true), 10))
            .chain(std::iter::repeat_n((false, false), 15));
        let f = Figures::of(pairs);
        assert!((f.kappa.unwrap() - 0.4).abs() < 1e-12);
        assert!((f.precision.unwrap() - 0.8).abs() < 1e-12);
        assert!((f.recall.unwrap() - 20.0 / 30.0).abs() < 1e-12);
    }

    /// An encoder that reads one thing of a text: whether it speaks of scientists coming
    /// home, in whichever of three languages — the kind of meaning words of one language miss.
    #[derive(Debug)]
    struct HomecomingEncoder;

    impl PassageEncoder for HomecomingEncoder {
        fn name(&self) -> &str {
            "homecoming test encoder"
        }
        fn dimensions(&self) -> usize {
            4
        }
        fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            Ok(texts
                .iter()
                .map(|t| {
                    let home = ["return home", "вернуться", "оралу"]
                        .iter()
                        .any(|w| t.to_lowercase().contains(w));
                    if home {
                        vec![1.0, 0.0, 0.2, 0.0]
                    } else {
                        vec![0.0, 1.0, 0.0, 0.2]
                    }
                })
                .collect())
        }
    }

    #[test]
    fn a_model_reads_meaning_across_languages_and_names_the_encoder_it_needs() {
        use crate::corpus::Document;
        let codebook =
            Codebook::from_json_dictionary(r#"{"return_policy": ["repatriat*"]}"#, None).unwrap();
        // Training in English and Russian only; the Kazakh passage below was never seen.
        let texts = [
            (
                "Scientists abroad are invited to return home with grants.",
                true,
            ),
            ("Учёных за рубежом приглашают вернуться с грантами.", true),
            ("Researchers who left may return home to new labs.", true),
            ("Специалисты могут вернуться на родину по программе.", true),
            ("Engineers are offered support to return home.", true),
            ("Врачи получат помощь, чтобы вернуться домой.", true),
            ("The road budget grew in the north.", false),
            ("Цены на пшеницу выросли весной.", false),
            ("A new stadium opened in the capital.", false),
            ("Погода в марте была тёплой.", false),
            ("Exports of grain rose by a tenth.", false),
            ("Театр открыл новый сезон.", false),
        ];
        let corpus = Corpus::from_documents(
            texts
                .iter()
                .enumerate()
                .map(|(i, (t, _))| Document::new(format!("d{i}"), *t)),
        );
        let mut manual = Coding::empty(&corpus, crate::segment::Unit::Paragraph);
        for (doc, (t, coded)) in corpus.documents().iter().zip(texts) {
            if coded {
                manual
                    .add_manual(doc, 0, t.chars().count(), "return_policy", "ana", None)
                    .unwrap();
            }
        }
        let coder = Coder::new(&codebook).unwrap();
        let learner = Learner::new()
            .folds(3)
            .meaning(Arc::new(HomecomingEncoder), 3.0);
        let model = learner.learn(&codebook, &coder, &corpus, &manual).unwrap();
        assert_eq!(
            model.meaning.as_ref().map(|m| m.encoder.as_str()),
            Some("homecoming test encoder")
        );
        let again = learner.learn(&codebook, &coder, &corpus, &manual).unwrap();
        let bytes = |m: &Model| serde_json::to_vec(m).unwrap();
        assert_eq!(
            bytes(&model),
            bytes(&again),
            "trained twice, the same model"
        );

        let coder = Coder::new(&codebook)
            .unwrap()
            .model(Arc::new(model.clone()));
        let kazakh = Document::new("kk", "Шетелдегі ғалымдарды елге оралуға шақырды.");
        let coded = coder.code_document(&kazakh);
        assert_eq!(coded.segments.len(), 1, "{coded:?}");
        let crate::coding::Origin::Model { evidence, .. } = &coded.segments[0].origin else {
            panic!("given by the model: {:?}", coded.segments[0].origin)
        };
        assert!(
            evidence
                .iter()
                .any(|e| &*e.feature == model::MEANING_EVIDENCE),
            "the meaning, pooled, is evidence: {evidence:?}"
        );
        assert!(
            coder
                .code_document(&Document::new("x", "Мемлекет жол салды."))
                .segments
                .is_empty()
        );

        // A model file names the encoder it needs; where this build has none of that name,
        // loading it says so.
        let err = Model::from_slice(&bytes(&model), std::path::Path::new("m.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("m.json") && err.contains("homecoming test encoder"),
            "{err}"
        );
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
