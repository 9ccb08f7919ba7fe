//! The HTML report: one self-contained page that a researcher opens in any browser, offline.
//!
//! [`write_report`] renders an [`Analysis`] as `report.html`, in seven sections:
//!
//! 1. a summary of the corpus, the codebook and how passages were coded and counted;
//! 2. code frequencies, as a bar chart (sub-codes indented under their theme, in the codes'
//!    colours) and a table;
//! 3. co-occurrence, as a heatmap of codes × codes and tables of the strongest pairs;
//! 4. codes by document;
//! 5. trends by year, when documents have years;
//! 6. the codebook, with every code's definition and example patterns;
//! 7. the coded excerpts by code, each cited (title, page or section) with the words that
//!    matched highlighted and the patterns that matched named.
//!
//! The page loads nothing and runs no script: the CSS is inline and the charts are inline SVG,
//! with a `<title>` on every bar, cell and point for tooltips and screen readers. The output is
//! deterministic (no timestamps, nothing in hash-map order), so the same analysis always gives
//! the same bytes and reports can be compared with `diff`.
//!
//! ```
//! use thematic::{Analysis, Codebook, Corpus, Unit};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let analysis = Analysis::run(
//!     Corpus::open("corpus")?,
//!     Codebook::from_path("codebooks/migration.toml")?,
//!     Unit::Paragraph,
//! )?;
//! let mut html = Vec::new();
//! thematic::report::write_report(&analysis, &mut html)?;
//! assert!(String::from_utf8(html)?.contains("<mark"));
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use crate::Analysis;
use crate::analysis::crosstab::{self, Crosstab, MISSING};
use crate::analysis::{Cooccurrence, CooccurrenceUnit, Frequency, OriginFilter, Tables};
use crate::codebook::{Code, Pattern};
use crate::coding::{CodedSegment, Hit, Origin, slice_chars};
use crate::corpus::{Document, Metadata};
use crate::text::CharIndex;

/// The most excerpts shown per code unless [`ReportOptions::max_excerpts`] says otherwise.
pub const DEFAULT_MAX_EXCERPTS: usize = 50;

/// The most pairs in each co-occurrence table unless [`ReportOptions::top_pairs`] says
/// otherwise (as many as `thematic analyze` prints).
pub const DEFAULT_TOP_PAIRS: usize = 10;

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// The most excerpts shown per code; the others are counted and left to `excerpts.csv`.
    pub max_excerpts: usize,
    /// The most pairs in each table of strongest co-occurrences.
    pub top_pairs: usize,
}

impl Default for ReportOptions {
    /// [`DEFAULT_MAX_EXCERPTS`] excerpts per code, [`DEFAULT_TOP_PAIRS`] pairs per table.
    fn default() -> ReportOptions {
        ReportOptions {
            max_excerpts: DEFAULT_MAX_EXCERPTS,
            top_pairs: DEFAULT_TOP_PAIRS,
        }
    }
}

/// Writes the HTML report of `analysis` with the default [`ReportOptions`].
pub fn write_report(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    write_report_with(analysis, ReportOptions::default(), out)
}

/// Writes the HTML report of `analysis` (see the [module documentation](self)).
pub fn write_report_with(
    analysis: &Analysis,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    Report::new(analysis, options).write(out)
}

/// The sections of the report, in order; each has an anchor and an entry in the contents.
#[derive(Debug, Clone, Copy)]
enum Section {
    Summary,
    Frequencies,
    Cooccurrence,
    Documents,
    Trends,
    Codebook,
    Excerpts,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Summary,
        Section::Frequencies,
        Section::Cooccurrence,
        Section::Documents,
        Section::Trends,
        Section::Codebook,
        Section::Excerpts,
    ];

    fn anchor(self) -> &'static str {
        match self {
            Section::Summary => "summary",
            Section::Frequencies => "frequencies",
            Section::Cooccurrence => "cooccurrence",
            Section::Documents => "documents",
            Section::Trends => "trends",
            Section::Codebook => "codebook",
            Section::Excerpts => "excerpts",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Section::Summary => "Summary",
            Section::Frequencies => "Code frequencies",
            Section::Cooccurrence => "Co-occurrence",
            Section::Documents => "Codes by document",
            Section::Trends => "Trends by year",
            Section::Codebook => "Codebook",
            Section::Excerpts => "Excerpts",
        }
    }
}

/// One code as the report shows it: its row of the frequency table and how to draw it.
struct CodeRow<'a> {
    freq: &'a Frequency,
    /// Its definition; `None` for a code found only in manual codings.
    code: Option<&'a Code>,
    /// 0 for a theme (top-level code), 1 for its sub-codes, …
    depth: usize,
    /// `#rrggbb`: its own colour, else its nearest coloured ancestor's, else its theme's
    /// colour from a colour-blind-safe palette.
    colour: String,
    has_subcodes: bool,
}

impl CodeRow<'_> {
    fn id(&self) -> &str {
        &self.freq.code
    }

    fn label(&self) -> &str {
        &self.freq.label
    }
}

/// A document of the corpus with its text indexed for character offsets.
struct Source<'a> {
    doc: &'a Document,
    /// `D1`, `D2`, …: how tables too narrow for titles name the document.
    tag: String,
    index: CharIndex,
}

/// Everything the sections share, computed once.
struct Report<'a> {
    analysis: &'a Analysis,
    options: ReportOptions,
    rows: Vec<CodeRow<'a>>,
    sources: Vec<Source<'a>>,
    source_of: HashMap<&'a str, usize>,
    /// The counted segments of each code, in corpus order.
    excerpts: HashMap<&'a str, Vec<&'a CodedSegment>>,
    /// The tables with sub-codes counted for their themes (the analysis's own, when it rolls
    /// up).
    themes: Cow<'a, Tables>,
}

impl<'a> Report<'a> {
    fn new(analysis: &'a Analysis, options: ReportOptions) -> Report<'a> {
        let tables = &analysis.tables;
        let sources: Vec<Source<'a>> = analysis
            .corpus
            .documents()
            .iter()
            .enumerate()
            .map(|(i, doc)| Source {
                doc,
                tag: format!("D{}", i + 1),
                index: CharIndex::new(&doc.text),
            })
            .collect();
        let source_of = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (&*s.doc.id, i))
            .collect();
        let themes = if tables.options.roll_up {
            Cow::Borrowed(tables)
        } else {
            let options = crate::analysis::TableOptions {
                roll_up: true,
                ..tables.options
            };
            Cow::Owned(Tables::compute_in(
                &analysis.coding,
                &analysis.codebook,
                options,
                Some(&analysis.corpus),
            ))
        };
        let mut report = Report {
            analysis,
            options,
            rows: code_rows(analysis),
            sources,
            source_of,
            excerpts: HashMap::new(),
            themes,
        };
        report.excerpts = report.counted_segments_by_code();
        report
    }

    /// The segments the tables count (same origin and language filters), by code.
    fn counted_segments_by_code(&self) -> HashMap<&'a str, Vec<&'a CodedSegment>> {
        let options = self.analysis.tables.options;
        let wanted_lang = options.lang.map(|l| crate::lang::code(Some(l)));
        let langs: HashMap<&str, &[u8]> = self
            .analysis
            .coding
            .documents
            .iter()
            .map(|d| (&*d.id, d.langs.as_slice()))
            .collect();
        let mut by_code: HashMap<&'a str, Vec<&'a CodedSegment>> = HashMap::new();
        for seg in &self.analysis.coding.segments {
            let in_language = wanted_lang.is_none_or(|want| {
                langs
                    .get(&*seg.doc)
                    .and_then(|l| l.get(seg.passage))
                    .is_some_and(|&l| l == want)
            });
            if options.origin.admits(&seg.origin) && in_language {
                by_code.entry(&*seg.code).or_default().push(seg);
            }
        }
        by_code
    }

    fn unit(&self) -> String {
        self.analysis.coding.unit.to_string()
    }

    /// The name of what co-occurrence counts, plural: `paragraphs`, `documents`, `windows`.
    fn counted(&self) -> String {
        match self.analysis.tables.options.unit {
            CooccurrenceUnit::Document => "documents".to_string(),
            _ => format!("{}s", self.unit()),
        }
    }

    fn row_index(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.id() == id)
    }

    fn label_of(&self, id: &str) -> String {
        self.row_index(id)
            .map_or_else(|| id.to_string(), |i| self.rows[i].label().to_string())
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        self.write_head(out)?;
        writeln!(out, "<body>")?;
        self.write_masthead(out)?;
        write_contents(out)?;
        writeln!(out, "<main>")?;
        for section in Section::ALL {
            let anchor = section.anchor();
            writeln!(
                out,
                "<section id=\"{anchor}\" aria-labelledby=\"{anchor}-title\">\n<h2 id=\"{anchor}-title\">{}</h2>",
                section.title()
            )?;
            match section {
                Section::Summary => self.write_summary(out)?,
                Section::Frequencies => self.write_frequencies(out)?,
                Section::Cooccurrence => self.write_cooccurrence(out)?,
                Section::Documents => self.write_documents(out)?,
                Section::Trends => self.write_trends(out)?,
                Section::Codebook => self.write_codebook(out)?,
                Section::Excerpts => self.write_excerpts(out)?,
            }
            writeln!(out, "</section>")?;
        }
        writeln!(out, "</main>")?;
        self.write_footer(out)?;
        writeln!(out, "</body>\n</html>")
    }

    fn write_head(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"thematic {}\">\n\
             <title>Thematic analysis: {}</title>\n<style>\n{CSS}</style>\n</head>",
            env!("CARGO_PKG_VERSION"),
            Escaped(&self.analysis.codebook.name)
        )
    }

    fn write_masthead(&self, out: &mut dyn Write) -> io::Result<()> {
        let a = self.analysis;
        let corpus = a
            .corpus
            .name()
            .map_or_else(String::new, |n| format!(" of <cite>{}</cite>", Escaped(n)));
        writeln!(
            out,
            "<header class=\"masthead\">\n<p class=\"kicker\">Thematic analysis report</p>\n\
             <h1>{}</h1>\n<p class=\"lede\">{} documents{corpus}, cut into {} {}s and coded \
             against the codebook <cite>{}</cite>.</p>\n</header>",
            Escaped(&a.codebook.name),
            a.coding.documents.len(),
            thousands(a.tables.passages),
            self.unit(),
            Escaped(&a.codebook.title()),
        )
    }

    fn write_footer(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "<footer>\n<p>Written by thematic {}. The tables are also in frequencies.csv, \
             cooccurrence.csv, code_by_document.csv and results.xlsx; every coded passage is in \
             excerpts.csv and excerpts.jsonl, beside this file.</p>\n</footer>",
            env!("CARGO_PKG_VERSION")
        )
    }

    // ----- 1. Summary -------------------------------------------------------------------

    fn write_summary(&self, out: &mut dyn Write) -> io::Result<()> {
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

    // ----- 2. Frequencies ---------------------------------------------------------------

    fn write_frequencies(&self, out: &mut dyn Write) -> io::Result<()> {
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

    // ----- 3. Co-occurrence -------------------------------------------------------------

    fn write_cooccurrence(&self, out: &mut dyn Write) -> io::Result<()> {
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
    fn theme_pairs(&self) -> Vec<&Cooccurrence> {
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

    // ----- 4. Codes by document ---------------------------------------------------------

    fn write_documents(&self, out: &mut dyn Write) -> io::Result<()> {
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

    // ----- 5. Trends --------------------------------------------------------------------

    fn write_trends(&self, out: &mut dyn Write) -> io::Result<()> {
        let a = self.analysis;
        let by_year = a.crosstabs.iter().find(|c| c.field == "year").map_or_else(
            || {
                Cow::Owned(crosstab::crosstab(
                    &a.coding,
                    &a.codebook,
                    "year",
                    a.tables.options,
                ))
            },
            Cow::Borrowed,
        );
        let years = year_columns(&by_year);
        let undated = by_year
            .values
            .iter()
            .position(|v| v == MISSING)
            .map_or(0, |i| by_year.documents[i]);
        if years.is_empty() {
            return writeln!(
                out,
                "<p>No document has a year in its metadata (give years in corpus.toml to see \
                 trends).</p>"
            );
        }
        if undated > 0 {
            writeln!(
                out,
                "<p>{undated} document(s) without a year are left out of the chart; the table \
                 lists them under “{MISSING}”.</p>"
            )?;
        }
        if years.len() > 1 {
            self.write_trend_chart(&years, out)?;
        } else {
            writeln!(
                out,
                "<p>All dated documents are from one year, so there is no trend to draw.</p>"
            )?;
        }
        self.write_trend_table(&by_year, out)
    }

    /// The share of each theme's (sub-codes included) passages by year, as lines.
    fn write_trend_chart(&self, years: &[(usize, i32)], out: &mut dyn Write) -> io::Result<()> {
        let a = self.analysis;
        let options = crate::analysis::TableOptions {
            roll_up: true,
            ..a.tables.options
        };
        let themes = crosstab::crosstab(&a.coding, &a.codebook, "year", options);
        let mut series: Vec<Series> = themes
            .rows
            .iter()
            .filter(|r| !r.code.contains('/'))
            .map(|r| Series {
                label: r.label.clone(),
                colour: self
                    .row_index(&r.code)
                    .map_or_else(|| PALETTE[0].to_string(), |i| self.rows[i].colour.clone()),
                points: years
                    .iter()
                    .map(|&(column, year)| Point {
                        year,
                        share: r.shares[column],
                        passages: r.passages[column],
                        total: themes.passages[column],
                    })
                    .collect(),
            })
            .collect();
        let total = series.len();
        let shown = total.min(MAX_SERIES);
        let has_subcodes = self.rows.iter().any(|r| r.depth > 0);
        // Too many lines are unreadable: keep the most frequent, in codebook order.
        if series.len() > MAX_SERIES {
            let mut order: Vec<usize> = (0..series.len()).collect();
            order.sort_by_key(|&i| {
                std::cmp::Reverse(series[i].points.iter().map(|p| p.passages).sum::<usize>())
            });
            order.truncate(MAX_SERIES);
            order.sort_unstable();
            series = order.into_iter().map(|i| series[i].clone()).collect();
        }
        writeln!(
            out,
            "<figure>\n<figcaption>Share of each year's {}s coded with each {}{}{}.</figcaption>",
            self.unit(),
            if has_subcodes { "theme" } else { "code" },
            if has_subcodes {
                " (its sub-codes included)"
            } else {
                ""
            },
            if total > shown {
                format!(", the {shown} most frequent shown")
            } else {
                String::new()
            }
        )?;
        line_chart(&series, out)?;
        writeln!(out, "</figure>")
    }

    fn write_trend_table(&self, by_year: &Crosstab, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        write!(
            out,
            "<div class=\"scroll\"><table class=\"trends\">\n<caption>{} coded with each code by \
             year, and their share of the year's {unit}s</caption>\n<thead><tr><th scope=\"col\">Code</th>",
            capitalised(&format!("{unit}s"))
        )?;
        for (i, value) in by_year.values.iter().enumerate() {
            write!(
                out,
                "<th scope=\"col\" class=\"num\">{}<br><span class=\"ref\">{} doc. · {} {unit}s</span></th>",
                Escaped(value),
                by_year.documents[i],
                thousands(by_year.passages[i])
            )?;
        }
        writeln!(out, "</tr></thead>\n<tbody>")?;
        for row in &by_year.rows {
            let depth = row.code.matches('/').count();
            write!(
                out,
                "<tr class=\"depth-{}\"><th scope=\"row\">{}</th>",
                depth.min(3),
                Escaped(&row.label)
            )?;
            for (passages, share) in row.passages.iter().zip(&row.shares) {
                if *passages == 0 {
                    write!(out, "<td class=\"num zero\">0</td>")?;
                } else {
                    write!(
                        out,
                        "<td class=\"num\">{} <span class=\"ref\">{}</span></td>",
                        thousands(*passages),
                        percent(*share)
                    )?;
                }
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table></div>")
    }

    // ----- 6. Codebook ------------------------------------------------------------------

    fn write_codebook(&self, out: &mut dyn Write) -> io::Result<()> {
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

    // ----- 7. Excerpts ------------------------------------------------------------------

    fn write_excerpts(&self, out: &mut dyn Write) -> io::Result<()> {
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

/// The contents: a link to every section.
fn write_contents(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<nav class=\"contents\" aria-labelledby=\"contents-title\">\n<h2 id=\"contents-title\">Contents</h2>\n<ol>"
    )?;
    for section in Section::ALL {
        writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            section.anchor(),
            section.title()
        )?;
    }
    writeln!(out, "</ol>\n</nav>")
}

/// The codes in the frequency table's order, with their depth, colour and definition.
fn code_rows(analysis: &Analysis) -> Vec<CodeRow<'_>> {
    let frequencies = &analysis.tables.frequencies;
    let mut theme_colours: Vec<&str> = Vec::new();
    frequencies
        .iter()
        .map(|freq| {
            let code = analysis.codebook.code(&freq.code);
            let theme = crate::codebook::theme_of(&freq.code);
            let theme_number = theme_colours
                .iter()
                .position(|t| *t == theme)
                .unwrap_or_else(|| {
                    theme_colours.push(theme);
                    theme_colours.len() - 1
                });
            CodeRow {
                freq,
                code,
                depth: code.map_or_else(|| freq.code.matches('/').count(), Code::depth),
                colour: colour_of(analysis, &freq.code)
                    .unwrap_or_else(|| PALETTE[theme_number % PALETTE.len()].to_string()),
                has_subcodes: frequencies
                    .iter()
                    .any(|other| parent_of(&other.code) == Some(&*freq.code)),
            }
        })
        .collect()
}

fn parent_of(id: &str) -> Option<&str> {
    id.rsplit_once('/').map(|(parent, _)| parent)
}

/// The colour of code `id` or of its nearest ancestor that has one, as `#rrggbb`.
fn colour_of(analysis: &Analysis, id: &str) -> Option<String> {
    let mut current = Some(id);
    while let Some(id) = current {
        if let Some(colour) = analysis
            .codebook
            .code(id)
            .and_then(|c| c.colour.as_deref())
            .and_then(parse_hex)
        {
            return Some(hex(colour));
        }
        current = parent_of(id);
    }
    None
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

/// The columns of a crosstab by year that are years, with the year each holds.
fn year_columns(by_year: &Crosstab) -> Vec<(usize, i32)> {
    by_year
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.parse::<i32>().ok().map(|y| (i, y)))
        .collect()
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

/// The heading level for a code at `depth` in sections whose titles are `<h2>`.
fn heading_level(depth: usize) -> usize {
    (3 + depth).min(6)
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

// ----- Charts (inline SVG) ------------------------------------------------------------------

/// The average advance of a character of the sans-serif fonts the page asks for, in ems: a
/// little wide, so that estimated label widths err on the side of room.
const CHAR_EM: f64 = 0.55;

fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * CHAR_EM
}

/// The most characters of a label that fit in `width` pixels.
fn chars_fitting(width: f64, font_px: f64) -> usize {
    (width / (font_px * CHAR_EM)).floor().max(4.0) as usize
}

/// One bar of the frequency chart: the code's passages, and with a pale extension those of
/// its sub-codes.
struct Bar<'r> {
    row: &'r CodeRow<'r>,
    /// Where the pale extension ends, if the bar has one.
    extension: Option<usize>,
    /// The figure written after the bar.
    value: String,
    tooltip: String,
}

impl<'r> Bar<'r> {
    fn new(row: &'r CodeRow<'r>, roll_up: bool, unit: &str) -> Bar<'r> {
        let f = row.freq;
        // Rolled-up counts already include the sub-codes; otherwise a theme's reach with its
        // sub-codes is drawn as an extension.
        let extension = (!roll_up && row.has_subcodes && f.passages_with_subcodes > f.passages)
            .then_some(f.passages_with_subcodes);
        let mut tooltip = format!(
            "{} ({}): {} {unit}s ({}), {} documents, {} hits",
            row.label(),
            row.id(),
            thousands(f.passages),
            percent(f.share),
            f.documents,
            thousands(f.hits)
        );
        let mut value = thousands(f.passages);
        if let Some(reach) = extension {
            tooltip.push_str(&format!("; {} with its sub-codes", thousands(reach)));
            value.push_str(&format!(" ({} with sub-codes)", thousands(reach)));
        }
        Bar {
            row,
            extension,
            value,
            tooltip,
        }
    }

    fn end(&self) -> usize {
        self.extension.unwrap_or(self.row.freq.passages)
    }
}

/// Bars of each code's passages, sub-codes indented under their theme, in the codes' colours.
fn bar_chart(rows: &[CodeRow], roll_up: bool, unit: &str, out: &mut dyn Write) -> io::Result<()> {
    const WIDTH: f64 = 1040.0;
    const ROW: f64 = 24.0;
    const BAR: f64 = 15.0;
    const FONT: f64 = 13.0;
    const VALUE_FONT: f64 = 12.0;
    const INDENT: f64 = 18.0;
    const TOP: f64 = 8.0;
    const AXIS: f64 = 28.0;
    let bars: Vec<Bar> = rows.iter().map(|r| Bar::new(r, roll_up, unit)).collect();
    let label_x = |row: &CodeRow| 6.0 + INDENT * row.depth as f64;
    let label_room = bars
        .iter()
        .map(|b| label_x(b.row) + text_width(b.row.label(), FONT))
        .fold(120.0, f64::max)
        .min(470.0)
        + 12.0;
    let value_room = bars
        .iter()
        .map(|b| text_width(&b.value, VALUE_FONT))
        .fold(0.0, f64::max)
        + 16.0;
    let max = bars.iter().map(Bar::end).max().unwrap_or(0).max(1) as f64;
    let plot = WIDTH - label_room - value_room;
    let x = |value: f64| label_room + plot * value / max;
    let bottom = TOP + ROW * bars.len() as f64;
    let height = bottom + AXIS;
    writeln!(
        out,
        "<svg class=\"chart bars\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" \
         height=\"{height:.0}\" role=\"img\" aria-labelledby=\"bars-title\" \
         font-size=\"{FONT}\">\n<title id=\"bars-title\">Bar chart: {unit}s coded with each \
         code</title>"
    )?;
    // The longest bar spans the plot; the ticks stop at the last round value within it.
    let step = nice_step(max, 6).max(1.0);
    let mut tick = 0.0;
    while tick <= max + 1e-9 {
        writeln!(
            out,
            "<line class=\"grid\" x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{TOP}\" y2=\"{bottom:.1}\"/>\
             <text class=\"tick\" x=\"{at:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\">{label}</text>",
            at = x(tick),
            label_y = bottom + 18.0,
            label = thousands(tick as usize)
        )?;
        tick += step;
    }
    for (i, bar) in bars.iter().enumerate() {
        let row = bar.row;
        let y = TOP + ROW * i as f64;
        let baseline = y + ROW / 2.0 + FONT * 0.35;
        let bar_y = y + (ROW - BAR) / 2.0;
        let label = truncate(
            row.label(),
            chars_fitting(label_room - label_x(row) - 10.0, FONT),
        );
        let weight = if row.depth == 0 {
            " class=\"theme\""
        } else {
            ""
        };
        writeln!(
            out,
            "<g><title>{}</title>\n<text{weight} x=\"{:.1}\" y=\"{baseline:.1}\">{}</text>",
            Escaped(&bar.tooltip),
            label_x(row),
            Escaped(&label)
        )?;
        if let Some(reach) = bar.extension {
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{bar_y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\" fill-opacity=\"0.3\"/>",
                x(0.0),
                x(reach as f64) - x(0.0),
                row.colour
            )?;
        }
        writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{bar_y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>\n\
             <text class=\"value\" x=\"{:.1}\" y=\"{baseline:.1}\">{}</text>\n</g>",
            x(0.0),
            x(row.freq.passages as f64) - x(0.0),
            row.colour,
            x(bar.end() as f64) + 5.0,
            Escaped(&bar.value)
        )?;
    }
    writeln!(out, "</svg>")
}

/// Where the heatmap's parts go.
struct Grid {
    /// Left edge of the cells (the row labels are to its left).
    left: f64,
    /// Top edge of the cells (the column labels are above it).
    top: f64,
    cell: f64,
    cell_font: f64,
}

impl Grid {
    const FONT: f64 = 12.0;
    const INDENT: f64 = 12.0;
    const LEGEND: f64 = 56.0;
    /// Longest row and column labels, in characters; the full label is in their tooltip.
    const ROW_LABEL: usize = 44;
    const COLUMN_LABEL: usize = 34;

    fn new(rows: &[CodeRow]) -> Grid {
        let widest = |limit: usize| {
            rows.iter()
                .map(|r| text_width(&truncate(r.label(), limit), Self::FONT))
                .fold(60.0, f64::max)
        };
        let deepest = rows.iter().map(|r| r.depth).max().unwrap_or(0) as f64;
        // Small cells for a large codebook, so the grid stays within reach of its labels.
        let (cell, cell_font) = if rows.len() > 30 {
            (18.0, 9.0)
        } else {
            (27.0, 11.0)
        };
        Grid {
            left: widest(Self::ROW_LABEL) + Self::INDENT * deepest + 14.0,
            top: widest(Self::COLUMN_LABEL) + 10.0,
            cell,
            cell_font,
        }
    }

    fn size(&self, n: usize) -> f64 {
        self.cell * n as f64
    }
}

/// A codes × codes grid: counts in the cells, shaded by Jaccard index, a `<title>` per cell.
fn heatmap(
    rows: &[CodeRow],
    counts: &[Vec<usize>],
    jaccard: &[Vec<f64>],
    counted: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let n = rows.len();
    let grid = Grid::new(rows);
    let width = (grid.left + grid.size(n) + 10.0).max(420.0);
    let height = grid.top + grid.size(n) + Grid::LEGEND;
    writeln!(
        out,
        "<svg class=\"chart heatmap\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" \
         height=\"{height:.0}\" role=\"img\" aria-labelledby=\"heatmap-title\" font-size=\"{}\">\n\
         <title id=\"heatmap-title\">Heatmap: {counted} coded with both codes, {n} × {n} codes, \
         shaded by Jaccard index</title>",
        Grid::FONT
    )?;
    heatmap_labels(rows, &grid, out)?;
    let max_jaccard = jaccard
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    heatmap_cells(rows, counts, jaccard, max_jaccard, counted, &grid, out)?;
    theme_rules(rows, &grid, out)?;
    heatmap_legend(max_jaccard, grid.left, grid.top + grid.size(n) + 22.0, out)?;
    writeln!(out, "</svg>")
}

/// The codes' labels left of the rows and, turned, above the columns.
fn heatmap_labels(rows: &[CodeRow], grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        let weight = if row.depth == 0 {
            " class=\"theme\""
        } else {
            ""
        };
        let centre = |at: f64| at + grid.cell * (i as f64 + 0.5) + Grid::FONT * 0.35;
        writeln!(
            out,
            "<text{weight} x=\"{:.1}\" y=\"{:.1}\"><title>{label}</title>{}</text>\n\
             <text{weight} transform=\"translate({:.1} {:.1}) rotate(-90)\"><title>{label}</title>{}</text>",
            4.0 + Grid::INDENT * row.depth as f64,
            centre(grid.top),
            Escaped(&truncate(row.label(), Grid::ROW_LABEL)),
            centre(grid.left),
            grid.top - 6.0,
            Escaped(&truncate(row.label(), Grid::COLUMN_LABEL)),
            label = Escaped(row.label()),
        )?;
    }
    Ok(())
}

/// One cell per pair of codes: the count, a shade for the Jaccard index, a tooltip. The
/// diagonal, each code with itself, is grey with its count in bold.
fn heatmap_cells(
    rows: &[CodeRow],
    counts: &[Vec<usize>],
    jaccard: &[Vec<f64>],
    max_jaccard: f64,
    counted: &str,
    grid: &Grid,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "<g class=\"cells\" font-size=\"{}\">", grid.cell_font)?;
    let cell = grid.cell;
    for (i, a) in rows.iter().enumerate() {
        for (j, b) in rows.iter().enumerate() {
            let (fill, tooltip) = if i == j {
                (
                    "#e8e8e8".to_string(),
                    format!("{}: {} {counted} coded", a.label(), thousands(counts[i][i])),
                )
            } else {
                (
                    sequential(jaccard[i][j] / max_jaccard),
                    format!(
                        "{} × {}: {} {counted} with both, Jaccard {:.3}",
                        a.label(),
                        b.label(),
                        thousands(counts[i][j]),
                        jaccard[i][j]
                    ),
                )
            };
            let (x, y) = (grid.left + cell * j as f64, grid.top + cell * i as f64);
            write!(
                out,
                "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\"/>",
                Escaped(&tooltip)
            )?;
            if counts[i][j] > 0 {
                let bold = if i == j { " font-weight=\"bold\"" } else { "" };
                write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\"{bold}>{}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + grid.cell_font * 0.35,
                    ink_on(&fill),
                    counts[i][j]
                )?;
            }
            writeln!(out, "</g>")?;
        }
    }
    writeln!(out, "</g>")
}

/// Lines across the heatmap where a new theme begins, and a frame around it.
fn theme_rules(rows: &[CodeRow], grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let (left, top) = (grid.left, grid.top);
    let size = grid.size(rows.len());
    for (i, _) in rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i > 0 && r.depth == 0)
    {
        let at = grid.size(i);
        writeln!(
            out,
            "<line class=\"rule\" x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <line class=\"rule\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top:.1}\" y2=\"{:.1}\"/>",
            left + size,
            top + at,
            top + at,
            left + at,
            left + at,
            top + size
        )?;
    }
    writeln!(
        out,
        "<rect class=\"frame\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{size:.1}\" height=\"{size:.1}\"/>"
    )
}

fn heatmap_legend(max: f64, left: f64, y: f64, out: &mut dyn Write) -> io::Result<()> {
    const SWATCH: f64 = 30.0;
    writeln!(
        out,
        "<g class=\"legend\"><text x=\"{left:.1}\" y=\"{:.1}\">Jaccard index</text>",
        y + 12.0
    )?;
    let start = left + 100.0;
    for k in 0..=5 {
        let t = k as f64 / 5.0;
        let x = start + SWATCH * k as f64;
        writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{SWATCH}\" height=\"16\" fill=\"{}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.2}</text>",
            sequential(t),
            x + SWATCH / 2.0,
            y + 30.0,
            t * max
        )?;
    }
    writeln!(out, "</g>")
}

/// Most lines in the trend chart.
const MAX_SERIES: usize = 8;

/// One line of the trend chart.
#[derive(Clone)]
struct Series {
    label: String,
    colour: String,
    points: Vec<Point>,
}

#[derive(Clone, Copy)]
struct Point {
    year: i32,
    share: f64,
    passages: usize,
    /// The year's passages.
    total: usize,
}

/// Shares by year as lines, years on a linear scale, with a legend at the right.
fn line_chart(series: &[Series], out: &mut dyn Write) -> io::Result<()> {
    const WIDTH: f64 = 1040.0;
    const HEIGHT: f64 = 320.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 290.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 44.0;
    const PAD: f64 = 24.0;
    const FONT: f64 = 13.0;
    let years: Vec<i32> = series
        .first()
        .map(|s| s.points.iter().map(|p| p.year).collect())
        .unwrap_or_default();
    let (first, last) = match (years.first(), years.last()) {
        (Some(&f), Some(&l)) if l > f => (f as f64, l as f64),
        _ => return Ok(()),
    };
    let max_share = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.share))
        .fold(0.0, f64::max)
        .max(0.01);
    let step = nice_step(max_share, 5);
    let top_share = (max_share / step).ceil() * step;
    let plot_w = WIDTH - LEFT - RIGHT - 2.0 * PAD;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |year: i32| LEFT + PAD + plot_w * (year as f64 - first) / (last - first);
    let y = |share: f64| TOP + plot_h * (1.0 - share / top_share);
    writeln!(
        out,
        "<svg class=\"chart lines\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"trend-title\" font-size=\"{FONT}\">\n\
         <title id=\"trend-title\">Line chart: share of passages coded with each theme, by year</title>"
    )?;
    let mut tick = 0.0;
    while tick <= top_share + 1e-9 {
        writeln!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{right:.1}\" y1=\"{at:.1}\" y2=\"{at:.1}\"/>\
             <text class=\"tick\" x=\"{label_x:.1}\" y=\"{label_y:.1}\" text-anchor=\"end\">{label}</text>",
            right = WIDTH - RIGHT,
            at = y(tick),
            label_x = LEFT - 6.0,
            label_y = y(tick) + FONT * 0.35,
            label = percent_rounded(tick)
        )?;
        tick += step;
    }
    // Label every year when they fit, else every k-th.
    let every = years.len().div_ceil(14).max(1);
    for &year in years.iter().step_by(every) {
        writeln!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{year}</text>",
            x(year),
            HEIGHT - BOTTOM + 20.0
        )?;
    }
    for (k, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.year), y(p.share)))
            .collect();
        writeln!(
            out,
            "<g><title>{}</title><polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" points=\"{}\"/>",
            Escaped(&s.label),
            s.colour,
            points.join(" ")
        )?;
        for p in &s.points {
            writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"><title>{}, {}: {} of {} passages ({})</title></circle>",
                x(p.year),
                y(p.share),
                s.colour,
                Escaped(&s.label),
                p.year,
                thousands(p.passages),
                thousands(p.total),
                percent(p.share)
            )?;
        }
        let legend_y = TOP + 8.0 + 22.0 * k as f64;
        let legend_x = WIDTH - RIGHT + 20.0;
        writeln!(
            out,
            "<line x1=\"{legend_x:.1}\" x2=\"{:.1}\" y1=\"{legend_y:.1}\" y2=\"{legend_y:.1}\" \
             stroke=\"{}\" stroke-width=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n</g>",
            legend_x + 22.0,
            s.colour,
            legend_x + 28.0,
            legend_y + FONT * 0.35,
            Escaped(&truncate(&s.label, chars_fitting(RIGHT - 52.0, FONT)))
        )?;
    }
    writeln!(out, "</svg>")
}

/// A round step for about `ticks` axis divisions up to `max`: 1, 2 or 5 times a power of ten.
fn nice_step(max: f64, ticks: usize) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = match raw / magnitude {
        r if r <= 1.0 => 1.0,
        r if r <= 2.0 => 2.0,
        r if r <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

// ----- Colours -----------------------------------------------------------------------------

/// Colours for themes whose codes have none: Okabe and Ito's colour-blind-safe palette
/// (without its yellow, too pale on white).
const PALETTE: [&str; 7] = [
    "#0072b2", "#009e73", "#d55e00", "#cc79a7", "#e69f00", "#56b4e9", "#666666",
];

/// The light and dark ends of the shading of counts and indices.
const SHADE_LOW: (u8, u8, u8) = (0xf4, 0xf8, 0xfc);
const SHADE_HIGH: (u8, u8, u8) = (0x08, 0x3d, 0x7a);

type Rgb = (u8, u8, u8);

/// `#rgb` or `#rrggbb` as red, green, blue.
fn parse_hex(colour: &str) -> Option<Rgb> {
    let hex = colour.strip_prefix('#')?;
    let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
    match hex.len() {
        3 => Some((digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some((digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A shade for `t` from 0 (nearly white) to 1 (dark blue), `t` clamped.
fn sequential(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |low: u8, high: u8| (low as f64 + (high as f64 - low as f64) * t).round() as u8;
    hex((
        mix(SHADE_LOW.0, SHADE_HIGH.0),
        mix(SHADE_LOW.1, SHADE_HIGH.1),
        mix(SHADE_LOW.2, SHADE_HIGH.2),
    ))
}

/// Dark text on a light background, white on a dark one.
fn ink_on(background: &str) -> &'static str {
    let (r, g, b) = parse_hex(background).unwrap_or((255, 255, 255));
    let luma = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
    if luma > 150.0 { "#1a1a1a" } else { "#ffffff" }
}

// ----- Text --------------------------------------------------------------------------------

/// Text made safe inside HTML elements, attributes and SVG: `& < > " '` become character
/// references, and control characters other than tab and line feed, which HTML forbids,
/// become spaces.
struct Escaped<'s>(&'s str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut plain = 0;
        for (i, c) in self.0.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' => continue,
                c if c.is_control() => " ",
                _ => continue,
            };
            f.write_str(&self.0[plain..i])?;
            f.write_str(replacement)?;
            plain = i + c.len_utf8();
        }
        f.write_str(&self.0[plain..])
    }
}

#[cfg(test)]
fn escape(text: &str) -> String {
    Escaped(text).to_string()
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > max => {
            Cow::Owned(format!("{}…", text[..cut].trim_end()))
        }
        _ => Cow::Borrowed(text),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(d);
    }
    grouped
}

/// A share as a percentage with one decimal: `13.8%`.
fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// An axis share as a percentage with no more decimals than it needs: `5%`, `2.5%`.
fn percent_rounded(share: f64) -> String {
    let p = 100.0 * share;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// The page's style sheet: system fonts (any with Cyrillic), readable line lengths, tables and
/// charts that print, no page-breaks inside an excerpt.
const CSS: &str = r#":root { --ink: #1a1a1a; --muted: #5d6166; --rule: #d8dadd; --link: #0b57a4; --mark: #ffe066; --paper: #ffffff; --panel: #f6f7f9; }
* { box-sizing: border-box; }
html { background: var(--paper); }
body { margin: 0; color: var(--ink); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
.masthead, main, footer, nav.contents { max-width: 1120px; margin: 0 auto; padding: 0 32px; }
.masthead { padding-top: 28px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: .8rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: .15em 0 .3em; }
.lede { font-size: 1.1rem; color: #33373c; margin: 0 0 1em; max-width: 60em; }
h2 { font-size: 1.5rem; margin: 2.2em 0 .6em; padding-bottom: .2em; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.15rem; margin: 1.6em 0 .4em; }
h4, h5, h6 { font-size: 1rem; margin: 1.2em 0 .3em; }
p, li, dd { max-width: 75em; }
a { color: var(--link); }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; background: var(--panel); padding: 0 .25em; border-radius: 3px; }
code.id { background: none; color: var(--muted); font-size: .75em; }
nav.contents h2 { font-size: 1rem; border: 0; margin: .5em 0 .2em; }
nav.contents ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .3em 1.4em; counter-reset: part; }
nav.contents li { counter-increment: part; }
nav.contents li::before { content: counter(part) ". "; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1.2em; margin: 1em 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ul.glance li { margin: .2em 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .88rem; margin: .6em 0 1.4em; }
caption { text-align: left; color: var(--muted); padding: 0 0 .4em; caption-side: top; }
th, td { padding: .3em .6em; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); vertical-align: bottom; }
tbody th { font-weight: normal; }
tfoot th, tfoot td { border-top: 2px solid var(--ink); color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.depth-0 > th { font-weight: 600; }
tr.depth-1 > th { padding-left: 1.6em; }
tr.depth-2 > th { padding-left: 2.6em; }
tr.depth-3 > th { padding-left: 3.6em; }
table.matrix th.doc { font-weight: normal; font-size: .8rem; min-width: 9em; max-width: 14em; white-space: normal; }
table.matrix td { min-width: 3.5em; }
td.zero { color: #b5b8bc; }
td.heat { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.tag { display: inline-block; font-weight: 600; color: var(--muted); }
.ref { color: var(--muted); font-size: .85em; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .45em; vertical-align: baseline; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
figure { margin: 1em 0 1.6em; }
figcaption { color: var(--muted); font-size: .9rem; margin: .2em 0 .5em; max-width: 75em; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg.chart text { fill: var(--ink); }
svg.chart text.theme { font-weight: 600; }
svg.chart .tick, svg.chart .value { fill: var(--muted); font-size: 11px; }
svg.chart .value { font-size: 12px; }
svg.chart .grid { stroke: #e4e6e9; stroke-width: 1; }
svg.chart .rule { stroke: var(--ink); stroke-width: 1.2; }
svg.chart .frame { fill: none; stroke: var(--ink); stroke-width: 1.2; }
svg.chart.heatmap { max-width: none; }
svg.heatmap rect { stroke: #ffffff; stroke-width: 1; }
svg.heatmap rect.frame { stroke: var(--ink); }
svg.heatmap .cells text { pointer-events: none; }
article.code { border-left: 4px solid var(--rule); padding: .1em 0 .3em 1em; margin: 1em 0; }
article.code.depth-1, article.code.depth-2, article.code.depth-3 { margin-left: 1.5em; }
dl.definition { margin: .3em 0; }
dl.definition dt { font-weight: 600; font-size: .85rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; margin-top: .5em; }
dl.definition dd { margin: 0; }
dl.definition dd p { margin: .1em 0 .4em; }
ul.patterns { list-style: none; padding: 0; margin: .3em 0; display: flex; flex-wrap: wrap; gap: .3em .9em; }
a.jump { font-size: .8rem; font-weight: normal; margin-left: .6em; }
ul.code-index { columns: 2 22em; padding-left: 1.2em; }
ul.code-index li.depth-0 { font-weight: 600; }
ul.code-index li.depth-1, ul.code-index li.depth-2, ul.code-index li.depth-3 { margin-left: 1.2em; }
.excerpts { margin-bottom: 1.5em; }
figure.excerpt { border-left: 4px solid var(--rule); background: var(--panel); padding: .6em 1em; margin: .8em 0; break-inside: avoid; }
figure.excerpt blockquote { margin: 0 0 .4em; white-space: pre-line; }
figure.excerpt figcaption { margin: 0; font-size: .85rem; }
.why code { background: #ffffff; }
mark { background: var(--mark); color: inherit; padding: 0 .1em; border-radius: 2px; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
p.more { font-style: italic; color: var(--muted); }
.warning { border-left: 4px solid #d55e00; background: #fff4ec; padding: .4em 1em; }
footer { color: var(--muted); font-size: .85rem; padding-top: 2em; padding-bottom: 3em; }
@media print {
  body { font-size: 10pt; }
  .masthead, main, footer, nav.contents { max-width: none; padding: 0; }
  nav.contents, a.jump { display: none; }
  a { color: inherit; text-decoration: none; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  h2, h3, h4 { break-after: avoid; }
  .scroll { overflow: visible; }
  svg.chart { break-inside: avoid; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Codebook, Pattern};
    use crate::corpus::{Corpus, Document};
    use crate::segment::Unit;

    fn hit(start: usize, end: usize, pattern: &str) -> Hit {
        Hit {
            start,
            end,
            pattern: pattern.into(),
        }
    }

    fn render(analysis: &Analysis) -> String {
        let mut html = Vec::new();
        write_report(analysis, &mut html).unwrap();
        String::from_utf8(html).unwrap()
    }

    fn small_analysis(documents: Vec<Document>) -> Analysis {
        let mut drain = Code::new("brain_drain", "Brain drain")
            .pattern(Pattern::phrase("brain drain"))
            .pattern(Pattern::glob("утечк* мозг*").lang("ru"));
        drain.colour = Some("#d55e00".to_string());
        let codebook = Codebook::builder("Test <codebook>")
            .version("1")
            .code(drain)
            .code(Code::new("brain_drain/push", "Push factors").pattern(Pattern::phrase("low pay")))
            .code(Code::new("return", "Return").pattern(Pattern::phrase("return")))
            .build()
            .unwrap();
        Analysis::run(Corpus::from_documents(documents), codebook, Unit::Paragraph).unwrap()
    }

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{c}b\u{0}c\td\ne"), "a b c\td\ne");
        assert_eq!(escape("Утечка мозгов"), "Утечка мозгов");
        assert_eq!(escape(""), "");
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
    fn the_report_escapes_document_text_and_cites_pages_and_sections() {
        let mut pdf = Document::new(
            "paper",
            "Title\n\nIntro.\n\nThe brain drain <script>alert(1)</script> grows.",
        );
        pdf.pages = vec![0, 15];
        let mut notes = Document::new("notes", "# Notes\n\n## Return\n\nThey return home.");
        notes.sections = vec![
            crate::corpus::Section {
                start: 0,
                level: 1,
                title: "Notes".into(),
            },
            crate::corpus::Section {
                start: 9,
                level: 2,
                title: "Return & stay".into(),
            },
        ];
        let html = render(&small_analysis(vec![pdf, notes]));
        assert!(!html.contains("<script>"), "document text is escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<title>Thematic analysis: Test &lt;codebook&gt;</title>"));
        assert!(html.contains("· p. 2 ·"), "PDF passages cite their page");
        assert!(html.contains("§ Return &amp; stay"), "others their section");
        assert!(html.contains("<mark title=\"matched by brain drain\">brain drain</mark>"));
        assert!(html.contains("<code>brain drain</code> → “brain drain”"));
        for section in Section::ALL {
            assert!(html.contains(&format!("<section id=\"{}\"", section.anchor())));
        }
        // No external resource, no script.
        for forbidden in ["<script", "<link", "src=", "http://", "https://", "@import"] {
            assert!(!html.contains(forbidden), "{forbidden}");
        }
    }

    #[test]
    fn the_report_is_deterministic_and_survives_an_empty_corpus() {
        let docs = || {
            vec![
                Document::new("a", "Brain drain and low pay.\n\nУтечка мозгов."),
                Document::new("b", "Return of the brain drain."),
            ]
        };
        let first = render(&small_analysis(docs()));
        assert_eq!(first, render(&small_analysis(docs())));
        assert!(
            first.contains(&hex((0xd5, 0x5e, 0x00))),
            "the code's colour is used"
        );
        let empty = render(&small_analysis(Vec::new()));
        assert!(empty.contains("No paragraph was coded."));
        assert!(empty.ends_with("</html>\n"));
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

    #[test]
    fn small_helpers() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(truncate("Brain drain", 5), "Brai…");
        assert_eq!(truncate("Утечка", 6), "Утечка");
        assert_eq!(nice_step(87.0, 6), 20.0);
        assert_eq!(nice_step(0.183, 5), 0.05);
        assert_eq!(parse_hex("#abc"), Some((0xaa, 0xbb, 0xcc)));
        assert_eq!(parse_hex("red"), None);
        assert_eq!(sequential(0.0), "#f4f8fc");
        assert_eq!(sequential(1.0), "#083d7a");
        assert_eq!(ink_on("#083d7a"), "#ffffff");
        assert_eq!(percent_rounded(0.05), "5%");
        assert_eq!(capitalised("paragraphs"), "Paragraphs");
    }
}
