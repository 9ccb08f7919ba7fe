//! Section 4, codes by document: a table of codes × documents, shaded by count.

use std::collections::HashMap;
use std::io::{self, Write};

use super::Report;
use super::colour::{ink_on, sequential};
use super::html::{Escaped, capitalised, percent, thousands, truncate};

impl Report<'_> {
    pub(super) fn write_documents(&self, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        let cells: HashMap<(&str, &str), (usize, usize, f64)> = self
            .analysis
            .tables
            .by_document
            .iter()
            .map(|c| ((&*c.doc, &*c.code), (c.passages, c.hits, c.share)))
            .collect();
        let max = cells.values().map(|c| c.0).max().unwrap_or(0).max(1);
        let documents = &self.analysis.coding.documents;
        writeln!(
            out,
            "<p>{} of each document coded with each code; the darker the cell, the more \
             {unit}s. Hover over a cell for its hits and its share of the document.</p>\n\
             <div class=\"scroll\"><table class=\"matrix\">\n<thead><tr><th scope=\"col\">Code</th>",
            capitalised(&format!("{unit}s"))
        )?;
        for (d, summary) in documents.iter().enumerate() {
            let year = summary
                .metadata
                .year
                .map_or_else(String::new, |y| format!(" ({y})"));
            writeln!(
                out,
                "<th scope=\"col\" class=\"doc\" title=\"{}\"><span class=\"tag\">D{}</span> {}{year}</th>",
                Escaped(&summary.metadata.title),
                d + 1,
                Escaped(&truncate(&summary.metadata.title, 90)),
            )?;
        }
        writeln!(out, "</tr></thead>\n<tbody>")?;
        for row in &self.rows {
            write!(
                out,
                "<tr class=\"depth-{}\"><th scope=\"row\">{}</th>",
                row.depth.min(3),
                Escaped(row.label())
            )?;
            for summary in documents {
                let (passages, hits, share) = cells
                    .get(&(&*summary.id, row.id()))
                    .copied()
                    .unwrap_or_default();
                if passages == 0 {
                    write!(out, "<td class=\"num zero\">0</td>")?;
                    continue;
                }
                let background = sequential(passages as f64 / max as f64);
                write!(
                    out,
                    "<td class=\"num heat\" style=\"background:{background};color:{}\" \
                     title=\"{}: {} {unit}s ({} of the document), {} hits\">{}</td>",
                    ink_on(&background),
                    Escaped(row.label()),
                    thousands(passages),
                    percent(share),
                    thousands(hits),
                    thousands(passages)
                )?;
            }
            writeln!(out, "</tr>")?;
        }
        write!(
            out,
            "</tbody>\n<tfoot><tr><th scope=\"row\">All {unit}s</th>"
        )?;
        for summary in documents {
            write!(
                out,
                "<td class=\"num\">{}</td>",
                thousands(summary.passages)
            )?;
        }
        writeln!(out, "</tr></tfoot></table></div>")
    }
}
