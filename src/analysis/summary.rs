//! Counts that add up: a coding run's frequencies and co-occurrence as sums, so that runs over
//! separate shards of a corpus merge into exactly the tables of one run over all of it.
//!
//! Beyond one machine, `thematic` rides existing engines instead of a cluster of its own: split
//! the documents (a folder each, or `RDD.pipe("thematic code --stdin --format summary")` in
//! Spark), code each shard to a summary, then `thematic merge` the summaries. Shards must not
//! split a document.
//!
//! ```
//! use thematic::analysis::summary::Summary;
//! use thematic::{Codebook, Coder, Document};
//! let cb = Codebook::from_json_dictionary(r#"{"bd": ["brain drain"], "rp": ["return"]}"#, None)?;
//! let coder = Coder::new(&cb)?;
//! let (a, b) = (Document::new("a", "brain drain and return"), Document::new("b", "brain drain"));
//! let mut left = Summary::new(&cb, coder.current_unit());
//! left.add(&a, &coder.code_document(&a));
//! let mut right = Summary::new(&cb, coder.current_unit());
//! right.add(&b, &coder.code_document(&b));
//! left.merge(&right)?;
//! let tables = left.tables();
//! assert_eq!(tables.frequencies[0].passages, 2);
//! assert_eq!(tables.cooccurrence[0].passages, 1);
//! # Ok::<(), thematic::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{Cooccurrence, Frequency, TableOptions, Tables, ratio};
use crate::codebook::{Codebook, is_within};
use crate::coding::DocumentCoding;
use crate::corpus::Document;
use crate::error::{Error, Result};
use crate::segment::Unit;

/// The format tag summaries carry, checked when they are read back.
pub const FORMAT: &str = "thematic-summary/2";

/// Sums over the documents coded so far. Serialised as JSON with the pairs as a sorted list of
/// `[a, b, passages, documents]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "SummaryFile", from = "SummaryFile")]
pub struct Summary {
    /// [`FORMAT`].
    pub format: String,
    /// The unit of coding.
    pub unit: Unit,
    /// The codes, in codebook order.
    pub codes: Vec<String>,
    /// Their labels.
    pub labels: Vec<String>,
    /// Documents coded.
    pub documents_total: u64,
    /// Passages coded.
    pub passages_total: u64,
    /// Bytes of source text.
    pub bytes: u64,
    /// Passages coded with each code.
    pub passages: Vec<u64>,
    /// Documents coded with each code.
    pub documents: Vec<u64>,
    /// Hits of each code.
    pub hits: Vec<u64>,
    /// Passages coded with each code or any code under it.
    pub passages_with_subcodes: Vec<u64>,
    /// Documents coded with each code or any code under it.
    pub documents_with_subcodes: Vec<u64>,
    /// Pairs of codes seen together, `a < b`: (passages, documents) with both.
    pub pairs: BTreeMap<(usize, usize), (u64, u64)>,
    index: HashMap<String, usize>,
}

/// The serialised form of a [`Summary`].
#[derive(Serialize, Deserialize)]
struct SummaryFile {
    format: String,
    unit: Unit,
    codes: Vec<String>,
    labels: Vec<String>,
    documents_total: u64,
    passages_total: u64,
    bytes: u64,
    passages: Vec<u64>,
    documents: Vec<u64>,
    hits: Vec<u64>,
    // Absent from summaries of format 1, which `merge` refuses by their format.
    #[serde(default)]
    passages_with_subcodes: Vec<u64>,
    #[serde(default)]
    documents_with_subcodes: Vec<u64>,
    pairs: Vec<[u64; 4]>,
}

impl From<Summary> for SummaryFile {
    fn from(s: Summary) -> SummaryFile {
        SummaryFile {
            pairs: s
                .pairs
                .iter()
                .map(|(&(a, b), &(p, d))| [a as u64, b as u64, p, d])
                .collect(),
            format: s.format,
            unit: s.unit,
            codes: s.codes,
            labels: s.labels,
            documents_total: s.documents_total,
            passages_total: s.passages_total,
            bytes: s.bytes,
            passages: s.passages,
            documents: s.documents,
            hits: s.hits,
            passages_with_subcodes: s.passages_with_subcodes,
            documents_with_subcodes: s.documents_with_subcodes,
        }
    }
}

impl From<SummaryFile> for Summary {
    fn from(f: SummaryFile) -> Summary {
        Summary {
            index: f
                .codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect(),
            pairs: f
                .pairs
                .iter()
                .map(|&[a, b, p, d]| ((a as usize, b as usize), (p, d)))
                .collect(),
            format: f.format,
            unit: f.unit,
            codes: f.codes,
            labels: f.labels,
            documents_total: f.documents_total,
            passages_total: f.passages_total,
            bytes: f.bytes,
            passages: f.passages,
            documents: f.documents,
            hits: f.hits,
            passages_with_subcodes: f.passages_with_subcodes,
            documents_with_subcodes: f.documents_with_subcodes,
        }
    }
}

impl Summary {
    /// An empty summary for the codes of `codebook`.
    pub fn new(codebook: &Codebook, unit: Unit) -> Summary {
        let n = codebook.codes().len();
        let codes: Vec<String> = codebook.codes().iter().map(|c| c.id.to_string()).collect();
        Summary {
            index: codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect(),
            format: FORMAT.to_string(),
            unit,
            codes,
            labels: codebook.codes().iter().map(|c| c.label.clone()).collect(),
            documents_total: 0,
            passages_total: 0,
            bytes: 0,
            passages: vec![0; n],
            documents: vec![0; n],
            hits: vec![0; n],
            passages_with_subcodes: vec![0; n],
            documents_with_subcodes: vec![0; n],
            pairs: BTreeMap::new(),
        }
    }

    /// The position of a code, added if new.
    fn code(&mut self, id: &str) -> usize {
        match self.index.get(id) {
            Some(&i) => i,
            None => self.push_code(id, id),
        }
    }

    /// Adds one coded document. Codes not in the summary are added to it.
    pub fn add(&mut self, doc: &Document, coding: &DocumentCoding) {
        let mut in_doc: Vec<usize> = Vec::new();
        let mut here: Vec<usize> = Vec::new();
        // The codes of a passage with the codebook's codes above them.
        let mut under: Vec<usize> = Vec::new();
        let mut under_in_doc: Vec<usize> = Vec::new();
        for run in coding.segments.chunk_by(|a, b| a.passage == b.passage) {
            here.clear();
            under.clear();
            for s in run {
                let c = self.code(&s.code);
                self.hits[c] += s.hits.len() as u64;
                here.push(c);
                under.push(c);
                let mut id: &str = &s.code;
                while let Some((parent, _)) = id.rsplit_once('/') {
                    under.extend(self.index.get(parent));
                    id = parent;
                }
            }
            here.sort_unstable();
            here.dedup();
            under.sort_unstable();
            under.dedup();
            for (i, &a) in here.iter().enumerate() {
                self.passages[a] += 1;
                for &b in &here[i + 1..] {
                    self.pairs.entry((a, b)).or_default().0 += 1;
                }
            }
            for &c in &under {
                self.passages_with_subcodes[c] += 1;
            }
            in_doc.extend(&here);
            under_in_doc.extend(&under);
        }
        under_in_doc.sort_unstable();
        under_in_doc.dedup();
        for &c in &under_in_doc {
            self.documents_with_subcodes[c] += 1;
        }
        in_doc.sort_unstable();
        in_doc.dedup();
        for (i, &a) in in_doc.iter().enumerate() {
            self.documents[a] += 1;
            for &b in &in_doc[i + 1..] {
                self.pairs.entry((a, b)).or_default().1 += 1;
            }
        }
        self.documents_total += 1;
        self.passages_total += coding.passages.len() as u64;
        self.bytes += doc.source_len as u64;
    }

    fn push_code(&mut self, id: &str, label: &str) -> usize {
        self.index.insert(id.to_string(), self.codes.len());
        self.codes.push(id.to_string());
        self.labels.push(label.to_string());
        self.passages.push(0);
        self.documents.push(0);
        self.hits.push(0);
        self.passages_with_subcodes.push(0);
        self.documents_with_subcodes.push(0);
        self.codes.len() - 1
    }

    /// Adds the counts of another summary (of other documents). Codes are matched by id; the
    /// units must agree.
    pub fn merge(&mut self, other: &Summary) -> Result<()> {
        if other.format != FORMAT {
            return Err(Error::Invalid(format!(
                "cannot merge a summary of format {:?} (expected {FORMAT:?})",
                other.format
            )));
        }
        if other.unit != self.unit {
            return Err(Error::Invalid(format!(
                "cannot merge summaries of {} and {} units",
                self.unit, other.unit
            )));
        }
        let map: Vec<usize> = other
            .codes
            .iter()
            .zip(&other.labels)
            .map(|(id, label)| match self.index.get(id) {
                Some(&i) => i,
                None => self.push_code(id, label),
            })
            .collect();
        for (j, &i) in map.iter().enumerate() {
            self.passages[i] += other.passages[j];
            self.documents[i] += other.documents[j];
            self.hits[i] += other.hits[j];
            self.passages_with_subcodes[i] += other.passages_with_subcodes[j];
            self.documents_with_subcodes[i] += other.documents_with_subcodes[j];
        }
        for (&(a, b), &(p, d)) in &other.pairs {
            let (x, y) = (map[a], map[b]);
            let e = self.pairs.entry((x.min(y), x.max(y))).or_default();
            e.0 += p;
            e.1 += d;
        }
        self.documents_total += other.documents_total;
        self.passages_total += other.passages_total;
        self.bytes += other.bytes;
        Ok(())
    }

    /// The frequency and co-occurrence tables these sums stand for (same unit: the passage).
    /// Codes are counted as coded; the code × document table is not kept in a summary.
    pub fn tables(&self) -> Tables {
        let total = self.passages_total as usize;
        let frequencies = (0..self.codes.len())
            .map(|c| Frequency {
                code: self.codes[c].as_str().into(),
                label: self.labels[c].clone(),
                passages: self.passages[c] as usize,
                documents: self.documents[c] as usize,
                hits: self.hits[c] as usize,
                share: ratio(self.passages[c] as usize, total),
                passages_with_subcodes: self.passages_with_subcodes[c] as usize,
                documents_with_subcodes: self.documents_with_subcodes[c] as usize,
            })
            .collect();
        let cooccurrence = self
            .pairs
            .iter()
            .filter(|(_, (_, d))| *d > 0)
            .map(|(&(a, b), &(p, d))| {
                let (pa, pb, both) = (
                    self.passages[a] as usize,
                    self.passages[b] as usize,
                    p as usize,
                );
                let (da, db, dboth) = (
                    self.documents[a] as usize,
                    self.documents[b] as usize,
                    d as usize,
                );
                let lift = ratio(both * total, pa * pb);
                Cooccurrence {
                    code_a: self.codes[a].as_str().into(),
                    code_b: self.codes[b].as_str().into(),
                    passages: both,
                    jaccard: ratio(both, pa + pb - both),
                    p_b_given_a: ratio(both, pa),
                    p_a_given_b: ratio(both, pb),
                    lift,
                    pmi: (both > 0).then(|| lift.log2()),
                    documents: dboth,
                    document_jaccard: ratio(dboth, da + db - dboth),
                    nested: is_within(&self.codes[a], &self.codes[b])
                        || is_within(&self.codes[b], &self.codes[a]),
                }
            })
            .collect();
        Tables {
            options: TableOptions::default(),
            passages: total,
            documents: self.documents_total as usize,
            frequencies,
            cooccurrence,
            by_document: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::coding::Coder;
    use crate::corpus::Corpus;

    #[test]
    fn merged_shards_equal_one_run() {
        let cb = Codebook::builder("t")
            .code(Code::new("a", "A").pattern(Pattern::phrase("alpha")))
            .code(Code::new("a/x", "X").pattern(Pattern::phrase("xi")))
            .code(Code::new("b", "B").pattern(Pattern::phrase("beta")))
            .build()
            .unwrap();
        let docs = [
            Document::new("d1", "alpha beta alpha\n\nalpha xi\n\nnone"),
            Document::new("d2", "beta\n\nbeta"),
            Document::new("d3", "xi beta\n\nalpha"),
        ];
        let coder = Coder::new(&cb).unwrap();
        let whole = Tables::compute(
            &coder.code_corpus(&Corpus::from_documents(docs.clone())),
            &cb,
        );
        let mut merged = Summary::new(&cb, Unit::Paragraph);
        for doc in &docs {
            let mut part = Summary::new(&cb, Unit::Paragraph);
            part.add(doc, &coder.code_document(doc));
            let json = serde_json::to_string(&part).unwrap();
            merged.merge(&serde_json::from_str(&json).unwrap()).unwrap();
        }
        let t = merged.tables();
        let strip = |t: &Tables| {
            (
                t.frequencies
                    .iter()
                    .map(|f| {
                        (
                            f.code.clone(),
                            f.passages,
                            f.documents,
                            f.hits,
                            f.share.to_bits(),
                            // Regression: these were the code's own counts, so `thematic merge`
                            // disagreed with `analyze` for every code with sub-codes.
                            f.passages_with_subcodes,
                            f.documents_with_subcodes,
                        )
                    })
                    .collect::<Vec<_>>(),
                t.cooccurrence.clone(),
            )
        };
        assert_eq!(strip(&t), strip(&whole));
        assert_eq!((t.passages, t.documents), (whole.passages, whole.documents));
        let a = &t.frequencies[0];
        assert_eq!((a.passages, a.passages_with_subcodes), (3, 4));
        assert_eq!((a.documents, a.documents_with_subcodes), (2, 2));
    }

    #[test]
    fn a_summary_of_the_first_format_is_refused_by_name() {
        let cb = Codebook::from_json_dictionary(r#"{"x": ["x"]}"#, None).unwrap();
        let mut old = serde_json::to_value(Summary::new(&cb, Unit::Paragraph)).unwrap();
        old["format"] = "thematic-summary/1".into();
        old.as_object_mut()
            .unwrap()
            .remove("passages_with_subcodes");
        let old: Summary = serde_json::from_value(old).unwrap();
        let err = Summary::new(&cb, Unit::Paragraph).merge(&old).unwrap_err();
        assert!(err.to_string().contains("thematic-summary/1"), "{err}");
    }

    #[test]
    fn merging_checks_units_and_matches_codes_by_id() {
        let a = Codebook::from_json_dictionary(r#"{"x": ["x"], "y": ["y"]}"#, None).unwrap();
        let b = Codebook::from_json_dictionary(r#"{"y": ["y"], "z": ["z"]}"#, None).unwrap();
        let mut left = Summary::new(&a, Unit::Paragraph);
        let doc = Document::new("d", "y z");
        let mut right = Summary::new(&b, Unit::Paragraph);
        right.add(&doc, &Coder::new(&b).unwrap().code_document(&doc));
        left.merge(&right).unwrap();
        assert_eq!(left.codes, ["x", "y", "z"]);
        assert_eq!(left.passages, [0, 1, 1]);
        assert_eq!(
            left.pairs.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [((1, 2), (1, 1))]
        );
        let other = Summary::new(&a, Unit::Sentence);
        assert!(
            left.merge(&other)
                .unwrap_err()
                .to_string()
                .contains("units")
        );
    }
}
