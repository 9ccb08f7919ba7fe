//! Section 1, the summary: what was analysed and how, the most frequent codes in words, the
//! documents, and the files that could not be read.

use std::io::{self, Write};

use super::html::{Escaped, capitalised, percent, thousands};
use super::{CodeRow, Report};
use crate::analysis::{CooccurrenceUnit, Frequency, OriginFilter};
use crate::coding::Origin;

impl Report<'_> {
    pub(super) fn write_summary(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "<dl class=\"facts\">")?;
        for (term, value) in self.facts() {
            writeln!(out, "<dt>{term}</dt><dd>{value}</dd>")?;
        }
        writeln!(out, "</dl>")?;
        self.write_highlights(out)?;
        self.write_document_list(out)?;
        self.write_skipped(out)
    }

    /// The summary's terms and their values, as HTML.
    fn facts(&self) -> Vec<(&'static str, String)> {
        let a = self.analysis;
        let t = &a.tables;
        let unit = self.unit();
        let mut corpus = format!(
            "{} documents · {} {unit}s · {} KB of text",
            a.coding.documents.len(),
            thousands(t.passages),
            thousands(a.corpus.text_bytes() / 1024)
        );
        if let Some(name) = a.corpus.name() {
            corpus = format!("<cite>{}</cite>: {corpus}", Escaped(name));
        }
        let themes = self.rows.iter().filter(|r| r.depth == 0).count();
        let codebook = format!(
            "<cite>{}</cite> · {} codes in {themes} themes · {} patterns",
            Escaped(&a.codebook.title()),
            a.codebook.codes().len(),
            thousands(a.codebook.pattern_count())
        );
        let cooccurrence = match t.options.unit {
            CooccurrenceUnit::Passage => format!("codes in the same {unit}"),
            CooccurrenceUnit::Document => "codes in the same document".to_string(),
            CooccurrenceUnit::Window(n) => format!("codes within {n} {unit}s of each other"),
            CooccurrenceUnit::Words(n) => {
                format!("codes in the same {unit} with hits at most {n} words apart")
            }
        };
        let counting = if t.options.roll_up {
            format!("rolled up: a theme also counts the {unit}s of its sub-codes")
        } else {
            format!(
                "as coded: a sub-code's {unit}s are not added to its theme (the charts show \
                 themes with their sub-codes separately)"
            )
        };
        let mut facts = vec![
            ("Corpus", corpus),
            ("Codebook", codebook),
            ("Unit of coding", format!("the {unit}")),
            ("Co-occurrence", cooccurrence),
            ("Counting", counting),
            ("Codings", self.codings_fact()),
        ];
        if let Some(filter) = self.filter_fact() {
            facts.push(("Filter", filter));
        }
        facts
    }

    fn codings_fact(&self) -> String {
        let segments = &self.analysis.coding.segments;
        let manual = segments
            .iter()
            .filter(|s| matches!(s.origin, Origin::Manual { .. }))
            .count();
        let mut coded: Vec<(&str, usize)> = segments.iter().map(|s| (&*s.doc, s.passage)).collect();
        coded.sort_unstable();
        coded.dedup();
        format!(
            "{} coded segments ({} automatic, {manual} by hand) in {} of {} {}s ({})",
            thousands(segments.len()),
            thousands(segments.len() - manual),
            thousands(coded.len()),
            thousands(self.analysis.coding.passage_count()),
            self.unit(),
            percent(crate::analysis::ratio(
                coded.len(),
                self.analysis.coding.passage_count()
            ))
        )
    }

    fn filter_fact(&self) -> Option<String> {
        let options = self.analysis.tables.options;
        let mut parts = Vec::new();
        match options.origin {
            OriginFilter::Any => {}
            OriginFilter::Auto => parts.push("automatic codings only".to_string()),
            OriginFilter::Manual => parts.push("codings by hand only".to_string()),
        }
        if let Some(lang) = options.lang {
            parts.push(format!(
                "only {}s detected as <code>{}</code>",
                self.unit(),
                Escaped(lang)
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// The most frequent themes and codes and the strongest link between themes, in words.
    fn write_highlights(&self, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        let mut items = Vec::new();
        let mut themes: Vec<&CodeRow> = self.rows.iter().filter(|r| r.depth == 0).collect();
        themes.sort_by_key(|r| std::cmp::Reverse(r.freq.passages_with_subcodes));
        let listed = |rows: &[&CodeRow], count: fn(&Frequency) -> usize| -> String {
            rows.iter()
                .take(3)
                .filter(|r| count(r.freq) > 0)
                .map(|r| {
                    format!(
                        "{} ({} {unit}s, {})",
                        Escaped(r.label()),
                        thousands(count(r.freq)),
                        percent(crate::analysis::ratio(
                            count(r.freq),
                            self.analysis.tables.passages
                        ))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let top_themes = listed(&themes, |f| f.passages_with_subcodes);
        let has_subcodes = self.rows.iter().any(|r| r.depth > 0);
        if has_subcodes && !top_themes.is_empty() {
            items.push(format!(
                "Most frequent themes, with their sub-codes: {top_themes}."
            ));
        }
        let mut codes: Vec<&CodeRow> = self.rows.iter().collect();
        codes.sort_by_key(|r| std::cmp::Reverse(r.freq.passages));
        let top_codes = listed(&codes, |f| f.passages);
        if !top_codes.is_empty() {
            items.push(format!("Most frequent codes: {top_codes}."));
        }
        if let Some(pair) = self.theme_pairs().first() {
            items.push(format!(
                "Strongest link between {}: {} and {} ({} {} together; Jaccard {:.2}, lift {:.2}).",
                if has_subcodes { "themes" } else { "codes" },
                Escaped(&self.label_of(&pair.code_a)),
                Escaped(&self.label_of(&pair.code_b)),
                thousands(pair.passages),
                self.counted(),
                pair.jaccard,
                pair.lift
            ));
        }
        if items.is_empty() {
            return writeln!(out, "<p>No {unit} was coded.</p>");
        }
        writeln!(
            out,
            "<h3>At a glance</h3>\n<ul class=\"glance\">\n<li>{}</li>\n</ul>",
            items.join("</li>\n<li>")
        )
    }

    fn write_document_list(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<h3>Documents</h3>\n<div class=\"scroll\"><table class=\"documents\">\n<thead><tr>\
             <th scope=\"col\">#</th><th scope=\"col\">Title</th><th scope=\"col\">Authors</th>\
             <th scope=\"col\" class=\"num\">Year</th><th scope=\"col\">Kind</th>\
             <th scope=\"col\">Languages</th><th scope=\"col\" class=\"num\">{}s</th>\
             <th scope=\"col\" class=\"num\">KB</th></tr></thead>\n<tbody>",
            capitalised(&self.unit())
        )?;
        for summary in &self.analysis.coding.documents {
            let tag = self
                .source_of
                .get(&*summary.id)
                .map_or("", |&i| self.sources[i].tag.as_str());
            let m = &summary.metadata;
            writeln!(
                out,
                "<tr><td>{tag}</td><th scope=\"row\"><cite>{}</cite> <span class=\"ref\">{}</span></th>\
                 <td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Escaped(&m.title),
                Escaped(&summary.id),
                Escaped(&m.authors.join(", ")),
                m.year.map_or_else(String::new, |y| y.to_string()),
                Escaped(m.kind.as_deref().unwrap_or("")),
                Escaped(&m.languages.join(", ")),
                thousands(summary.passages),
                thousands(summary.bytes.div_ceil(1024)),
            )?;
        }
        writeln!(out, "</tbody></table></div>")
    }

    fn write_skipped(&self, out: &mut dyn Write) -> io::Result<()> {
        let skipped = self.analysis.corpus.skipped();
        if skipped.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "<div class=\"warning\" role=\"note\"><p>{} file(s) could not be read and are not \
             part of this analysis:</p>\n<ul>",
            skipped.len()
        )?;
        for s in skipped {
            writeln!(out, "<li>{}</li>", Escaped(&s.error.to_string()))?;
        }
        writeln!(out, "</ul></div>")
    }
}
