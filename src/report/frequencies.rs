//! Section 2, code frequencies: a bar chart and a table.

use std::io::{self, Write};

use super::Report;
use super::html::{Escaped, capitalised, percent, thousands};
use super::svg::bar_chart;

impl Report<'_> {
    pub(super) fn write_frequencies(&self, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        let roll_up = self.analysis.tables.options.roll_up;
        let pale = if roll_up || !self.rows.iter().any(|r| r.has_subcodes) {
            String::new()
        } else {
            format!(
                " The pale extension of a theme's bar adds the {unit}s coded only with its \
                 sub-codes."
            )
        };
        writeln!(
            out,
            "<figure>\n<figcaption>{} coded with each code (of {} in all).{pale} Sub-codes are \
             indented under their theme.</figcaption>",
            capitalised(&format!("{unit}s")),
            thousands(self.analysis.tables.passages)
        )?;
        bar_chart(&self.rows, roll_up, &unit, out)?;
        writeln!(out, "</figure>")?;
        self.write_frequency_table(out)
    }

    fn write_frequency_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        let with_subcodes =
            !self.analysis.tables.options.roll_up && self.rows.iter().any(|r| r.has_subcodes);
        write!(
            out,
            "<div class=\"scroll\"><table class=\"frequencies\">\n<caption>Code frequencies: \
             {unit}s coded, their share of all {unit}s, documents coded, pattern hits</caption>\n\
             <thead><tr><th scope=\"col\">Code</th><th scope=\"col\" class=\"num\">{}s</th>\
             <th scope=\"col\" class=\"num\">Share</th><th scope=\"col\" class=\"num\">Documents</th>\
             <th scope=\"col\" class=\"num\">Hits</th>",
            capitalised(&unit)
        )?;
        if with_subcodes {
            write!(out, "<th scope=\"col\" class=\"num\">With sub-codes</th>")?;
        }
        writeln!(out, "</tr></thead>\n<tbody>")?;
        for (i, row) in self.rows.iter().enumerate() {
            let f = row.freq;
            write!(
                out,
                "<tr class=\"depth-{}\"><th scope=\"row\"><span class=\"swatch\" style=\"background:{}\"></span>\
                 <a href=\"#code-{i}\">{}</a> <code class=\"id\">{}</code></th><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                row.depth.min(3),
                row.colour,
                Escaped(row.label()),
                Escaped(row.id()),
                thousands(f.passages),
                percent(f.share),
                f.documents,
                thousands(f.hits),
            )?;
            if with_subcodes {
                let value = if row.has_subcodes {
                    thousands(f.passages_with_subcodes)
                } else {
                    String::new()
                };
                write!(out, "<td class=\"num\">{value}</td>")?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table></div>")
    }
}
