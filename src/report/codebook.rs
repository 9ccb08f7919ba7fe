//! Section 6, the codebook: every code's definition and a sample of its patterns.

use std::io::{self, Write};

use super::html::{Escaped, thousands};
use super::{CodeRow, Report, heading_level};
use crate::codebook::{Code, Pattern};

impl Report<'_> {
    pub(super) fn write_codebook(&self, out: &mut dyn Write) -> io::Result<()> {
        let cb = &self.analysis.codebook;
        writeln!(
            out,
            "<p><cite>{}</cite>{}: {} codes, {} patterns.</p>",
            Escaped(&cb.title()),
            if cb.authors.is_empty() {
                String::new()
            } else {
                format!(", by {}", Escaped(&cb.authors.join(", ")))
            },
            cb.codes().len(),
            thousands(cb.pattern_count())
        )?;
        if let Some(description) = &cb.description {
            write_paragraphs(description, "description", out)?;
        }
        if !cb.negative.is_empty() {
            writeln!(
                out,
                "<p>{} codebook-wide negative pattern(s): a passage they match gets no code.</p>",
                cb.negative.len()
            )?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            self.write_definition(i, row, out)?;
        }
        Ok(())
    }

    fn write_definition(&self, i: usize, row: &CodeRow, out: &mut dyn Write) -> io::Result<()> {
        let level = heading_level(row.depth);
        let excerpts = self.excerpts.get(row.id()).map_or(0, Vec::len);
        let link = if excerpts > 0 {
            format!(" <a class=\"jump\" href=\"#excerpts-{i}\">{excerpts} excerpts ↓</a>")
        } else {
            String::new()
        };
        writeln!(
            out,
            "<article class=\"code depth-{}\" id=\"code-{i}\" style=\"border-color:{}\">\n\
             <h{level}><span class=\"swatch\" style=\"background:{}\"></span>{} <code>{}</code>{link}</h{level}>",
            row.depth.min(3),
            row.colour,
            row.colour,
            Escaped(row.label()),
            Escaped(row.id()),
        )?;
        let Some(code) = row.code else {
            return writeln!(
                out,
                "<p>Not in the codebook: applied in manual codings only.</p>\n</article>"
            );
        };
        writeln!(out, "<dl class=\"definition\">")?;
        let notes = [
            ("Description", &code.description),
            ("Include", &code.include),
            ("Exclude", &code.exclude),
            ("Memo", &code.memo),
        ];
        for (term, text) in notes {
            if let Some(text) = text {
                writeln!(out, "<dt>{term}</dt><dd>")?;
                write_paragraphs(text, "", out)?;
                writeln!(out, "</dd>")?;
            }
        }
        writeln!(out, "<dt>Patterns</dt><dd>{}</dd>", pattern_summary(code))?;
        writeln!(out, "</dl>\n</article>")
    }
}

/// The number of patterns of a code and the first few of them, as HTML.
fn pattern_summary(code: &Code) -> String {
    const SHOWN: usize = 12;
    let mut html = format!(
        "{} pattern{}",
        code.patterns.len(),
        if code.patterns.len() == 1 { "" } else { "s" }
    );
    if !code.negative.is_empty() {
        html.push_str(&format!(" and {} negative", code.negative.len()));
    }
    if !code.examples.is_empty() {
        html.push_str(&format!(
            "; {} example sentence(s) checked by <code>thematic codebook check</code>",
            code.examples.len()
        ));
    }
    if code.patterns.is_empty() {
        return html;
    }
    let chips: Vec<String> = sample_patterns(&code.patterns, SHOWN)
        .into_iter()
        .map(pattern_chip)
        .collect();
    html.push_str(&format!(
        "<ul class=\"patterns\"><li>{}</li>",
        chips.join("</li><li>")
    ));
    if code.patterns.len() > SHOWN {
        html.push_str(&format!(
            "<li class=\"ref\">and {} more in the codebook file</li>",
            code.patterns.len() - SHOWN
        ));
    }
    html.push_str("</ul>");
    html
}

/// At most `n` of `patterns`, taken in turn from each language (as tagged, else as detected
/// from the pattern's letters), so that the examples show every language of the code; kept in
/// codebook order.
fn sample_patterns(patterns: &[Pattern], n: usize) -> Vec<&Pattern> {
    if patterns.len() <= n {
        return patterns.iter().collect();
    }
    let language = |p: &Pattern| {
        p.lang
            .clone()
            .or_else(|| crate::lang::detect(&p.text).map(str::to_string))
    };
    let languages: Vec<Option<String>> = patterns.iter().map(language).collect();
    let mut distinct: Vec<&Option<String>> = Vec::new();
    for lang in &languages {
        if !distinct.contains(&lang) {
            distinct.push(lang);
        }
    }
    let mut chosen = vec![false; patterns.len()];
    let mut count = 0;
    // Each round takes one more pattern of every language that has one left; as there are more
    // patterns than `n`, every round takes at least one.
    while count < n {
        for lang in &distinct {
            let next = (0..patterns.len()).find(|&i| !chosen[i] && &languages[i] == *lang);
            if let Some(i) = next.filter(|_| count < n) {
                chosen[i] = true;
                count += 1;
            }
        }
    }
    patterns
        .iter()
        .zip(chosen)
        .filter_map(|(p, chosen)| chosen.then_some(p))
        .collect()
}

fn pattern_chip(pattern: &Pattern) -> String {
    let mut about = vec![pattern.kind.to_string()];
    if let Some(lang) = &pattern.lang {
        about.push(lang.clone());
    }
    if pattern.stem {
        about.push("stemmed".to_string());
    }
    format!(
        "<code>{}</code> <span class=\"ref\">{}</span>",
        Escaped(&pattern.text),
        Escaped(&about.join(" · "))
    )
}

/// Writes `text` as paragraphs: blank lines separate them, single line breaks are spaces.
fn write_paragraphs(text: &str, class: &str, out: &mut dyn Write) -> io::Result<()> {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        writeln!(out, "<p{class}>{}</p>", Escaped(paragraph))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_patterns_show_every_language() {
        let patterns: Vec<Pattern> = ["brain drain", "skilled emigration", "talent flight"]
            .into_iter()
            .map(Pattern::phrase)
            .chain([Pattern::glob("утечк* мозг*"), Pattern::glob("ақыл-ой кет*")])
            .collect();
        let texts = |sample: Vec<&Pattern>| -> Vec<String> {
            sample.into_iter().map(|p| p.text.clone()).collect()
        };
        assert_eq!(
            texts(sample_patterns(&patterns, 3)),
            ["brain drain", "утечк* мозг*", "ақыл-ой кет*"]
        );
        assert_eq!(sample_patterns(&patterns, 9).len(), 5);
    }
}
