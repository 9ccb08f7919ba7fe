//! A codebook under test: automatic coding against a hand-coded gold standard.
//!
//! Per code, over every passage: true and false positives, misses, precision, recall, F1 and
//! Cohen's kappa; their macro averages (the mean over codes, each code counting once, which is
//! how coding validity is reported); the same per language of the passages; and the passages
//! where the two disagree — false positives with the hits that caused them, misses with the
//! passage — so a researcher can mend the codebook and watch the figures move.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::agreement::Ratings;
use super::{Incidence, OriginFilter, ratio};
use crate::codebook::Codebook;
use crate::coding::{Coding, Hit};

/// Figures for one code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeEvaluation {
    /// The code.
    pub code: Arc<str>,
    /// Passages coded by both.
    pub true_positives: usize,
    /// Passages coded automatically only.
    pub false_positives: usize,
    /// Passages coded in the gold standard only.
    pub false_negatives: usize,
    /// Passages coded by neither.
    pub true_negatives: usize,
    /// TP ÷ (TP + FP); `None` when nothing was coded automatically.
    pub precision: Option<f64>,
    /// TP ÷ (TP + FN); `None` when the gold standard never uses the code.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall; `None` when either is undefined or both are 0.
    pub f1: Option<f64>,
    /// Cohen's kappa of the two codings over all passages; `None` when undefined.
    pub kappa: Option<f64>,
}

/// Where the automatic coding and the gold standard disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// The code.
    pub code: Arc<str>,
    /// The document.
    pub doc: Arc<str>,
    /// The passage.
    pub passage: usize,
    /// `true`: coded automatically, not in the gold standard (a false positive, with the hits
    /// that caused it); `false`: a miss.
    pub false_positive: bool,
    /// The hits behind a false positive.
    pub hits: Vec<Hit>,
    /// A false positive that a model gave or confirmed: its probability.
    pub probability: Option<f32>,
}

/// Means over codes of their figures (codes where a figure is undefined do not count).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MacroAverage {
    /// Mean precision.
    pub precision: Option<f64>,
    /// Mean recall.
    pub recall: Option<f64>,
    /// Mean F1.
    pub f1: Option<f64>,
    /// Mean kappa: the headline figure of coding validity.
    pub kappa: Option<f64>,
}

impl MacroAverage {
    fn of(codes: &[CodeEvaluation]) -> MacroAverage {
        let mean = |f: fn(&CodeEvaluation) -> Option<f64>| {
            let values: Vec<f64> = codes.iter().filter_map(f).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        MacroAverage {
            precision: mean(|c| c.precision),
            recall: mean(|c| c.recall),
            f1: mean(|c| c.f1),
            kappa: mean(|c| c.kappa),
        }
    }
}

/// The evaluation restricted to the passages of one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageEvaluation {
    /// The passages' language (`en`, `ru`, `kk`, `uk`), as detected.
    pub lang: &'static str,
    /// Passages in that language.
    pub passages: usize,
    /// Per code, over those passages.
    pub codes: Vec<CodeEvaluation>,
    /// Their macro average.
    pub macro_average: MacroAverage,
}

/// The evaluation of a codebook's automatic coding against a gold standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Passages evaluated.
    pub passages: usize,
    /// One entry per code the gold standard uses, codebook order first.
    pub codes: Vec<CodeEvaluation>,
    /// The mean over those codes.
    pub macro_average: MacroAverage,
    /// The same figures per language of the passages, in the order `en`, `ru`, `kk`, `uk`
    /// (languages without passages left out).
    pub by_lang: Vec<LanguageEvaluation>,
    /// Codes coded automatically that the gold standard never uses: not evaluated (a gold
    /// standard of top-level codes says nothing of sub-codes).
    pub not_in_gold: Vec<std::sync::Arc<str>>,
    /// Micro-averaged figures over all codes (pooled counts).
    pub overall: CodeEvaluation,
    /// Every passage where they disagree, by code then position.
    pub disagreements: Vec<Disagreement>,
    /// The gold standard codes top-level themes only, the codebook has sub-codes, and sub-codes
    /// were not rolled up: a passage coded with a sub-code counts as missing its theme, and the
    /// scores are far below what the codebook does. Evaluate again with `roll_up`.
    pub wants_roll_up: bool,
}

/// Evaluates `auto` against `gold`, two codings of the same documents and unit. With
/// `roll_up`, sub-codes count for their ancestors in both.
pub fn evaluate(auto: &Coding, gold: &Coding, codebook: &Codebook, roll_up: bool) -> Evaluation {
    let a = Incidence::new(auto, codebook, roll_up, OriginFilter::Any);
    let g = Incidence::new(gold, codebook, roll_up, OriginFilter::Any);
    let passages = a.passages();
    let (codes, not_in_gold) = evaluated_codes(&a, &g);
    let empty = super::PassageSet::new(passages);
    let set_of = |inc: &Incidence, code: &Arc<str>| {
        inc.code_index(code)
            .map_or_else(|| empty.clone(), |i| inc.sets[i].clone())
    };
    let pairs: Vec<(super::PassageSet, super::PassageSet)> = codes
        .iter()
        .map(|code| (set_of(&a, code), set_of(&g, code)))
        .collect();
    let mut every = super::PassageSet::new(passages);
    every.insert_range(0..passages);
    let (out, overall) = score(&codes, &pairs, &every);
    Evaluation {
        passages,
        wants_roll_up: wants_roll_up(gold, codebook, roll_up),
        macro_average: MacroAverage::of(&out),
        codes: out,
        by_lang: by_language(auto, &codes, &pairs, passages),
        not_in_gold,
        overall,
        disagreements: disagreements(auto, &a, &codes, &pairs, roll_up),
    }
}

/// The codes to score, those the gold uses (the automatic coding's order first), and the codes
/// the automatic coding gave that the gold never uses.
fn evaluated_codes(a: &Incidence, g: &Incidence) -> (Vec<Arc<str>>, Vec<Arc<str>>) {
    let used_in_gold = |c: &Arc<str>| g.code_index(c).is_some_and(|i| g.sets[i].count() > 0);
    let mut codes: Vec<Arc<str>> = a
        .codes
        .iter()
        .filter(|c| used_in_gold(c))
        .cloned()
        .collect();
    for c in &g.codes {
        if !codes.contains(c) && used_in_gold(c) {
            codes.push(c.clone());
        }
    }
    let not_in_gold = a
        .codes
        .iter()
        .enumerate()
        .filter(|(i, c)| a.sets[*i].count() > 0 && !used_in_gold(c))
        .map(|(_, c)| c.clone())
        .collect();
    (codes, not_in_gold)
}

/// The same figures within each language's passages (the language detected for each).
fn by_language(
    auto: &Coding,
    codes: &[Arc<str>],
    pairs: &[(super::PassageSet, super::PassageSet)],
    passages: usize,
) -> Vec<LanguageEvaluation> {
    let mut by_lang = Vec::new();
    for lang in crate::codebook::LANGUAGES {
        let mut within = super::PassageSet::new(passages);
        let wanted = crate::lang::code(Some(lang));
        let mut p = 0;
        for doc in &auto.documents {
            for (k, &l) in doc.langs.iter().enumerate() {
                if l == wanted {
                    within.insert(p + k);
                }
            }
            p += doc.passages;
        }
        if within.count() == 0 {
            continue;
        }
        let (figures, _) = score(codes, pairs, &within);
        by_lang.push(LanguageEvaluation {
            lang,
            passages: within.count(),
            macro_average: MacroAverage::of(&figures),
            codes: figures,
        });
    }
    by_lang
}

/// Every passage where the coding and the gold disagree on a code, in code order; a false
/// positive carries the hits (and a model's probability) that caused it.
fn disagreements(
    auto: &Coding,
    a: &Incidence,
    codes: &[Arc<str>],
    pairs: &[(super::PassageSet, super::PassageSet)],
    roll_up: bool,
) -> Vec<Disagreement> {
    let mut by_passage: HashMap<(&str, usize), Vec<&crate::coding::CodedSegment>> = HashMap::new();
    for seg in &auto.segments {
        by_passage
            .entry((&*seg.doc, seg.passage))
            .or_default()
            .push(seg);
    }
    let mut disagreements = Vec::new();
    for (code, (sa, sg)) in codes.iter().zip(pairs) {
        for p in sa.and_not(sg).iter().chain(sg.and_not(sa).iter()) {
            let (d, passage) = a.locate(p);
            let doc = auto.documents[d].id.clone();
            let false_positive = sa.contains(p);
            // With roll-up, a parent's hits are its sub-codes'.
            let behind: Vec<&crate::coding::CodedSegment> = if false_positive {
                by_passage
                    .get(&(&*doc, passage))
                    .into_iter()
                    .flatten()
                    .filter(|s| {
                        if roll_up {
                            crate::codebook::is_within(&s.code, code)
                        } else {
                            s.code == *code
                        }
                    })
                    .copied()
                    .collect()
            } else {
                Vec::new()
            };
            let explained = behind.iter().flat_map(|s| s.hits.iter().cloned()).collect();
            let probability = behind.iter().find_map(|s| match &s.origin {
                crate::coding::Origin::Model { probability, .. } => Some(probability.get()),
                _ => None,
            });
            disagreements.push(Disagreement {
                code: code.clone(),
                doc,
                passage,
                false_positive,
                hits: explained,
                probability,
            });
        }
    }
    disagreements.sort_by(|x, y| {
        (codes.iter().position(|c| *c == x.code), &x.doc, x.passage).cmp(&(
            codes.iter().position(|c| *c == y.code),
            &y.doc,
            y.passage,
        ))
    });
    disagreements
}

/// Whether the gold codes top-level themes only while the codebook has sub-codes that were not
/// rolled up: then the figures are far below what the codebook does.
fn wants_roll_up(gold: &Coding, codebook: &Codebook, roll_up: bool) -> bool {
    let gold_themes_only = !gold.segments.is_empty()
        && gold
            .segments
            .iter()
            .all(|s| codebook.code(&s.code).is_some_and(|c| c.parent().is_none()));
    !roll_up && gold_themes_only && codebook.codes().iter().any(|c| c.parent().is_some())
}

/// Figures per code over the passages in `within`, and pooled over the codes.
fn score(
    codes: &[Arc<str>],
    pairs: &[(super::PassageSet, super::PassageSet)],
    within: &super::PassageSet,
) -> (Vec<CodeEvaluation>, CodeEvaluation) {
    let units = within.count();
    let mut out = Vec::new();
    let (mut tp_all, mut fp_all, mut fn_all) = (0, 0, 0);
    let mut pooled = Ratings::new(2);
    for (code, (sa, sg)) in codes.iter().zip(pairs) {
        let (sa, sg) = (sa.and(within), sg.and(within));
        let tp = sa.count_and(&sg);
        let fp = sa.count() - tp;
        let fn_ = sg.count() - tp;
        let mut ratings = Ratings::new(2);
        for p in within.iter() {
            let cell = vec![
                Some(u32::from(sa.contains(p))),
                Some(u32::from(sg.contains(p))),
            ];
            pooled.push(cell.clone());
            ratings.push(cell);
        }
        out.push(figures(
            code.clone(),
            tp,
            fp,
            fn_,
            units,
            ratings.cohen_kappa(0, 1),
        ));
        tp_all += tp;
        fp_all += fp;
        fn_all += fn_;
    }
    let overall = figures(
        "(all codes)".into(),
        tp_all,
        fp_all,
        fn_all,
        units * codes.len(),
        pooled.cohen_kappa(0, 1),
    );
    (out, overall)
}

/// The figures of a code from its counts over `units` passages and its kappa.
pub(crate) fn figures(
    code: Arc<str>,
    tp: usize,
    fp: usize,
    fn_: usize,
    units: usize,
    kappa: Option<f64>,
) -> CodeEvaluation {
    let precision = (tp + fp > 0).then(|| ratio(tp, tp + fp));
    let recall = (tp + fn_ > 0).then(|| ratio(tp, tp + fn_));
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        _ => None,
    };
    CodeEvaluation {
        code,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        true_negatives: units - tp - fp - fn_,
        precision,
        recall,
        f1,
        kappa,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::coding::Coder;
    use crate::corpus::{Corpus, Document};

    #[test]
    fn counts_and_figures_by_hand() {
        let cb = Codebook::builder("t")
            .code(Code::new("bd", "bd").pattern(Pattern::phrase("brain drain")))
            .build()
            .unwrap();
        let corpus = Corpus::from_documents([Document::new(
            "d",
            "brain drain here\n\nbrain drain again\n\ntalent leaves\n\nnothing\n\nnothing",
        )]);
        let auto = Coder::new(&cb).unwrap().code_corpus(&corpus);
        let mut gold = Coding::empty(&corpus, crate::Unit::Paragraph);
        let doc = corpus.document("d").unwrap();
        gold.add_manual(doc, 0, 16, "bd", "gold", None).unwrap();
        gold.add_manual(doc, 37, 50, "bd", "gold", None).unwrap();
        let e = evaluate(&auto, &gold, &cb, false);
        let bd = &e.codes[0];
        assert_eq!(
            (
                bd.true_positives,
                bd.false_positives,
                bd.false_negatives,
                bd.true_negatives
            ),
            (1, 1, 1, 2)
        );
        assert_eq!(
            (bd.precision, bd.recall, bd.f1),
            (Some(0.5), Some(0.5), Some(0.5))
        );
        // po = 3/5, pe = 0.4*0.4 + 0.6*0.6 = 0.52: kappa = 0.08 / 0.48.
        assert!((bd.kappa.unwrap() - 0.08 / 0.48).abs() < 1e-12);
        assert_eq!(e.disagreements.len(), 2);
        let fp = e.disagreements.iter().find(|d| d.false_positive).unwrap();
        assert_eq!((fp.passage, &*fp.hits[0].pattern), (1, "brain drain"));
        assert!(
            e.disagreements
                .iter()
                .any(|d| !d.false_positive && d.passage == 2)
        );
    }
}
