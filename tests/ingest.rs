//! Reading real-world documents: the fixtures of `tests/fixtures/ingest/` (see its README for
//! how each was made and what a correct reader does with it).

use std::collections::HashMap;
use std::path::PathBuf;

use thematic::corpus::{Loaders, PdfBackend, PdfLoader};
use thematic::{Corpus, CorpusReader, Document};

use crate::support::{fold_words, root, stderr, thematic};

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/ingest")
}

/// The whole fixture folder, read once with the default (isolated) PDF reader.
fn corpus() -> &'static Corpus {
    static CORPUS: std::sync::OnceLock<Corpus> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| Corpus::open(fixtures()).expect("the fixture folder opens"))
}

fn doc(id: &str) -> &'static Document {
    corpus()
        .document(id)
        .unwrap_or_else(|| panic!("{id} was read; skipped: {:?}", corpus().skipped()))
}

fn problem(file: &str) -> String {
    corpus()
        .skipped()
        .iter()
        .find(|s| s.path.file_name().is_some_and(|n| n == file))
        .map(|s| s.error.to_string())
        .unwrap_or_else(|| panic!("{file} should have been reported"))
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

/// Lowercase words of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Share of `reference`'s words that `text` has (as a multiset: each occurrence counts once).
fn word_recall(text: &str, reference: &str) -> f64 {
    let mut have: HashMap<String, usize> = HashMap::new();
    for w in words(text) {
        *have.entry(w).or_default() += 1;
    }
    let reference = words(reference);
    let found = reference
        .iter()
        .filter(|w| match have.get_mut(*w) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count();
    found as f64 / reference.len() as f64
}

/// poppler's reading without the running header and footer lines it keeps in the flow.
fn pdftotext_body(name: &str, furniture: &[&str]) -> String {
    fixture_text(name)
        .lines()
        .filter(|l| {
            let l = l.trim();
            !furniture.iter().any(|f| l.starts_with(f))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn pdf_text_agrees_with_poppler_word_for_word() {
    for (id, reference, furniture) in [
        (
            "policy_en",
            "policy_en.pdf.pdftotext.txt",
            &["Migration Policy Review", "Page "][..],
        ),
        (
            "policy_ru",
            "policy_ru.pdf.pdftotext.txt",
            &["Аңдатпалар · Аннотации"][..],
        ),
        ("two_columns", "two_columns.pdf.pdftotext.txt", &[][..]),
    ] {
        let ours = &doc(id).text;
        let theirs = pdftotext_body(reference, furniture);
        let recall = word_recall(ours, &theirs);
        let precision = word_recall(&theirs, ours);
        eprintln!("{id}: word recall {recall:.3}, precision {precision:.3} against pdftotext");
        assert!(
            recall >= 0.95 && precision >= 0.95,
            "{id}: recall {recall:.3}, precision {precision:.3}\n{ours}"
        );
    }
}

#[test]
fn pdf_layout_is_repaired() {
    let en = &doc("policy_en");
    // Running header and page footers go; the page map still finds every page.
    assert!(!en.text.contains("Migration Policy Review"), "{}", en.text);
    assert!(!en.text.contains("Page 2"), "{}", en.text);
    assert_eq!(en.pages.len(), 3);
    // Ligatures and line-end hyphenation are undone.
    assert!(!en.text.contains('\u{fb01}') && !en.text.contains("interna- tional"));
    assert!(en.text.contains("international"));
    for w in words(&en.text) {
        assert!(!w.ends_with('-'), "a hyphen left at a line end: {w}");
    }
    // The Info dictionary gives the metadata.
    assert_eq!(
        en.metadata.title,
        "Education and Research Collaboration in Highly Skilled Migration"
    );
    assert_eq!(en.metadata.authors, ["Yulduz Otanazarova"]);
    // Columns are read top to bottom, left before right.
    let cols = fold_words(&doc("two_columns").text);
    assert!(
        cols.contains("the cornerstone of the accumulation of knowledge. after all,"),
        "{cols}"
    );
}

#[test]
fn cyrillic_pdfs_keep_every_kazakh_letter() {
    let ru = &doc("policy_ru");
    for letter in ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і'] {
        assert!(ru.text.contains(letter), "{letter} is missing");
    }
    assert!(!ru.text.contains('\u{fffd}'));
    let folded = fold_words(&ru.text);
    assert!(
        folded.contains("интеллектуалды миграцияны зерттеудің теориялық қырлары"),
        "{folded}"
    );
    assert!(folded.contains("интеллектуальной миграции"), "{folded}");
    assert_eq!(ru.pages.len(), 2);
    assert!(
        !ru.metadata.title.is_empty()
            && ru
                .metadata
                .title
                .chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap()))
    );
}

#[test]
fn pdf_outlines_become_sections_that_start_at_their_headings() {
    for (id, titles) in [
        (
            "policy_en",
            &["Annotation", "Introduction", "Analysis of Literature"][..],
        ),
        (
            "two_columns",
            &["Introduction", "Data and methods", "Discussion and results"][..],
        ),
    ] {
        let d = doc(id);
        let chars: Vec<char> = d.text.chars().collect();
        for title in titles {
            let section = d
                .sections
                .iter()
                .find(|s| s.title == *title)
                .unwrap_or_else(|| panic!("{id}: no section {title:?} in {:?}", d.sections));
            let at: String = chars[section.start..]
                .iter()
                .take(title.chars().count())
                .collect();
            assert_eq!(at, *title, "{id}");
        }
        assert!(
            d.sections.windows(2).all(|w| w[0].start <= w[1].start),
            "{id}"
        );
    }
    let ru = doc("policy_ru");
    let last = ru.sections.last().unwrap();
    assert!(
        last.title.starts_with("МИГРАЦИЯ КАЗАХСТАНСКОЙ МОЛОДЕЖИ"),
        "{:?}",
        ru.sections
    );
    assert_eq!(ru.pages_of(last.start, last.start + 1), Some((2, 2)));
}

#[test]
fn coded_pdf_passages_carry_their_pages() {
    let en = &doc("policy_en");
    let passages = en.passages(thematic::Unit::Paragraph);
    let last = passages.last().unwrap();
    assert_eq!(en.pages_of(last.start, last.end).map(|p| p.1), Some(3));
    assert_eq!(
        en.pages_of(passages[0].start, passages[0].end),
        Some((1, 1))
    );
}

#[test]
fn broken_and_hostile_pdfs_fail_clearly_and_the_rest_is_read() {
    assert!(
        problem("scanned.pdf").contains("no extractable text"),
        "{}",
        problem("scanned.pdf")
    );
    assert!(problem("scanned.pdf").contains("OCR"));
    assert!(problem("encrypted.pdf").contains("password-protected"));
    assert!(problem("truncated.pdf").contains("damaged or incomplete PDF"));
    assert!(problem("random.pdf").contains("not a PDF"));
    assert!(
        problem("bomb.pdf").contains("too large or too complex"),
        "{}",
        problem("bomb.pdf")
    );
    let recursion = problem("self_reference.pdf");
    assert!(
        recursion.contains("recursive or too deeply nested"),
        "{recursion}"
    );
    // Every message names the file.
    for s in corpus().skipped() {
        assert!(
            s.error
                .to_string()
                .contains(&*s.path.file_name().unwrap().to_string_lossy()),
            "{}",
            s.error
        );
    }
    // And the good documents are all there.
    for id in [
        "policy_en",
        "policy_ru",
        "two_columns",
        "report",
        "page",
        "page_cp1251",
        "front_matter",
        "sidecar",
        "russian_utf8",
        "russian_cp1251",
        "russian_koi8r",
    ] {
        doc(id);
    }
}

#[test]
fn encrypted_pdfs_open_with_their_password() {
    for backend in [
        PdfBackend::Isolated { extractor: None },
        PdfBackend::InProcess,
    ] {
        let loaders = Loaders::default().with(PdfLoader::new(backend).password("secret"));
        let corpus = CorpusReader::with_loaders(fixtures().join("encrypted.pdf"), loaders)
            .unwrap()
            .read_all();
        assert!(corpus.skipped().is_empty(), "{:?}", corpus.skipped());
        assert_eq!(corpus.documents()[0].text, doc("policy_en").text);
    }
}

#[test]
fn docx_paragraphs_headings_notes_and_properties() {
    let report = &doc("report");
    let expected = fixture_text("report.docx.txt");
    let ours: Vec<&str> = report
        .text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let theirs: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(ours, theirs);
    assert_eq!(
        report.metadata.title,
        "Exploring Intellectual and Educational Migration in Kazakhstan: Documentary Analysis"
    );
    assert_eq!(report.metadata.authors, ["Ainur Narymbaeva"]);
    let headings: Vec<&str> = report.sections.iter().map(|s| s.title.as_str()).collect();
    for h in ["1 Introduction", "Аннотация", "7 Conclusions"] {
        assert!(headings.contains(&h), "{headings:?}");
    }
    let annotation = report
        .sections
        .iter()
        .find(|s| s.title == "Аннотация")
        .unwrap();
    let russian = report
        .text
        .find("В статье")
        .map(|b| report.text[..b].chars().count())
        .unwrap();
    assert_eq!(
        report.section_at(russian).map(|s| &s.title),
        Some(&annotation.title)
    );
    assert!(problem("not_a_zip.docx").contains("not a valid DOCX (not a zip archive)"));
}

#[test]
fn html_text_without_scripts_styles_or_entities() {
    let page = &doc("page");
    assert!(
        !page.text.contains("secret") && !page.text.contains("brain drain in script"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains('<') && !page.text.contains("&amp;") && !page.text.contains("&nbsp;")
    );
    assert!(page.text.contains("Nedeva & McKelvey"));
    assert!(fold_words(&page.text).contains("brain drain"));
    assert!(!page.sections.is_empty());
    let cp1251 = &doc("page_cp1251");
    assert!(
        cp1251.text.contains("Аннотация. В статье анализируется"),
        "{}",
        cp1251.text
    );
    assert!(cp1251.metadata.title.contains('—'));
    assert_eq!(cp1251.metadata.encoding.as_deref(), Some("windows-1251"));
}

#[test]
fn legacy_encodings_decode_to_the_utf8_text() {
    let utf8 = &doc("russian_utf8").text;
    for id in ["russian_cp1251", "russian_koi8r"] {
        let d = doc(id);
        assert_eq!(&d.text, utf8, "{id}");
        assert!(
            d.metadata.encoding.is_some(),
            "{id} records the encoding it was decoded from"
        );
    }
}

#[test]
fn front_matter_and_sidecar_metadata() {
    let fm = &doc("front_matter");
    assert_eq!(
        fm.metadata.title,
        "Exploring Intellectual and Educational Migration in Kazakhstan: Documentary Analysis"
    );
    assert_eq!(fm.metadata.authors.len(), 6);
    assert_eq!(fm.metadata.year, Some(2024));
    assert_eq!(fm.metadata.licence.as_deref(), Some("CC BY 4.0"));
    assert!(!fm.text.starts_with("---") && !fm.text.contains("licence:"));
    assert!(
        fm.sections
            .iter()
            .any(|s| s.title.contains("Findings and Discussion"))
    );
    let side = &doc("sidecar");
    assert_eq!(side.metadata.title, fm.metadata.title);
    assert_eq!(
        side.metadata.doi.as_deref(),
        Some("10.33327/AJEE-18-7.4-a000118")
    );
    assert!(corpus().document("sidecar.meta").is_none());
}

#[test]
fn empty_and_unknown_files_are_reported_not_read() {
    assert!(problem("empty.txt").contains("empty file"));
    assert!(
        corpus()
            .ignored()
            .iter()
            .any(|p| p.ends_with("unsupported.xyz"))
    );
    let o = thematic(
        &["code", fixtures().join("unsupported.xyz").to_str().unwrap()],
        &root(),
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("unsupported.xyz") && err.contains(".pdf") && err.contains(".docx"),
        "{err}"
    );
}

#[test]
fn the_cli_reads_pdfs_with_every_backend_it_has() {
    let file = fixtures().join("policy_en.pdf");
    let isolated = thematic(
        &["code", file.to_str().unwrap(), "--format", "counts"],
        &root(),
    );
    let in_process = thematic(
        &[
            "code",
            file.to_str().unwrap(),
            "--format",
            "counts",
            "--pdf-backend",
            "in-process",
        ],
        &root(),
    );
    assert!(isolated.status.success(), "{}", stderr(&isolated));
    assert_eq!(isolated.stdout, in_process.stdout);
    let jsonl = thematic(&["code", file.to_str().unwrap()], &root());
    let first = String::from_utf8(jsonl.stdout).unwrap();
    assert!(
        first.lines().next().unwrap().contains("\"pages\":[1,1]"),
        "{first}"
    );
    let tight = thematic(
        &[
            "code",
            fixtures().join("bomb.pdf").to_str().unwrap(),
            "--pdf-memory",
            "256",
        ],
        &root(),
    );
    assert!(
        stderr(&tight).contains("256 MB memory limit"),
        "{}",
        stderr(&tight)
    );
}

#[test]
fn size_limits_symlink_loops_and_unreadable_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(docs.join("good.txt"), "Brain drain from Kazakhstan.\n").unwrap();
    std::fs::write(docs.join("big.txt"), "brain drain ".repeat(200)).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", docs.join("sub/loop")).unwrap();
    let locked = docs.join("locked.txt");
    std::fs::write(&locked, "secret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    // Root reads any file whatever its mode; the permission check then has nothing to show.
    let can_lock = std::fs::read(&locked).is_err();
    let corpus = CorpusReader::open(&docs)
        .unwrap()
        .max_file_size(1000)
        .read_all();
    let errors: Vec<String> = corpus
        .skipped()
        .iter()
        .map(|s| s.error.to_string())
        .collect();
    assert!(corpus.document("good").is_some(), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("big.txt") && e.contains("2400 bytes") && e.contains("1000")),
        "{errors:?}"
    );
    #[cfg(unix)]
    assert!(
        errors
            .iter()
            .any(|e| e.contains("loop") && e.contains("symbolic link loop")),
        "{errors:?}"
    );
    if can_lock {
        assert!(
            errors
                .iter()
                .any(|e| e.contains("locked.txt") && e.contains("ermission denied")),
            "{errors:?}"
        );
    } else {
        eprintln!(
            "note: running as root, so an unreadable file cannot be made; the permission check is skipped"
        );
    }

    // --strict turns any skip into a failure, and analyze writes nothing.
    let out = dir.path().join("out");
    let o = thematic(
        &[
            "analyze",
            docs.to_str().unwrap(),
            "--max-file-size",
            "0",
            "--strict",
            "--out",
            out.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("could not be read (--strict)"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
