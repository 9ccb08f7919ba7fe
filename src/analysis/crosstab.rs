//! Codes by a metadata field: year, kind, language, author, or any field of the manifest.
//!
//! Each column is a value of the field; a document with several values (several authors,
//! several languages) counts under each. Cells give the passages coded and their share of the
//! column's passages; columns of years sort numerically, so a crosstab by year is the trend.
//!
//! The field `lang` is the language of each passage (detected, not declared): a crosstab by
//! `lang` splits the frequency table by language.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Incidence, TableOptions, ratio};
use crate::codebook::Codebook;
use crate::coding::Coding;

/// The column for documents that lack the field.
pub const MISSING: &str = "(none)";

/// A code × field-value table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crosstab {
    /// The metadata field.
    pub field: String,
    /// The columns: the field's values, numeric order when all are numbers, else alphabetical,
    /// with [`MISSING`] last.
    pub values: Vec<String>,
    /// Documents in each column.
    pub documents: Vec<usize>,
    /// Passages in each column.
    pub passages: Vec<usize>,
    /// One row per code.
    pub rows: Vec<CrosstabRow>,
}

/// One code's row of a [`Crosstab`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrosstabRow {
    /// The code.
    pub code: Arc<str>,
    /// Its label.
    pub label: String,
    /// Passages coded, per column.
    pub passages: Vec<usize>,
    /// Those passages as a share of the column's passages.
    pub shares: Vec<f64>,
    /// Documents with the code, per column.
    pub documents: Vec<usize>,
}

impl CrosstabRow {
    /// The row of code `c` of `inc`: its passages per column, the documents behind them, and
    /// each count's share of its column's `totals`.
    fn new(
        inc: &Incidence,
        c: usize,
        passages: Vec<usize>,
        documents: &[std::collections::BTreeSet<usize>],
        totals: &[usize],
    ) -> CrosstabRow {
        CrosstabRow {
            code: inc.codes[c].clone(),
            label: inc.labels[c].clone(),
            shares: passages
                .iter()
                .zip(totals)
                .map(|(&x, &n)| ratio(x, n))
                .collect(),
            documents: documents.iter().map(|s| s.len()).collect(),
            passages,
        }
    }
}

/// Splits the value of a multi-valued field (`authors`, `languages`) into its values.
fn values_of(coding: &Coding, d: usize, field: &str) -> Vec<String> {
    let meta = &coding.documents[d].metadata;
    match field {
        "authors" | "author" => meta.authors.clone(),
        "languages" | "language" => meta.languages.clone(),
        _ => meta.get(field).into_iter().collect(),
    }
}

/// The crosstab of `coding` by metadata `field`.
pub fn crosstab(
    coding: &Coding,
    codebook: &Codebook,
    field: &str,
    options: TableOptions,
) -> Crosstab {
    let inc = Incidence::filtered(
        coding,
        codebook,
        options.roll_up,
        options.origin,
        options.lang,
    );
    if field == "lang" {
        return by_passage_language(coding, &inc);
    }
    let doc_values: Vec<Vec<String>> = (0..coding.documents.len())
        .map(|d| {
            let v = values_of(coding, d, field);
            if v.is_empty() {
                vec![MISSING.to_string()]
            } else {
                v
            }
        })
        .collect();
    let mut values: Vec<String> = doc_values.iter().flatten().cloned().collect();
    values.sort();
    values.dedup();
    let numeric = values
        .iter()
        .all(|v| v == MISSING || v.parse::<f64>().is_ok());
    values.sort_by(|a, b| {
        let missing = (a == MISSING).cmp(&(b == MISSING));
        let order = if numeric {
            let x: f64 = a.parse().unwrap_or(f64::INFINITY);
            let y: f64 = b.parse().unwrap_or(f64::INFINITY);
            x.total_cmp(&y)
        } else {
            a.cmp(b)
        };
        missing.then(order)
    });
    let column: BTreeMap<&str, usize> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let k = values.len();
    let mut documents = vec![0; k];
    let mut passages = vec![0; k];
    for (d, vals) in doc_values.iter().enumerate() {
        for v in vals {
            documents[column[v.as_str()]] += 1;
            passages[column[v.as_str()]] += coding.documents[d].passages;
        }
    }
    let rows = (0..inc.codes.len())
        .map(|c| {
            let mut p = vec![0; k];
            let mut docs_with = vec![std::collections::BTreeSet::new(); k];
            for global in inc.sets[c].iter() {
                let (d, _) = inc.locate(global);
                for v in &doc_values[d] {
                    p[column[v.as_str()]] += 1;
                    docs_with[column[v.as_str()]].insert(d);
                }
            }
            CrosstabRow::new(&inc, c, p, &docs_with, &passages)
        })
        .collect();
    Crosstab {
        field: field.to_string(),
        values,
        documents,
        passages,
        rows,
    }
}

/// The crosstab by the detected language of each passage.
fn by_passage_language(coding: &Coding, inc: &Incidence) -> Crosstab {
    let lang_of = |global: usize| {
        let (d, p) = inc.locate(global);
        coding.documents[d].langs.get(p).copied().unwrap_or(0)
    };
    let label = |code: u8| crate::lang::from_code(code).unwrap_or(MISSING).to_string();
    // Columns in a fixed order: en, ru, kk, uk, then passages of no detectable language.
    let order: Vec<u8> = (1..=4)
        .chain(std::iter::once(0))
        .filter(|&l| coding.documents.iter().any(|d| d.langs.contains(&l)))
        .collect();
    let column = |l: u8| order.iter().position(|&o| o == l);
    let k = order.len();
    let mut passages = vec![0; k];
    let mut documents = vec![0; k];
    for (d, doc) in coding.documents.iter().enumerate() {
        let mut seen = vec![false; k];
        for (p, &l) in doc.langs.iter().enumerate() {
            let global = inc.doc_starts[d] + p;
            if inc.counted.as_ref().is_some_and(|m| !m.contains(global)) {
                continue;
            }
            if let Some(c) = column(l) {
                passages[c] += 1;
                seen[c] = true;
            }
        }
        for (c, s) in seen.into_iter().enumerate() {
            documents[c] += usize::from(s);
        }
    }
    let rows = (0..inc.codes.len())
        .map(|c| {
            let mut p = vec![0; k];
            let mut docs_with = vec![std::collections::BTreeSet::new(); k];
            for global in inc.sets[c].iter() {
                if let Some(col) = column(lang_of(global)) {
                    p[col] += 1;
                    docs_with[col].insert(inc.locate(global).0);
                }
            }
            CrosstabRow::new(inc, c, p, &docs_with, &passages)
        })
        .collect();
    Crosstab {
        field: "lang".to_string(),
        values: order.into_iter().map(label).collect(),
        documents,
        passages,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};
    use crate::coding::Coder;
    use crate::corpus::{Corpus, Document};

    #[test]
    fn by_year_and_by_author() {
        let cb = Codebook::builder("t")
            .code(Code::new("bd", "Brain drain").pattern(Pattern::phrase("brain drain")))
            .build()
            .unwrap();
        let mut d1 = Document::new("d1", "brain drain\n\nother");
        d1.metadata.year = Some(2022);
        d1.metadata.authors = vec!["A".into(), "B".into()];
        let mut d2 = Document::new("d2", "brain drain\n\nbrain drain\n\nx\n\ny");
        d2.metadata.year = Some(2010);
        d2.metadata.authors = vec!["B".into()];
        let d3 = Document::new("d3", "brain drain");
        let coding = Coder::new(&cb)
            .unwrap()
            .code_corpus(&Corpus::from_documents([d1, d2, d3]));
        let t = crosstab(&coding, &cb, "year", TableOptions::default());
        assert_eq!(t.values, ["2010", "2022", MISSING]);
        assert_eq!(t.passages, [4, 2, 1]);
        assert_eq!(t.rows[0].passages, [2, 1, 1]);
        assert_eq!(t.rows[0].shares, [0.5, 0.5, 1.0]);
        let by_lang = crosstab(&coding, &cb, "lang", TableOptions::default());
        assert_eq!(by_lang.values, ["en", MISSING]);
        assert_eq!(by_lang.rows[0].passages, [4, 0]);
        let t = crosstab(&coding, &cb, "authors", TableOptions::default());
        assert_eq!(t.values, ["A", "B", MISSING]);
        assert_eq!(t.documents, [1, 2, 1]);
        assert_eq!(t.rows[0].passages, [1, 3, 1]);
        assert_eq!(t.rows[0].documents, [1, 2, 1]);
    }
}
