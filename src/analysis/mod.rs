//! Tables from a coding: code frequencies, co-occurrence, codes by document, crosstabs by
//! metadata, agreement between coders.
//!
//! * **Frequencies**, per code: hits, passages coded, documents coded, and the share of all
//!   passages coded.
//! * **Co-occurrence**, per pair of codes, in a chosen [`CooccurrenceUnit`]: units coded with
//!   both, the Jaccard index (ATLAS.ti's c-coefficient: both ÷ either), the conditional shares
//!   P(B|A) and P(A|B), lift and PMI; and the same pair counted over documents.
//! * **Code × document**: passages and hits of each code in each document (MAXQDA's Code
//!   Matrix Browser), and [crosstabs](crosstab) by any metadata field.
//!
//! By default codes are counted as coded: a sub-code's passages are not added to its parent's
//! ([`TableOptions::roll_up`] adds them). A passage coded twice with one code (automatically and
//! by hand) counts once.
//!
//! [`render`] lays these tables out, and the [evaluation](evaluate) and [agreement] figures, as
//! the aligned tables, CSV and JSON the command line prints.

pub mod agreement;
pub mod crosstab;
pub mod evaluate;
pub mod incidence;
mod proximity;
pub mod render;
pub mod retrieve;
pub mod summary;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

use crate::codebook::{Codebook, is_within};
use crate::coding::Coding;
use crate::corpus::Corpus;
pub use incidence::{Incidence, OriginFilter, PassageSet};

/// What counts as "together" for co-occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CooccurrenceUnit {
    /// Both codes on the same passage.
    #[default]
    Passage,
    /// Both codes in the same document.
    Document,
    /// Both codes within `n` passages of a passage (of the same document): each passage stands
    /// for itself and its `n` neighbours on either side. `Window(0)` is `Passage`.
    Window(usize),
    /// Both codes in the same passage with hits at most `n` words apart (`Words(0)`: hits that
    /// touch or overlap), counted in passages. A hand-coded segment, which has no hits, counts
    /// as one hit over its span. It needs the documents' text: [`Tables::compute_in`] and
    /// [`Analysis`](crate::Analysis) have it; [`Tables::compute_with`], without text, counts
    /// by [`CooccurrenceUnit::Passage`] and says so in [`Tables::options`].
    Words(usize),
}

impl CooccurrenceUnit {
    /// The name of what is counted, for column headers: `passages`, `documents`, `windows`.
    pub fn counted(self) -> &'static str {
        match self {
            CooccurrenceUnit::Passage => "passages",
            CooccurrenceUnit::Document => "documents",
            CooccurrenceUnit::Window(_) => "windows",
            CooccurrenceUnit::Words(_) => "passages",
        }
    }
}

impl fmt::Display for CooccurrenceUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CooccurrenceUnit::Passage => f.write_str("passage"),
            CooccurrenceUnit::Document => f.write_str("document"),
            CooccurrenceUnit::Window(n) => write!(f, "window:{n}"),
            CooccurrenceUnit::Words(n) => write!(f, "words:{n}"),
        }
    }
}

impl FromStr for CooccurrenceUnit {
    type Err = crate::Error;

    /// `passage`, `document`, `window:N` (N passages either side) or `words:N` (hits at most N
    /// words apart in a passage).
    fn from_str(s: &str) -> crate::Result<CooccurrenceUnit> {
        let number = |prefix: &str| s.strip_prefix(prefix).and_then(|n| n.parse().ok());
        match s {
            "passage" => Ok(CooccurrenceUnit::Passage),
            "document" => Ok(CooccurrenceUnit::Document),
            _ => number("window:")
                .map(CooccurrenceUnit::Window)
                .or_else(|| number("words:").map(CooccurrenceUnit::Words))
                .ok_or_else(|| {
                    crate::Error::Invalid(format!(
                        "unknown co-occurrence unit {s:?}: expected passage, document, window:N or words:N"
                    ))
                }),
        }
    }
}

/// How the tables are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// The co-occurrence unit.
    pub unit: CooccurrenceUnit,
    /// Count a sub-code's passages for its ancestors too.
    pub roll_up: bool,
    /// Which codings count.
    pub origin: OriginFilter,
    /// Count only passages in this language (`en`, `ru`, `kk`, `uk`).
    pub lang: Option<&'static str>,
}

/// One row of the frequency table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequency {
    /// The code's path.
    pub code: Arc<str>,
    /// Its label.
    pub label: String,
    /// Passages coded with it.
    pub passages: usize,
    /// Documents with at least one passage coded with it.
    pub documents: usize,
    /// Hits of its patterns in those passages.
    pub hits: usize,
    /// `passages` as a share of all passages (0 to 1).
    pub share: f64,
    /// Passages coded with it or any of its sub-codes (equal to `passages` for a code without
    /// sub-codes, and whenever the table rolls up).
    pub passages_with_subcodes: usize,
    /// Documents coded with it or any of its sub-codes.
    pub documents_with_subcodes: usize,
}

/// One pair of the co-occurrence table (`code_a` before `code_b` in codebook order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    /// The first code.
    pub code_a: Arc<str>,
    /// The second code.
    pub code_b: Arc<str>,
    /// Units (passages, documents or windows, as the table's unit says) with both codes.
    pub passages: usize,
    /// Jaccard index: both ÷ either.
    pub jaccard: f64,
    /// Share of A's units that also have B.
    pub p_b_given_a: f64,
    /// Share of B's units that also have A.
    pub p_a_given_b: f64,
    /// Observed ÷ expected under independence: both × units ÷ (A × B).
    pub lift: f64,
    /// Pointwise mutual information, log₂ lift; `None` when the codes never co-occur.
    pub pmi: Option<f64>,
    /// Documents coded with both.
    pub documents: usize,
    /// Jaccard index over documents.
    pub document_jaccard: f64,
    /// Is one code a sub-code (at any depth) of the other? Such pairs co-occur by construction.
    pub nested: bool,
}

/// One cell of the code × document table (only cells with a coded passage are listed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentCell {
    /// The document's id.
    pub doc: Arc<str>,
    /// The code's path.
    pub code: Arc<str>,
    /// Passages of the document coded with the code.
    pub passages: usize,
    /// Hits.
    pub hits: usize,
    /// `passages` as a share of the document's passages.
    pub share: f64,
}

/// The tables of an analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tables {
    /// How they were computed.
    #[serde(skip)]
    pub options: TableOptions,
    /// Total passages.
    pub passages: usize,
    /// Total documents.
    pub documents: usize,
    /// One row per code of the codebook, in codebook order (codes never coded included).
    pub frequencies: Vec<Frequency>,
    /// Every pair of codes that share at least one document.
    pub cooccurrence: Vec<Cooccurrence>,
    /// Code × document cells.
    pub by_document: Vec<DocumentCell>,
}

impl Tables {
    /// Computes the tables of `coding` for the codes of `codebook`, with the default options:
    /// co-occurrence in the same passage, codes counted as coded, every origin. Codes in the
    /// coding but not in the codebook (manual codes) are listed after the codebook's.
    pub fn compute(coding: &Coding, codebook: &Codebook) -> Tables {
        Tables::compute_with(coding, codebook, TableOptions::default())
    }

    /// Computes the tables with the given options. Without the documents' text, word-distance
    /// co-occurrence ([`CooccurrenceUnit::Words`]) is counted per passage; use
    /// [`Tables::compute_in`] for it.
    pub fn compute_with(coding: &Coding, codebook: &Codebook, options: TableOptions) -> Tables {
        Tables::compute_in(coding, codebook, options, None)
    }

    /// Computes the tables with the given options, with the coded documents' text at hand for
    /// [`CooccurrenceUnit::Words`].
    pub fn compute_in(
        coding: &Coding,
        codebook: &Codebook,
        options: TableOptions,
        corpus: Option<&Corpus>,
    ) -> Tables {
        let mut options = options;
        if corpus.is_none() && matches!(options.unit, CooccurrenceUnit::Words(_)) {
            options.unit = CooccurrenceUnit::Passage;
        }
        let inc = Incidence::filtered(
            coding,
            codebook,
            options.roll_up,
            options.origin,
            options.lang,
        );
        let docs: Vec<PassageSet> = inc.sets.iter().map(|s| inc.documents_of(s)).collect();
        let total = inc.counted_passages();
        // A parent's reach with its sub-codes, whatever the table counts.
        let rolled = if options.roll_up {
            None
        } else {
            Some(Incidence::filtered(
                coding,
                codebook,
                true,
                options.origin,
                options.lang,
            ))
        };
        let rolled_sets = rolled.as_ref().map_or(&inc.sets, |r| &r.sets);

        Tables {
            passages: total,
            documents: (0..inc.documents())
                .filter(|&d| inc.counted_in(d) > 0)
                .count(),
            frequencies: frequencies(&inc, &docs, rolled_sets, total),
            cooccurrence: cooccurrence(coding, corpus, &inc, &docs, &options, total),
            by_document: by_document(coding, &inc, &options),
            options,
        }
    }

    /// The strongest co-occurrences between codes that are not nested in each other: by
    /// Jaccard index, then by count, at most `limit`. Pairs seen together fewer than
    /// [`MIN_SUPPORT`] times are left out: a Jaccard index of two rare codes says little.
    pub fn strongest_pairs(&self, limit: usize) -> Vec<&Cooccurrence> {
        self.strongest_pairs_where(limit, |p| !p.nested)
    }

    /// Like [`Tables::strongest_pairs`], among the pairs `keep` accepts.
    pub fn strongest_pairs_where(
        &self,
        limit: usize,
        keep: impl Fn(&Cooccurrence) -> bool,
    ) -> Vec<&Cooccurrence> {
        let kept: Vec<&Cooccurrence> = self.cooccurrence.iter().filter(|p| keep(p)).collect();
        let min = if kept.iter().any(|p| p.passages >= MIN_SUPPORT) {
            MIN_SUPPORT
        } else {
            1
        };
        let mut pairs: Vec<&Cooccurrence> =
            kept.into_iter().filter(|p| p.passages >= min).collect();
        pairs.sort_by(|x, y| {
            y.jaccard
                .total_cmp(&x.jaccard)
                .then(y.passages.cmp(&x.passages))
        });
        pairs.truncate(limit);
        pairs
    }

    /// The co-occurrence counts as a square matrix in code order: cell (a, b) is the units
    /// coded with both, the diagonal the units coded with each.
    pub fn cooccurrence_matrix(&self) -> Vec<Vec<usize>> {
        let index: HashMap<&str, usize> = self
            .frequencies
            .iter()
            .enumerate()
            .map(|(i, f)| (&*f.code, i))
            .collect();
        let n = self.frequencies.len();
        let mut m = vec![vec![0; n]; n];
        for (i, f) in self.frequencies.iter().enumerate() {
            m[i][i] = match self.options.unit {
                CooccurrenceUnit::Document => f.documents,
                _ => f.passages,
            };
        }
        for p in &self.cooccurrence {
            let (a, b) = (index[&*p.code_a], index[&*p.code_b]);
            m[a][b] = p.passages;
            m[b][a] = p.passages;
        }
        m
    }
}

/// Per code: its passages, documents, hits and share, and its reach with its sub-codes
/// (`rolled`: the sets rolled up, or the table's own when they are).
fn frequencies(
    inc: &Incidence,
    docs: &[PassageSet],
    rolled: &[PassageSet],
    total: usize,
) -> Vec<Frequency> {
    let n = inc.codes.len();
    (0..n)
        .map(|c| Frequency {
            code: inc.codes[c].clone(),
            label: inc.labels[c].clone(),
            passages: inc.sets[c].count(),
            documents: docs[c].count(),
            hits: inc.hits[c],
            share: ratio(inc.sets[c].count(), total),
            passages_with_subcodes: rolled[c].count(),
            documents_with_subcodes: inc.documents_of(&rolled[c]).count(),
        })
        .collect()
}

/// Per pair of codes seen in one document at least: passages (or documents, windows, nearby
/// hits, as `options.unit` says) with both, and the measures built on them.
fn cooccurrence(
    coding: &Coding,
    corpus: Option<&Corpus>,
    inc: &Incidence,
    docs: &[PassageSet],
    options: &TableOptions,
    total: usize,
) -> Vec<Cooccurrence> {
    let n = inc.codes.len();
    let (units, universe): (Vec<PassageSet>, usize) = match options.unit {
        CooccurrenceUnit::Passage => (inc.sets.clone(), total),
        CooccurrenceUnit::Document => (
            docs.to_vec(),
            (0..inc.documents())
                .filter(|&d| inc.counted_in(d) > 0)
                .count(),
        ),
        CooccurrenceUnit::Window(w) => (inc.sets.iter().map(|s| inc.widen(s, w)).collect(), total),
        CooccurrenceUnit::Words(_) => (inc.sets.clone(), total),
    };
    let near = match (options.unit, corpus) {
        (CooccurrenceUnit::Words(n), Some(corpus)) => Some(proximity::passages_with_near_hits(
            coding,
            corpus,
            inc,
            options.origin,
            n,
        )),
        _ => None,
    };
    let sizes: Vec<usize> = units.iter().map(PassageSet::count).collect();
    let doc_sizes: Vec<usize> = docs.iter().map(PassageSet::count).collect();
    let mut cooccurrence = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let both_docs = docs[a].count_and(&docs[b]);
            if both_docs == 0 {
                continue;
            }
            let both = match &near {
                Some(near) => near.get(&(a, b)).copied().unwrap_or(0),
                None => units[a].count_and(&units[b]),
            };
            let lift = ratio(both * universe, sizes[a] * sizes[b]);
            cooccurrence.push(Cooccurrence {
                code_a: inc.codes[a].clone(),
                code_b: inc.codes[b].clone(),
                passages: both,
                jaccard: ratio(both, sizes[a] + sizes[b] - both),
                p_b_given_a: ratio(both, sizes[a]),
                p_a_given_b: ratio(both, sizes[b]),
                lift,
                pmi: (both > 0).then(|| lift.log2()),
                documents: both_docs,
                document_jaccard: ratio(both_docs, doc_sizes[a] + doc_sizes[b] - both_docs),
                nested: is_within(&inc.codes[a], &inc.codes[b])
                    || is_within(&inc.codes[b], &inc.codes[a]),
            });
        }
    }
    cooccurrence
}

/// Per document and code: passages, hits and the share of the document's passages.
fn by_document(coding: &Coding, inc: &Incidence, options: &TableOptions) -> Vec<DocumentCell> {
    let n = inc.codes.len();
    // Hits per (document, code) need the segments themselves.
    let mut cell_hits: HashMap<(usize, usize), usize> = HashMap::new();
    for seg in &coding.segments {
        if !options.origin.admits(&seg.origin) {
            continue;
        }
        if let Some(d) = inc.document_index(&seg.doc) {
            let global = inc.doc_starts[d] + seg.passage;
            if inc.counted.as_ref().is_some_and(|m| !m.contains(global)) {
                continue;
            }
            for &t in inc.counted_for(&seg.code) {
                *cell_hits.entry((d, t)).or_default() += seg.hits.len();
            }
        }
    }
    let mut by_document = Vec::new();
    let mut per_doc = vec![vec![0usize; n]; coding.documents.len()];
    for (c, set) in inc.sets.iter().enumerate() {
        for p in set.iter() {
            per_doc[inc.locate(p).0][c] += 1;
        }
    }
    for (d, doc) in coding.documents.iter().enumerate() {
        for (c, &passages) in per_doc[d].iter().enumerate() {
            if passages > 0 {
                by_document.push(DocumentCell {
                    doc: doc.id.clone(),
                    code: inc.codes[c].clone(),
                    passages,
                    hits: cell_hits.get(&(d, c)).copied().unwrap_or(0),
                    share: ratio(passages, inc.counted_in(d)),
                });
            }
        }
    }
    by_document
}

/// The fewest units a pair must share to be listed by [`Tables::strongest_pairs`] (unless no
/// pair has that many).
pub const MIN_SUPPORT: usize = 5;

pub(crate) fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::coding::Coder;
    use crate::corpus::{Corpus, Document};

    fn fixture() -> (Codebook, Coding) {
        let cb = Codebook::builder("t")
            .code(Code::new("a", "A").pattern(Pattern::phrase("alpha")))
            .code(Code::new("a/x", "X").pattern(Pattern::phrase("xi")))
            .code(Code::new("b", "B").pattern(Pattern::phrase("beta")))
            .build()
            .unwrap();
        let corpus = Corpus::from_documents([
            Document::new("d1", "alpha beta alpha\n\nalpha xi\n\nnone"),
            Document::new("d2", "beta\n\nbeta"),
        ]);
        let coding = Coder::new(&cb).unwrap().code_corpus(&corpus);
        (cb, coding)
    }

    #[test]
    fn frequencies_and_cooccurrence_by_hand() {
        let (cb, coding) = fixture();
        let t = Tables::compute(&coding, &cb);
        assert_eq!(t.passages, 5);
        let f: Vec<_> = t
            .frequencies
            .iter()
            .map(|f| (&*f.code, f.passages, f.documents, f.hits))
            .collect();
        assert_eq!(f, [("a", 2, 1, 3), ("a/x", 1, 1, 1), ("b", 3, 2, 3)]);
        assert_eq!(t.frequencies[2].share, 0.6);
        let ab = t
            .cooccurrence
            .iter()
            .find(|p| &*p.code_a == "a" && &*p.code_b == "b")
            .unwrap();
        // a in {d1p0, d1p1}, b in {d1p0, d2p0, d2p1}: both 1, either 4, of 5 passages.
        assert_eq!(
            (ab.passages, ab.jaccard, ab.documents, ab.document_jaccard),
            (1, 0.25, 1, 0.5)
        );
        assert_eq!((ab.p_b_given_a, ab.p_a_given_b), (0.5, 1.0 / 3.0));
        assert!((ab.lift - 5.0 / 6.0).abs() < 1e-12);
        assert!((ab.pmi.unwrap() - (5.0f64 / 6.0).log2()).abs() < 1e-12);
        let ax = t.cooccurrence.iter().find(|p| &*p.code_b == "a/x").unwrap();
        assert!(ax.nested && ax.passages == 1);
        assert_eq!(t.strongest_pairs(5).len(), 1, "nested pairs are left out");
        let cells: Vec<_> = t
            .by_document
            .iter()
            .map(|c| (&*c.doc, &*c.code, c.passages, c.hits))
            .collect();
        assert_eq!(
            cells,
            [
                ("d1", "a", 2, 3),
                ("d1", "a/x", 1, 1),
                ("d1", "b", 1, 1),
                ("d2", "b", 2, 2)
            ]
        );
        assert_eq!(t.cooccurrence_matrix(), [[2, 1, 1], [1, 1, 0], [1, 0, 3]]);

        // The same segments in another order give the same tables.
        let mut shuffled = coding.clone();
        shuffled.segments.reverse();
        assert_eq!(Tables::compute(&shuffled, &cb), t);
    }

    #[test]
    fn units_windows_and_roll_up() {
        let (cb, coding) = fixture();
        let docs = Tables::compute_with(
            &coding,
            &cb,
            TableOptions {
                unit: CooccurrenceUnit::Document,
                ..Default::default()
            },
        );
        let ab = docs
            .cooccurrence
            .iter()
            .find(|p| &*p.code_a == "a" && &*p.code_b == "b")
            .unwrap();
        // a in {d1}, b in {d1, d2} of 2 documents.
        assert_eq!((ab.passages, ab.jaccard, ab.lift), (1, 0.5, 1.0));
        let window = Tables::compute_with(
            &coding,
            &cb,
            TableOptions {
                unit: CooccurrenceUnit::Window(1),
                ..Default::default()
            },
        );
        let xb = window
            .cooccurrence
            .iter()
            .find(|p| &*p.code_a == "a/x" && &*p.code_b == "b")
            .unwrap();
        // x at d1p1 widens to d1p0..=d1p2; b at d1p0 widens to d1p0..=d1p1 (never into d2).
        assert_eq!(xb.passages, 2);
        let rolled = Tables::compute_with(
            &coding,
            &cb,
            TableOptions {
                roll_up: true,
                ..Default::default()
            },
        );
        assert_eq!(
            (rolled.frequencies[0].passages, rolled.frequencies[0].hits),
            (2, 4)
        );
        assert_eq!(
            "window:3".parse::<CooccurrenceUnit>().unwrap(),
            CooccurrenceUnit::Window(3)
        );
        assert!("near".parse::<CooccurrenceUnit>().is_err());
    }
}
