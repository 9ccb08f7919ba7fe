//! Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha.
//!
//! The statistics work on [`Ratings`]: units (passages) × coders, each cell a nominal category
//! or missing. They are computed exactly as scikit-learn's `cohen_kappa_score` and the PyPI
//! package `krippendorff` compute them; `tests/oracles/` holds the script that produced the
//! expected values the tests compare against.
//!
//! Between codings, [`passage_agreement`] rates every passage, per code, as coded (1) or not (0)
//! by each coder; [`segment_agreement`] compares the coded segments themselves, MAXQDA's way: a
//! segment agrees when the other coder coded an overlapping segment of the same code whose
//! overlap is at least a given share of the two segments' union.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{Incidence, OriginFilter, PassageSet};
use crate::codebook::Codebook;
use crate::coding::{Coding, Origin, Record};

/// Nominal ratings: for each unit, one optional category per coder (`None`: not rated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratings {
    coders: usize,
    units: Vec<Vec<Option<u32>>>,
}

impl Ratings {
    /// Empty ratings for `coders` coders.
    pub fn new(coders: usize) -> Ratings {
        Ratings {
            coders,
            units: Vec::new(),
        }
    }

    /// Ratings from rows of units.
    ///
    /// # Panics
    /// If a row does not have one cell per coder.
    pub fn from_units(coders: usize, units: Vec<Vec<Option<u32>>>) -> Ratings {
        assert!(
            units.iter().all(|u| u.len() == coders),
            "every unit needs one rating per coder"
        );
        Ratings { coders, units }
    }

    /// Adds one unit's ratings, one per coder.
    ///
    /// # Panics
    /// If `ratings` does not have one cell per coder.
    pub fn push(&mut self, ratings: Vec<Option<u32>>) {
        assert_eq!(ratings.len(), self.coders, "one rating per coder");
        self.units.push(ratings);
    }

    /// Number of coders.
    pub fn coders(&self) -> usize {
        self.coders
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Are there no units?
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Units rated by at least two coders (the pairable ones).
    pub fn pairable(&self) -> usize {
        self.units
            .iter()
            .filter(|u| u.iter().flatten().count() >= 2)
            .count()
    }

    /// Percent agreement (0 to 1): over every pair of coders and every unit both rated, the
    /// share of pairs that agree. `None` when no unit was rated twice.
    pub fn percent_agreement(&self) -> Option<f64> {
        let (mut agree, mut pairs) = (0u64, 0u64);
        for unit in &self.units {
            let rated: Vec<u32> = unit.iter().flatten().copied().collect();
            for i in 0..rated.len() {
                for j in i + 1..rated.len() {
                    pairs += 1;
                    agree += u64::from(rated[i] == rated[j]);
                }
            }
        }
        (pairs > 0).then(|| agree as f64 / pairs as f64)
    }

    /// Cohen's kappa of coders `a` and `b` over the units both rated. `None` when fewer than one
    /// such unit, or when chance agreement is 1 (kappa is undefined; scikit-learn gives NaN).
    pub fn cohen_kappa(&self, a: usize, b: usize) -> Option<f64> {
        let pairs: Vec<(u32, u32)> = self
            .units
            .iter()
            .filter_map(|u| Some((u[a]?, u[b]?)))
            .collect();
        let n = pairs.len() as f64;
        if pairs.is_empty() {
            return None;
        }
        let mut categories: Vec<u32> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
        categories.sort_unstable();
        categories.dedup();
        let observed = pairs.iter().filter(|(x, y)| x == y).count() as f64 / n;
        let expected: f64 = categories
            .iter()
            .map(|&k| {
                let pa = pairs.iter().filter(|(x, _)| *x == k).count() as f64 / n;
                let pb = pairs.iter().filter(|(_, y)| *y == k).count() as f64 / n;
                pa * pb
            })
            .sum();
        if expected >= 1.0 {
            return None;
        }
        Some((observed - expected) / (1.0 - expected))
    }

    /// Krippendorff's alpha for nominal data, any number of coders, missing ratings allowed.
    /// Units rated fewer than twice are left out. `None` when there is no pairable unit or all
    /// pairable ratings are one category (expected disagreement 0: alpha is undefined).
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        // Coincidence counts o[c][k], built from every ordered pair of ratings in a unit, each
        // weighted 1 / (m_u - 1).
        let mut categories: Vec<u32> = self.units.iter().flatten().flatten().copied().collect();
        categories.sort_unstable();
        categories.dedup();
        let index = |c: u32| categories.binary_search(&c).expect("collected above");
        let k = categories.len();
        let mut o = vec![0.0f64; k * k];
        for unit in &self.units {
            let rated: Vec<usize> = unit.iter().flatten().map(|&c| index(c)).collect();
            let m = rated.len();
            if m < 2 {
                continue;
            }
            let w = 1.0 / (m - 1) as f64;
            for i in 0..m {
                for j in 0..m {
                    if i != j {
                        o[rated[i] * k + rated[j]] += w;
                    }
                }
            }
        }
        let marginals: Vec<f64> = (0..k).map(|c| (0..k).map(|d| o[c * k + d]).sum()).collect();
        let n: f64 = marginals.iter().sum();
        if n <= 1.0 {
            return None;
        }
        let observed: f64 = (0..k)
            .flat_map(|c| (0..k).filter(move |&d| d != c).map(move |d| (c, d)))
            .map(|(c, d)| o[c * k + d])
            .sum();
        let expected: f64 = (0..k)
            .flat_map(|c| (0..k).filter(move |&d| d != c).map(move |d| (c, d)))
            .map(|(c, d)| marginals[c] * marginals[d])
            .sum::<f64>()
            / (n - 1.0);
        if expected == 0.0 {
            return None;
        }
        Some(1.0 - observed / expected)
    }
}

/// Which passages a coder is taken to have rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coverage {
    /// Every passage of every document: a passage a coder did not code is rated "not coded".
    #[default]
    All,
    /// Only the documents where the coder coded something; elsewhere the rating is missing
    /// (for coders who each took part of the corpus).
    CodedDocuments,
}

/// Agreement on one code (or, pooled, on all).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeAgreement {
    /// The code, or `(all codes)`.
    pub code: Arc<str>,
    /// Passages rated by at least two coders.
    pub units: usize,
    /// Passages each coder coded with it.
    pub coded: Vec<usize>,
    /// Percent agreement (0 to 1).
    pub percent: Option<f64>,
    /// Cohen's kappa, for exactly two coders.
    pub kappa: Option<f64>,
    /// Krippendorff's alpha (nominal).
    pub alpha: Option<f64>,
}

/// Agreement between codings at the passage level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    /// The coders, in the order of the codings.
    pub coders: Vec<String>,
    /// Per code: every code some coder used, codebook order first.
    pub codes: Vec<CodeAgreement>,
    /// Pooled over every (passage, code) decision.
    pub overall: CodeAgreement,
}

/// Passage-level agreement of `codings` (one per coder, all of the same documents and unit).
pub fn passage_agreement(
    codings: &[&Coding],
    coders: &[String],
    codebook: &Codebook,
    roll_up: bool,
    coverage: Coverage,
) -> AgreementReport {
    let incidences: Vec<Incidence> = codings
        .iter()
        .map(|c| Incidence::new(c, codebook, roll_up, OriginFilter::Any))
        .collect();
    let mut codes: Vec<Arc<str>> = Vec::new();
    for inc in &incidences {
        for (i, c) in inc.codes.iter().enumerate() {
            if !codes.contains(c) && (inc.sets[i].count() > 0 || codebook.code(c).is_some()) {
                codes.push(c.clone());
            }
        }
    }
    let passages = incidences.first().map_or(0, Incidence::passages);
    let empty = PassageSet::new(passages);
    // The passages each coder rated.
    let rated: Vec<PassageSet> = incidences
        .iter()
        .zip(codings)
        .map(|(inc, coding)| {
            let mut set = PassageSet::new(passages);
            for d in 0..inc.documents() {
                let coded = coding
                    .segments
                    .iter()
                    .any(|s| s.doc == coding.documents[d].id);
                if coverage == Coverage::All || coded {
                    set.insert_range(inc.doc_starts[d]..inc.doc_starts[d + 1]);
                }
            }
            set
        })
        .collect();
    let mut pooled = Ratings::new(codings.len());
    let mut per_code = Vec::new();
    for code in &codes {
        let sets: Vec<&PassageSet> = incidences
            .iter()
            .map(|inc| inc.code_index(code).map_or(&empty, |i| &inc.sets[i]))
            .collect();
        let mut ratings = Ratings::new(codings.len());
        for p in 0..passages {
            let row: Vec<Option<u32>> = sets
                .iter()
                .zip(&rated)
                .map(|(s, r)| r.contains(p).then(|| u32::from(s.contains(p))))
                .collect();
            pooled.push(row.clone());
            ratings.push(row);
        }
        per_code.push(summarise(
            code.clone(),
            &ratings,
            sets.iter().map(|s| s.count()).collect(),
        ));
    }
    let totals = (0..codings.len())
        .map(|c| per_code.iter().map(|a| a.coded[c]).sum())
        .collect();
    AgreementReport {
        coders: coders.to_vec(),
        overall: summarise("(all codes)".into(), &pooled, totals),
        codes: per_code,
    }
}

fn summarise(code: Arc<str>, ratings: &Ratings, coded: Vec<usize>) -> CodeAgreement {
    CodeAgreement {
        code,
        units: ratings.pairable(),
        coded,
        percent: ratings.percent_agreement(),
        kappa: (ratings.coders() == 2)
            .then(|| ratings.cohen_kappa(0, 1))
            .flatten(),
        alpha: ratings.krippendorff_alpha(),
    }
}

/// Segment-level agreement on one code between two coders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentAgreement {
    /// The code.
    pub code: Arc<str>,
    /// Segments of the first coder, and of the second.
    pub segments: [usize; 2],
    /// Of those, how many found a counterpart in the other coding.
    pub agreeing: [usize; 2],
    /// Agreeing segments ÷ all segments, both coders together (MAXQDA's percentage).
    pub percent: Option<f64>,
}

/// Segment-level agreement of two codings: a segment agrees when the other coding has a
/// segment of the same code in the same document whose overlap with it is at least
/// `min_overlap` (0 to 1) of their union, in characters.
pub fn segment_agreement(a: &Coding, b: &Coding, min_overlap: f64) -> Vec<SegmentAgreement> {
    let mut codes: Vec<Arc<str>> = Vec::new();
    for s in a.segments.iter().chain(&b.segments) {
        if !codes.contains(&s.code) {
            codes.push(s.code.clone());
        }
    }
    let matches = |s: &crate::coding::CodedSegment, other: &Coding| {
        other.segments.iter().any(|o| {
            o.doc == s.doc && o.code == s.code && {
                let inter = s.end.min(o.end).saturating_sub(s.start.max(o.start));
                let union = s.end.max(o.end) - s.start.min(o.start);
                inter > 0 && inter as f64 >= min_overlap * union as f64
            }
        })
    };
    codes
        .into_iter()
        .map(|code| {
            let of = |c: &Coding| c.segments.iter().filter(|s| s.code == code).count();
            let agree = |c: &Coding, other: &Coding| {
                c.segments
                    .iter()
                    .filter(|s| s.code == code && matches(s, other))
                    .count()
            };
            let segments = [of(a), of(b)];
            let agreeing = [agree(a, b), agree(b, a)];
            SegmentAgreement {
                percent: (segments[0] + segments[1] > 0).then(|| {
                    (agreeing[0] + agreeing[1]) as f64 / (segments[0] + segments[1]) as f64
                }),
                code,
                segments,
                agreeing,
            }
        })
        .collect()
}

/// The name a coding file's coder goes by in agreement tables: the one coder of all its
/// records (or their one origin, `auto` or `model`, when none is manual), else, for a file of
/// several coders or none, the file's name without its extension.
pub fn coder_name(records: &[Record], path: &Path) -> String {
    let mut names: Vec<&str> = records
        .iter()
        .map(|r| match &r.segment.origin {
            Origin::Manual { coder } => coder.as_str(),
            other => other.as_str(),
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [one] => one.to_string(),
        _ => path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two(a: &[u32], b: &[u32]) -> Ratings {
        Ratings::from_units(
            2,
            a.iter()
                .zip(b)
                .map(|(&x, &y)| vec![Some(x), Some(y)])
                .collect(),
        )
    }

    #[test]
    fn kappa_of_a_textbook_table() {
        // 50 units: both yes 20, a yes b no 5, a no b yes 10, both no 15.
        let mut a = vec![1; 25];
        a.extend(vec![0; 25]);
        let mut b = vec![1; 20];
        b.extend(vec![0; 5]);
        b.extend(vec![1; 10]);
        b.extend(vec![0; 15]);
        let r = two(&a, &b);
        // po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
        assert!((r.cohen_kappa(0, 1).unwrap() - 0.4).abs() < 1e-12);
        assert!((r.percent_agreement().unwrap() - 0.7).abs() < 1e-12);
    }

    #[test]
    fn perfect_and_undefined_agreement() {
        let r = two(&[1, 0, 1], &[1, 0, 1]);
        assert_eq!(r.cohen_kappa(0, 1), Some(1.0));
        assert_eq!(r.krippendorff_alpha(), Some(1.0));
        let constant = two(&[1, 1], &[1, 1]);
        assert_eq!(constant.cohen_kappa(0, 1), None);
        assert_eq!(constant.krippendorff_alpha(), None);
        assert_eq!(Ratings::new(2).percent_agreement(), None);
    }

    #[test]
    fn alpha_of_krippendorffs_own_example() {
        // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example:
        // 4 coders, 12 units, missing data; alpha = 0.743.
        let data: [[Option<u32>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                None,
                None,
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                None,
                Some(3),
            ],
            [
                None,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
        ];
        let units = (0..12)
            .map(|u| (0..4).map(|c| data[c][u]).collect())
            .collect();
        let alpha = Ratings::from_units(4, units).krippendorff_alpha().unwrap();
        assert!((alpha - 0.743).abs() < 0.0005, "{alpha}");
    }

    fn codings() -> (Codebook, crate::Corpus, Coding, Coding) {
        use crate::{Code, Corpus, Document, Unit};
        let cb = Codebook::builder("t")
            .code(Code::new("bd", "bd"))
            .code(Code::new("rp", "rp"))
            .build()
            .unwrap();
        let corpus = Corpus::from_documents([
            Document::new("d1", "one\n\ntwo\n\nthree\n\nfour"),
            Document::new("d2", "five\n\nsix"),
        ]);
        let d1 = corpus.document("d1").unwrap();
        let mut a = Coding::empty(&corpus, Unit::Paragraph);
        a.add_manual(d1, 0, 3, "bd", "a", None).unwrap();
        a.add_manual(d1, 5, 8, "bd", "a", None).unwrap();
        a.add_manual(d1, 10, 15, "rp", "a", None).unwrap();
        let mut b = Coding::empty(&corpus, Unit::Paragraph);
        b.add_manual(d1, 0, 2, "bd", "b", None).unwrap();
        b.add_manual(d1, 10, 15, "bd", "b", None).unwrap();
        b.add_manual(d1, 10, 15, "rp", "b", None).unwrap();
        (cb, corpus, a, b)
    }

    #[test]
    fn passage_agreement_of_two_codings() {
        let (cb, _, a, b) = codings();
        let names = ["a".to_string(), "b".to_string()];
        let r = passage_agreement(&[&a, &b], &names, &cb, false, Coverage::All);
        // bd over 6 passages: a = {0, 1}, b = {0, 2}: agree on 0, 3, 4, 5.
        let bd = &r.codes[0];
        assert_eq!((bd.units, bd.coded.clone()), (6, vec![2, 2]));
        assert!((bd.percent.unwrap() - 4.0 / 6.0).abs() < 1e-12);
        // po = 4/6, pe = (2/6)^2 + (4/6)^2 = 20/36: kappa = (24/36 - 20/36) / (16/36) = 0.25.
        assert!((bd.kappa.unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(r.codes[1].percent, Some(1.0));
        assert_eq!(r.overall.units, 12);
        // Only d1 coded by each: d2's passages become missing.
        let r = passage_agreement(&[&a, &b], &names, &cb, false, Coverage::CodedDocuments);
        assert_eq!(r.codes[0].units, 4);
    }

    #[test]
    fn coders_are_named_after_themselves_or_their_file() {
        let (_, _, a, b) = codings();
        let records = |coding: &Coding| -> Vec<Record> {
            coding
                .segments
                .iter()
                .map(|s| Record {
                    segment: s.clone(),
                    text: None,
                    line: 1,
                })
                .collect()
        };
        let path = Path::new("team/round-2.jsonl");
        assert_eq!(coder_name(&records(&a), path), "a");
        let mut both = records(&a);
        both.extend(records(&b));
        assert_eq!(coder_name(&both, path), "round-2");
        assert_eq!(coder_name(&[], path), "round-2");
        let mut machine = records(&a);
        for r in &mut machine {
            r.segment.origin = Origin::Auto;
        }
        assert_eq!(coder_name(&machine, path), "auto");
    }

    #[test]
    fn segment_agreement_needs_enough_overlap() {
        let (_, _, a, b) = codings();
        let s = segment_agreement(&a, &b, 0.6);
        let bd = s.iter().find(|x| &*x.code == "bd").unwrap();
        // a's 0..3 and b's 0..2 overlap 2 of 3 (0.67); a's 5..8 and b's 10..15 have no match.
        assert_eq!((bd.segments, bd.agreeing), ([2, 2], [1, 1]));
        assert_eq!(bd.percent, Some(0.5));
        let strict = segment_agreement(&a, &b, 0.9);
        assert_eq!(
            strict.iter().find(|x| &*x.code == "bd").unwrap().agreeing,
            [0, 0]
        );
    }
}
