//! The HTML report, `report.html`, read the way a reader's browser reads it.
//!
//! With Chromium installed, the page is loaded in headless Chromium and the checks run on the
//! DOM it builds (`--dump-dom`): a tag left unescaped or badly nested would show there. Without
//! it, the same checks run on the HTML text, after a note saying so (or the tests fail, when
//! Chromium is required: see [`outside`](crate::support::outside)).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;
use thematic::{Analysis, Codebook, Corpus, Unit};

use crate::support::{Outside, codebook, corpus, outside, root, stderr, thematic};

/// Chromium, if installed: `$CHROMIUM`, `/usr/bin/chromium`, or `chromium` on the `PATH`.
/// `CHROMIUM=` (empty) runs the checks on the HTML text, as without a browser.
fn chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return if path.is_empty() {
            Err("CHROMIUM is set empty".into())
        } else {
            Ok(path.into())
        };
    }
    let debian = Path::new("/usr/bin/chromium");
    if debian.is_file() {
        return Ok(debian.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
        .ok_or_else(|| "not at /usr/bin/chromium nor on the PATH".into())
}

/// The page at `report` as a browser parsed it, or its text when no browser is installed (see
/// [`outside`](crate::support::outside)).
fn page(report: &Path) -> String {
    let instead = "checks the report's HTML text, not the page a browser builds";
    match outside(Outside::Chromium, chromium(), instead) {
        Some(browser) => dump_dom(&browser, report),
        None => fs::read_to_string(report).unwrap(),
    }
}

/// Loads `report` in headless Chromium, offline, and returns the DOM it serialises.
fn dump_dom(browser: &Path, report: &Path) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let dom_path = scratch.path().join("dom.html");
    let profile = scratch.path().join("profile");
    // The DOM goes to a file, not a pipe, so a large page cannot block the browser while the
    // test waits for it to exit.
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "file://{}",
            report.canonicalize().unwrap().display()
        ))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&dom_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "chromium did not finish loading {} in 120 s",
                report.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "chromium failed ({status}) on {}",
        report.display()
    );
    let dom = fs::read_to_string(&dom_path).unwrap();
    assert!(
        dom.contains("</html>"),
        "chromium dumped no page for {}",
        report.display()
    );
    dom
}

/// The text from the first `start` to the first `end` after it, both included.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} is on the page"));
    let to = page[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} follows {start:?}"));
    &page[from..from + to + end.len()]
}

/// Text as it appears in the page's markup: the browser and the report escape `&`, `<`, `>`.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markup back to text, for the entities either the report or the browser writes.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Runs `thematic analyze` on `corpus` into a new folder; returns the folder.
fn analyze(corpus: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let o = thematic(
        &[
            "analyze",
            corpus.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ],
        &root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("report.html"),
        "analyze names report.html among the files it wrote: {}",
        stderr(&o)
    );
    out
}

#[test]
fn the_report_of_the_shipped_corpus_shows_every_section_chart_and_excerpt() {
    let out = analyze(&corpus());
    let page = page(&out.path().join("report.html"));
    let cb = Codebook::from_path(codebook()).unwrap();
    let analysis =
        Analysis::run(Corpus::open(corpus()).unwrap(), cb.clone(), Unit::Paragraph).unwrap();

    // Self-contained: UTF-8, no script, nothing fetched.
    assert!(page.contains("<meta charset=\"utf-8\">"));
    for outside in [
        "<script", "<link", "<img", "<iframe", "src=\"", "url(", "@import",
    ] {
        assert!(!page.contains(outside), "the page has {outside}");
    }

    // Every section, with its heading and an entry in the contents.
    for (anchor, title) in [
        ("summary", "Summary"),
        ("frequencies", "Code frequencies"),
        ("cooccurrence", "Co-occurrence"),
        ("documents", "Codes by document"),
        ("trends", "Trends by year"),
        ("codebook", "Codebook"),
        ("excerpts", "Excerpts"),
    ] {
        assert!(
            page.contains(&format!("<h2 id=\"{anchor}-title\">{title}</h2>")),
            "{title}"
        );
        assert!(page.contains(&format!("<a href=\"#{anchor}\">{title}</a>")));
    }
    assert!(page.contains("<h1>Intellectual and educational migration policy</h1>"));
    assert!(page.contains("32 documents · 558 paragraphs"));

    // The bar chart labels every theme, and has a bar (with a tooltip) for every code.
    let bars = between(&page, "<svg class=\"chart bars\"", "</svg>");
    for code in cb.codes().iter().filter(|c| c.depth() == 0) {
        assert!(
            bars.contains(&format!(">{}</text>", escaped(&code.label))),
            "the bar chart labels {}",
            code.label
        );
    }
    let tooltips = Regex::new(r"<g><title>([^<]*)</title>").unwrap();
    let bar_titles: Vec<&str> = tooltips
        .captures_iter(bars)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(bar_titles.len(), cb.codes().len());
    for (title, f) in bar_titles.iter().zip(&analysis.tables.frequencies) {
        let expected = format!("{} ({}): {} paragraphs", f.label, f.code, f.passages);
        assert!(unescape(title).starts_with(&expected), "{title}");
    }

    // The heatmap: n × n cells in codebook order, each with a tooltip and the count of the
    // co-occurrence matrix; both axes labelled.
    let n = cb.codes().len();
    let heatmap = between(&page, "<svg class=\"chart heatmap\"", "</svg>");
    let cell = Regex::new(
        r#"<g><title>([^<]*)</title><rect [^>]*>(?:</rect>)?(?:<text [^>]*>(\d+)</text>)?</g>"#,
    )
    .unwrap();
    let cells: Vec<(String, usize)> = cell
        .captures_iter(heatmap)
        .map(|c| {
            (
                unescape(&c[1]),
                c.get(2).map_or(0, |v| v.as_str().parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(cells.len(), n * n, "a {n} × {n} heatmap");
    let matrix = analysis.tables.cooccurrence_matrix();
    let shown: Vec<usize> = cells.iter().map(|(_, count)| *count).collect();
    assert_eq!(
        shown,
        matrix.concat(),
        "the cells show the co-occurrence matrix"
    );
    let (a, b) = (&cb.codes()[0].label, &cb.codes()[n - 1].label);
    assert!(
        cells[n - 1].0.starts_with(&format!("{a} × {b}: ")),
        "{}",
        cells[n - 1].0
    );
    assert_eq!(heatmap.matches("rotate(-90)").count(), n, "column labels");

    // Codes by document: a row per code, a column per document, titled.
    let matrix_table = between(&page, "<table class=\"matrix\"", "</table>");
    assert_eq!(matrix_table.matches("<tr class=\"depth-").count(), n);
    // Titles are read back from their attributes: some hold quotation marks, which attributes
    // escape.
    let titles: BTreeSet<String> = Regex::new(r#"title="([^"]*)""#)
        .unwrap()
        .captures_iter(matrix_table)
        .map(|c| unescape(&c[1]))
        .collect();
    for doc in analysis.corpus.documents() {
        assert!(
            titles.contains(&doc.metadata.title),
            "{}",
            doc.metadata.title
        );
    }

    // Trends: the shipped documents span several years (2012 to 2025), so there is a line chart.
    let trends = between(&page, "<section id=\"trends\"", "</section>");
    assert!(trends.contains("<svg class=\"chart lines\""));
    assert!(trends.contains(">2022<") && trends.contains(">2024<"));

    // The codebook: every code's definition.
    let definitions = between(&page, "<section id=\"codebook\"", "</section>");
    for code in cb.codes() {
        assert!(definitions.contains(&format!("<code>{}</code>", escaped(&code.id))));
    }

    check_excerpts(&page, &out.path().join("excerpts.jsonl"), &cb);

    // The same analysis gives the same bytes.
    let render = |analysis: &Analysis| {
        let mut html = Vec::new();
        thematic::report::write_report(analysis, &mut html).unwrap();
        html
    };
    let again = Analysis::run(Corpus::open(corpus()).unwrap(), cb, Unit::Paragraph).unwrap();
    assert!(
        render(&analysis) == render(&again),
        "the report is deterministic"
    );
    assert_eq!(
        render(&analysis),
        fs::read(out.path().join("report.html")).unwrap(),
        "analyze writes the library's report"
    );
}

/// Every highlighted span holds words a pattern matched, is attributed to the codebook's
/// patterns, and codes with more excerpts than shown say how many more.
fn check_excerpts(page: &str, jsonl: &Path, cb: &Codebook) {
    let mut matched: BTreeSet<String> = BTreeSet::new();
    let mut per_code: BTreeMap<String, usize> = BTreeMap::new();
    for line in fs::read_to_string(jsonl).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        *per_code
            .entry(r["code"].as_str().unwrap().to_string())
            .or_default() += 1;
        let start = r["start"].as_u64().unwrap() as usize;
        let text: Vec<char> = r["text"].as_str().unwrap().chars().collect();
        for hit in r["hits"].as_array().unwrap() {
            let (s, e) = (
                hit["start"].as_u64().unwrap() as usize - start,
                hit["end"].as_u64().unwrap() as usize - start,
            );
            matched.insert(text[s..e].iter().collect::<String>().to_lowercase());
        }
    }
    let patterns: BTreeSet<&str> = cb
        .codes()
        .iter()
        .flat_map(|c| c.patterns.iter().map(|p| p.text.as_str()))
        .collect();
    let excerpts = between(page, "<section id=\"excerpts\"", "</section>");
    let mark = Regex::new(r#"<mark title="matched by ([^"]*)">([^<]*)</mark>"#).unwrap();
    let mut marks = 0;
    let mut cyrillic = false;
    for m in mark.captures_iter(excerpts) {
        marks += 1;
        let words = unescape(&m[2]).to_lowercase();
        assert!(
            matched.iter().any(|hit| words.contains(hit.as_str())),
            "{words:?} is not a matched span"
        );
        cyrillic |= words.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c));
        for pattern in unescape(&m[1]).split(" | ") {
            assert!(
                patterns.contains(pattern),
                "{pattern:?} is a codebook pattern"
            );
        }
    }
    assert!(marks > 300, "{marks} highlighted spans");
    assert!(cyrillic, "Cyrillic matches are highlighted too");
    assert!(excerpts.contains(">brain drain</mark>"));
    let figures = excerpts.matches("<figure class=\"excerpt\"").count();
    let expected: usize = per_code.values().map(|&n| n.min(50)).sum();
    assert_eq!(figures, expected, "at most 50 excerpts per code");
    for (code, n) in per_code.iter().filter(|(_, n)| **n > 50) {
        assert!(
            excerpts.contains(&format!("{} more in excerpts.csv.", n - 50)),
            "{code} says how many excerpts are not shown"
        );
    }
}

#[test]
fn excerpts_cite_pdf_pages_and_sections_and_document_text_stays_text() {
    let folder = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/ingest/policy_en.pdf"),
        folder.path().join("policy_en.pdf"),
    )
    .unwrap();
    fs::write(
        folder.path().join("notes.md"),
        "# Field notes\n\n## Return programmes\n\nThe brain drain slowed as return programmes grew.\n",
    )
    .unwrap();
    fs::write(
        folder.path().join("hostile.txt"),
        "Brain drain <script>alert('x')</script> & <b>more</b>\n\nУтечка мозгов усиливается.\n",
    )
    .unwrap();
    let out = analyze(folder.path());
    let page = page(&out.path().join("report.html"));

    // The PDF's passages are cited by page, the Markdown's by heading.
    let pdf_citation = Regex::new(
        "<cite>Education and Research Collaboration in Highly Skilled Migration</cite> · \
         Yulduz Otanazarova(, \\d{4})? · p\\. [1-3](–[1-3])? ·",
    )
    .unwrap();
    assert!(pdf_citation.is_match(&page), "a PDF excerpt cites its page");
    assert!(
        page.contains("· § Return programmes ·"),
        "a Markdown excerpt cites its section"
    );

    // Text from a document is text: no element made of it, its markup shown as written.
    assert!(!page.contains("<script"), "no script element");
    assert!(!page.contains("<b>more"), "no bold element");
    assert!(page.contains("&lt;script&gt;alert("));
    assert!(page.contains("&amp; &lt;b&gt;more&lt;/b&gt;"));
    assert!(
        page.contains(">Утечка мозгов</mark> усиливается."),
        "Cyrillic is highlighted by character offsets"
    );
}
