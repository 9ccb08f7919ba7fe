//! Section 3, co-occurrence: a heatmap of codes × codes and tables of the strongest pairs.

use std::collections::HashMap;
use std::io::{self, Write};

use super::Report;
use super::html::{Escaped, capitalised, percent, thousands};
use super::svg::heatmap;
use crate::analysis::{Cooccurrence, Tables};

impl Report<'_> {
    pub(super) fn write_cooccurrence(&self, out: &mut dyn Write) -> io::Result<()> {
        let counted = self.counted();
        writeln!(
            out,
            "<figure>\n<figcaption>Each cell counts the {counted} coded with both codes; its \
             shade is the Jaccard index, {counted} with both ÷ {counted} with either (0 to 1). \
             The diagonal gives the {counted} coded with each code. Lines separate the themes. \
             Hover over a cell for its figures.</figcaption>"
        )?;
        let matrix = self.analysis.tables.cooccurrence_matrix();
        let jaccard = jaccard_matrix(&self.analysis.tables);
        // A large codebook's heatmap scrolls rather than shrinks, so its numbers stay legible.
        writeln!(out, "<div class=\"scroll\">")?;
        heatmap(&self.rows, &matrix, &jaccard, &counted, out)?;
        writeln!(out, "</div>\n</figure>")?;
        let has_subcodes = self.rows.iter().any(|r| r.depth > 0);
        if has_subcodes {
            self.write_pairs(
                out,
                "Themes together",
                &format!(
                    "Pairs of themes, sub-codes counted with their theme: {counted} with both, \
                     Jaccard index (both ÷ either), conditional shares, lift (observed ÷ expected \
                     if independent)"
                ),
                &self.theme_pairs(),
            )?;
        }
        let theme = |code: &str| crate::codebook::theme_of(code).to_string();
        let across = self
            .analysis
            .tables
            .strongest_pairs_where(self.options.top_pairs, |p| {
                theme(&p.code_a) != theme(&p.code_b)
            });
        self.write_pairs(
            out,
            if has_subcodes {
                "Strongest pairs of codes from different themes"
            } else {
                "Strongest pairs of codes"
            },
            &format!(
                "By Jaccard index, among pairs seen together at least {} times (when any is)",
                crate::analysis::MIN_SUPPORT
            ),
            &across,
        )
    }

    /// Pairs of top-level codes, with sub-codes rolled up, strongest first.
    pub(super) fn theme_pairs(&self) -> Vec<&Cooccurrence> {
        let mut pairs: Vec<&Cooccurrence> = self
            .themes
            .cooccurrence
            .iter()
            .filter(|p| !p.code_a.contains('/') && !p.code_b.contains('/') && p.passages > 0)
            .collect();
        pairs.sort_by(|x, y| {
            y.jaccard
                .total_cmp(&x.jaccard)
                .then(y.passages.cmp(&x.passages))
        });
        pairs.truncate(self.options.top_pairs);
        pairs
    }

    fn write_pairs(
        &self,
        out: &mut dyn Write,
        heading: &str,
        caption: &str,
        pairs: &[&Cooccurrence],
    ) -> io::Result<()> {
        writeln!(out, "<h3>{}</h3>", Escaped(heading))?;
        if pairs.is_empty() {
            return writeln!(out, "<p>No pair of codes occurs together.</p>");
        }
        writeln!(
            out,
            "<div class=\"scroll\"><table class=\"pairs\">\n<caption>{}</caption>\n<thead><tr>\
             <th scope=\"col\">Code A</th><th scope=\"col\">Code B</th>\
             <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">Jaccard</th>\
             <th scope=\"col\" class=\"num\">P(B|A)</th><th scope=\"col\" class=\"num\">P(A|B)</th>\
             <th scope=\"col\" class=\"num\">Lift</th><th scope=\"col\" class=\"num\">Documents</th>\
             </tr></thead>\n<tbody>",
            Escaped(caption),
            capitalised(&self.counted())
        )?;
        for p in pairs {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td>\
                 <td class=\"num\">{}</td></tr>",
                Escaped(&self.label_of(&p.code_a)),
                Escaped(&self.label_of(&p.code_b)),
                thousands(p.passages),
                p.jaccard,
                percent(p.p_b_given_a),
                percent(p.p_a_given_b),
                p.lift,
                p.documents
            )?;
        }
        writeln!(out, "</tbody></table></div>")
    }
}

/// The Jaccard index of every pair of codes, in the frequency table's order (1 on the
/// diagonal of codes coded at all).
fn jaccard_matrix(tables: &Tables) -> Vec<Vec<f64>> {
    let index: HashMap<&str, usize> = tables
        .frequencies
        .iter()
        .enumerate()
        .map(|(i, f)| (&*f.code, i))
        .collect();
    let n = tables.frequencies.len();
    let mut m = vec![vec![0.0; n]; n];
    for p in &tables.cooccurrence {
        let (a, b) = (index[&*p.code_a], index[&*p.code_b]);
        m[a][b] = p.jaccard;
        m[b][a] = p.jaccard;
    }
    m
}
