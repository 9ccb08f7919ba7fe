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

// One module per section of the page, named after it; the charts, colours and text formatting
// the sections share are modules of their own, so a section reads as the HTML it writes.
mod codebook;
mod colour;
mod cooccurrence;
mod documents;
mod excerpts;
mod frequencies;
mod html;
mod summary;
mod svg;
mod trends;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

use crate::Analysis;
use crate::analysis::{CooccurrenceUnit, Frequency, Tables};
use crate::codebook::Code;
use crate::coding::CodedSegment;
use crate::corpus::Document;
use crate::text::CharIndex;
use colour::{PALETTE, hex, parse_hex};
use html::{Escaped, thousands};

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

/// The heading level for a code at `depth` in sections whose titles are `<h2>`.
fn heading_level(depth: usize) -> usize {
    (3 + depth).min(6)
}

/// The page's style sheet: system fonts (any with Cyrillic), readable line lengths, tables and
/// charts that print, no page-breaks inside an excerpt.
// In a file of its own so that it is edited as CSS; compiled in, so the page still loads
// nothing.
const CSS: &str = include_str!("report.css");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Codebook, Pattern};
    use crate::corpus::Corpus;
    use crate::segment::Unit;

    fn render(analysis: &Analysis) -> String {
        let mut html = Vec::new();
        write_report(analysis, &mut html).unwrap();
        String::from_utf8(html).unwrap()
    }

    pub(super) fn small_analysis(documents: Vec<Document>) -> Analysis {
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
}
