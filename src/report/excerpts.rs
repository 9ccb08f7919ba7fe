//! Section 7, the excerpts: each code's coded passages, cited, with the words that matched
//! highlighted and the patterns that matched them named.

use std::fmt;
use std::io::{self, Write};

use super::html::{Escaped, thousands};
use super::{CodeRow, Report, Source, heading_level};
use crate::coding::{CodedSegment, Hit, Origin, slice_chars};
use crate::corpus::Metadata;
use crate::text::CharIndex;

impl Report<'_> {
    pub(super) fn write_excerpts(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<p>The {}s coded with each code, in corpus order. The words that matched are \
             <mark>highlighted</mark>, and each excerpt names the patterns that matched them. At \
             most {} excerpts are shown per code, spread over the documents; every one is in \
             excerpts.csv and excerpts.jsonl.</p>",
            self.unit(),
            self.options.max_excerpts
        )?;
        self.write_excerpt_index(out)?;
        for (i, row) in self.rows.iter().enumerate() {
            self.write_code_excerpts(i, row, out)?;
        }
        Ok(())
    }

    fn write_excerpt_index(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<nav aria-label=\"Excerpts by code\"><ul class=\"code-index\">"
        )?;
        for (i, row) in self.rows.iter().enumerate() {
            let n = self.excerpts.get(row.id()).map_or(0, Vec::len);
            writeln!(
                out,
                "<li class=\"depth-{}\"><a href=\"#excerpts-{i}\">{}</a> <span class=\"ref\">{n}</span></li>",
                row.depth.min(3),
                Escaped(row.label())
            )?;
        }
        writeln!(out, "</ul></nav>")
    }

    fn write_code_excerpts(&self, i: usize, row: &CodeRow, out: &mut dyn Write) -> io::Result<()> {
        let level = heading_level(row.depth);
        let all = self.excerpts.get(row.id()).map_or(&[][..], Vec::as_slice);
        writeln!(
            out,
            "<div class=\"excerpts\" id=\"excerpts-{i}\">\n<h{level}><span class=\"swatch\" \
             style=\"background:{}\"></span>{} <code>{}</code> <a class=\"jump\" \
             href=\"#code-{i}\">definition ↑</a></h{level}>",
            row.colour,
            Escaped(row.label()),
            Escaped(row.id())
        )?;
        if all.is_empty() {
            return writeln!(
                out,
                "<p class=\"ref\">No {} coded.</p>\n</div>",
                self.unit()
            );
        }
        let shown = spread_over_documents(all, self.options.max_excerpts);
        writeln!(
            out,
            "<p class=\"ref\">{} excerpt(s){}.</p>",
            thousands(all.len()),
            if shown.len() < all.len() {
                format!(", {} shown", shown.len())
            } else {
                String::new()
            }
        )?;
        for seg in &shown {
            self.write_excerpt(seg, &row.colour, out)?;
        }
        if shown.len() < all.len() {
            writeln!(
                out,
                "<p class=\"more\">{} more in excerpts.csv.</p>",
                thousands(all.len() - shown.len())
            )?;
        }
        writeln!(out, "</div>")
    }

    fn write_excerpt(
        &self,
        seg: &CodedSegment,
        colour: &str,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let Some(source) = self.source_of.get(&*seg.doc).map(|&i| &self.sources[i]) else {
            return Ok(());
        };
        let lang = seg
            .lang
            .map_or_else(String::new, |l| format!(" lang=\"{l}\""));
        writeln!(
            out,
            "<figure class=\"excerpt\" style=\"border-color:{colour}\">\n<blockquote{lang}>{}</blockquote>\n\
             <figcaption>{}<br>{}</figcaption>\n</figure>",
            highlight(
                &source.doc.text,
                &source.index,
                seg.start,
                seg.end,
                &seg.hits
            ),
            citation(source, seg),
            explanation(source, seg)
        )
    }
}

/// At most `max` of a code's segments, spread over its documents: each document gives one in
/// turn, so that a long document does not crowd the others out. Kept in corpus order.
fn spread_over_documents<'s>(segments: &[&'s CodedSegment], max: usize) -> Vec<&'s CodedSegment> {
    if segments.len() <= max {
        return segments.to_vec();
    }
    let runs: Vec<&[&CodedSegment]> = segments.chunk_by(|a, b| a.doc == b.doc).collect();
    let mut taken = vec![0; runs.len()];
    let mut chosen = 0;
    while chosen < max {
        for (run, taken) in runs.iter().zip(taken.iter_mut()) {
            if chosen < max && *taken < run.len() {
                *taken += 1;
                chosen += 1;
            }
        }
    }
    runs.iter()
        .zip(taken)
        .flat_map(|(run, n)| run[..n].iter().copied())
        .collect()
}

/// Where an excerpt comes from: the document's title, first author and year, and the page(s)
/// (PDF) or the section (Markdown, HTML, DOCX) it lies in.
fn citation(source: &Source, seg: &CodedSegment) -> String {
    let m = &source.doc.metadata;
    let mut parts = vec![format!("<cite>{}</cite>", Escaped(&m.title))];
    if let Some(byline) = byline(m) {
        parts.push(Escaped(&byline).to_string());
    }
    match source.doc.pages_of(seg.start, seg.end) {
        Some((first, last)) if first == last => parts.push(format!("p. {first}")),
        Some((first, last)) => parts.push(format!("p. {first}–{last}")),
        None => {
            if let Some(section) = source.doc.section_at(seg.start) {
                parts.push(format!("§ {}", Escaped(&section.title)));
            }
        }
    }
    parts.push(format!(
        "<span class=\"ref\">{} · {} · passage {}</span>",
        source.tag,
        Escaped(&seg.doc),
        seg.passage
    ));
    parts.join(" · ")
}

/// `First Author et al., 2024`, or what of it the metadata gives.
fn byline(m: &Metadata) -> Option<String> {
    let authors = match m.authors.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [one, two] => Some(format!("{one} and {two}")),
        [first, ..] => Some(format!("{first} et al.")),
    };
    match (authors, m.year) {
        (Some(a), Some(y)) => Some(format!("{a}, {y}")),
        (Some(a), None) => Some(a),
        (None, Some(y)) => Some(y.to_string()),
        (None, None) => None,
    }
}

/// Why an excerpt carries its code: each pattern that matched and the words it matched, or
/// who coded it by hand.
fn explanation(source: &Source, seg: &CodedSegment) -> String {
    if let Origin::Manual { coder } = &seg.origin {
        let memo = seg
            .memo
            .as_deref()
            .map_or_else(String::new, |m| format!(": “{}”", Escaped(m)));
        return format!(
            "<span class=\"why\">Coded by hand by {}{memo}</span>",
            Escaped(coder)
        );
    }
    let mut by_pattern: Vec<(&str, Vec<&str>)> = Vec::new();
    for hit in &seg.hits {
        let matched = slice_chars(&source.doc.text, &source.index, hit.start, hit.end);
        match by_pattern.iter_mut().find(|(p, _)| *p == &*hit.pattern) {
            Some((_, texts)) if !texts.contains(&matched) => texts.push(matched),
            Some(_) => {}
            None => by_pattern.push((&hit.pattern, vec![matched])),
        }
    }
    let reasons: Vec<String> = by_pattern
        .iter()
        .map(|(pattern, texts)| {
            let texts: Vec<String> = texts.iter().map(|t| format!("“{}”", Escaped(t))).collect();
            format!("<code>{}</code> → {}", Escaped(pattern), texts.join(", "))
        })
        .collect();
    format!(
        "<span class=\"why\">Matched ({} hit{}): {}</span>",
        seg.hits.len(),
        if seg.hits.len() == 1 { "" } else { "s" },
        reasons.join("; ")
    )
}

/// A span of a passage to highlight and the patterns that matched it.
#[derive(Debug, PartialEq)]
struct MarkSpan<'h> {
    start: usize,
    end: usize,
    patterns: Vec<&'h str>,
}

/// The hits clipped to `start..end`, in order, overlapping ones merged into one span (naming
/// every pattern). Adjacent hits stay separate spans, so each names its own pattern.
fn mark_spans(hits: &[Hit], start: usize, end: usize) -> Vec<MarkSpan<'_>> {
    let mut clipped: Vec<(usize, usize, &str)> = hits
        .iter()
        .map(|h| (h.start.max(start), h.end.min(end), &*h.pattern))
        .filter(|(s, e, _)| s < e)
        .collect();
    clipped.sort_unstable();
    let mut spans: Vec<MarkSpan> = Vec::new();
    for (s, e, pattern) in clipped {
        match spans.last_mut() {
            Some(last) if s < last.end => {
                last.end = last.end.max(e);
                if !last.patterns.contains(&pattern) {
                    last.patterns.push(pattern);
                }
            }
            _ => spans.push(MarkSpan {
                start: s,
                end: e,
                patterns: vec![pattern],
            }),
        }
    }
    spans
}

/// Characters `start..end` of `text` as HTML, with the spans the hits matched in `<mark>`.
/// Offsets are characters (not bytes), as in every coded segment. The HTML is made as it is
/// written: a passage can be as long as its document, and is not copied.
fn highlight<'a>(
    text: &'a str,
    index: &'a CharIndex,
    start: usize,
    end: usize,
    hits: &'a [Hit],
) -> Highlighted<'a> {
    Highlighted {
        text,
        index,
        start,
        end,
        hits,
    }
}

/// See [`highlight`].
struct Highlighted<'a> {
    text: &'a str,
    index: &'a CharIndex,
    start: usize,
    end: usize,
    hits: &'a [Hit],
}

impl fmt::Display for Highlighted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, index) = (self.text, self.index);
        let mut at = self.start;
        for span in mark_spans(self.hits, self.start, self.end) {
            write!(
                f,
                "{}<mark title=\"{}\">{}</mark>",
                Escaped(slice_chars(text, index, at, span.start)),
                Escaped(&format!("matched by {}", span.patterns.join(" | "))),
                Escaped(slice_chars(text, index, span.start, span.end))
            )?;
            at = span.end;
        }
        write!(f, "{}", Escaped(slice_chars(text, index, at, self.end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Document;
    use crate::report::tests::small_analysis;
    use crate::report::{ReportOptions, write_report_with};

    fn hit(start: usize, end: usize, pattern: &str) -> Hit {
        Hit {
            start,
            end,
            pattern: pattern.into(),
        }
    }

    #[test]
    fn overlapping_hits_merge_and_adjacent_hits_stay_apart() {
        let hits = [
            hit(6, 10, "b"),
            hit(0, 5, "a"),
            hit(3, 8, "c"),
            hit(10, 12, "d"),
        ];
        let spans = mark_spans(&hits, 0, 20);
        assert_eq!(
            spans,
            [
                MarkSpan {
                    start: 0,
                    end: 10,
                    patterns: vec!["a", "c", "b"]
                },
                MarkSpan {
                    start: 10,
                    end: 12,
                    patterns: vec!["d"]
                }
            ]
        );
        // Hits outside the passage are clipped to it or dropped.
        let outside = [hit(0, 4, "x"), hit(8, 30, "y"), hit(30, 40, "z")];
        let clipped = mark_spans(&outside, 2, 20);
        assert_eq!(
            clipped.iter().map(|s| (s.start, s.end)).collect::<Vec<_>>(),
            [(2, 4), (8, 20)]
        );
    }

    #[test]
    fn highlighting_counts_characters_not_bytes() {
        let text = "Ещё: утечка мозгов <и> brain drain.";
        let index = CharIndex::new(text);
        let start = text.chars().position(|c| c == 'у').unwrap();
        let hits = [
            hit(start, start + 13, "утечк* мозг*"),
            hit(start + 7, start + 13, "мозг*"),
            hit(23, 28, "brain"),
            hit(28, 34, " drain"),
        ];
        let html = highlight(text, &index, 0, text.chars().count(), &hits).to_string();
        assert_eq!(
            html,
            "Ещё: <mark title=\"matched by утечк* мозг* | мозг*\">утечка мозгов</mark> &lt;и&gt; \
             <mark title=\"matched by brain\">brain</mark><mark title=\"matched by  drain\"> drain</mark>."
        );
        // A passage in the middle of the text: only its own characters.
        assert_eq!(
            highlight(text, &index, start, start + 6, &hits).to_string(),
            "<mark title=\"matched by утечк* мозг*\">утечка</mark>"
        );
    }

    #[test]
    fn excerpts_are_capped_and_spread_over_documents() {
        let text = "Brain drain.\n\n".repeat(6);
        let analysis = small_analysis(vec![
            Document::new("long", text.clone()),
            Document::new("short", "Brain drain."),
        ]);
        let segments: Vec<&CodedSegment> = analysis
            .coding
            .segments
            .iter()
            .filter(|s| &*s.code == "brain_drain")
            .collect();
        let shown = spread_over_documents(&segments, 3);
        let docs: Vec<&str> = shown.iter().map(|s| &*s.doc).collect();
        assert_eq!(docs, ["long", "long", "short"]);
        let mut html = Vec::new();
        write_report_with(
            &analysis,
            ReportOptions {
                max_excerpts: 3,
                ..ReportOptions::default()
            },
            &mut html,
        )
        .unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("7 excerpt(s), 3 shown."), "{html}");
        assert!(html.contains("4 more in excerpts.csv."));
    }
}
