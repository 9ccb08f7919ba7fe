//! Hostile input for every parser that reads what a user hands over: codebooks (TOML, JSON,
//! YAML, LIWC `.dic`, REFI-QDA `.qdc`), the corpus manifest, codings and JSON Lines documents,
//! REFI-QDA projects, DOCX, HTML, Markdown, plain text, retrieve and search queries.
//!
//! Each parser meets two kinds of input. Crafted cases ([`crafted_inputs_are_read_or_refused_by_name`]
//! and the regression tests) are the faults users met and the shapes that break parsers: deep
//! nesting, NUL bytes, lone carriage returns, truncation, byte-order marks. Properties feed
//! valid samples mutated at random (bytes changed, cut short, hostile fragments spliced in) and
//! plain random bytes. Either way a parser must not panic or abort, and either read the input or
//! fail with an error whose message names it (the file, or `query` for a query).
//!
//! Every crafted file is made here; none is shipped. Each property runs [`CASES`] cases, so the
//! whole suite takes seconds.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index as Position;
use proptest::test_runner::Config;

use thematic::analysis::retrieve::Query;
use thematic::corpus::{DocxLoader, HtmlLoader, Loader, Manifest, MarkdownLoader, decode_text};
use thematic::index::{Index, Search};
use thematic::{Codebook, Corpus, CorpusReader, Unit, refi};

use crate::refi::{unzip, validate};
use crate::support::{self, stderr, thematic};

/// Cases per property.
const CASES: u32 = 48;

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::with_cases(CASES)
    }
}

// ----- Seeds: one valid sample of each format, the start of every mutation. -----

const TOML_CODEBOOK: &str = r##"[codebook]
name = "hostile"
version = "1.0"
negative = [{ regex = '^\s*\d+\.\s', note = "reference lists" }]

[[set]]
id = "scientists"
en = ["scientist", "researcher"]
ru = ["учёный"]

[[set]]
id = "returning"
en = ["return"]

[[code]]
id = "brain_drain"
label = "Brain drain"
colour = "#c0392b"
patterns = ["brain drain", "emigra*", { regex = '\bleav(e|ing)\b', lang = "en" }, { near = ["returning", "scientists"], within = 3 }]
negative = ["drain pipe"]
examples = ["The brain drain continues."]

[[code]]
id = "brain_drain/push"
patterns = [{ phrase = "low wages", strong = true }]

[[code]]
id = "drivers"
codable = false

[[group]]
name = "Outflows"
codes = ["brain_drain", "drivers"]
"##;

const JSON_DICTIONARY: &str = r#"{"brain_drain": ["brain drain", "emigra*"], "return": {"diaspora": ["diaspor*"], "policy": ["return policy"]}}"#;

const YAML_DICTIONARY: &str = "brain_drain:\n  - brain drain\n  - emigra*\nreturn:\n  diaspora:\n    - diaspor*\n  policy:\n    - return policy\n";

const LIWC_DICTIONARY: &str =
    "%\n1\tcare.virtue\n2\tA category\n%\nsafe*\t1\nkind of\t2 1\nlike\t02 (02)/1\n";

const QDC: &str = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="hand">
  <Codes>
    <Code guid="11111111-1111-1111-1111-111111111111" name="Migration drivers" isCodable="false" color="#B71C1C">
      <Description>Why people move.</Description>
      <Code guid="22222222-2222-2222-2222-222222222222" name="Brain drain" isCodable="true"/>
    </Code>
  </Codes>
  <Sets>
    <Set guid="33333333-3333-3333-3333-333333333333" name="Core"><MemberCode guid="22222222-2222-2222-2222-222222222222"/></Set>
  </Sets>
</CodeBook>
"##;

const MANIFEST: &str = r#"[corpus]
name = "hostile"

[[document]]
file = "a.txt"
id = "a"
title = "A"
authors = ["X", "Y"]
year = 2024
languages = ["en"]
fields = { region = "Almaty", pages = 3 }

[[document]]
file = "b.txt"
no_text = true

[[group]]
name = "G"
documents = ["a", "b"]
"#;

const CODINGS: &str = r#"{"doc":"a","passage":0,"start":0,"end":11,"code":"brain_drain","origin":"manual","coder":"aigerim","memo":"m","lang":"en","role":"body"}
{"doc":"a","passage":1,"start":13,"end":20,"code":"brain_drain/push","origin":"auto","hits":[{"start":13,"end":20,"pattern":"low wages"}]}
"#;

const JSONL_DOCUMENT: &str = r#"{"id": "d1", "text": "Brain drain.\r\n", "year": 2024, "region": "Almaty", "authors": ["A"]}"#;

const HTML: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Brain drain</title><script>var x = "<p>";</script></head>
<body><h1>Brain &amp; drain</h1><p>Students <b>leave</b>&nbsp;for Europe &#1059; &#x41;.</p><!-- a comment --><ul><li>one</li></ul></body></html>"#;

const MARKDOWN: &str = "---\ntitle: Brain drain\nyear: 2024\nauthors: [A, B]\n---\n# Heading\n\nStudents leave.\n\n## Sub\n\nText.\n";

fn qde(sources: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="hand">
  <Users><User guid="aaaaaaaa-0000-0000-0000-000000000000" name="aigerim"/></Users>
  <CodeBook><Codes>
    <Code guid="11111111-1111-1111-1111-111111111111" name="Migration drivers" isCodable="false">
      <Code guid="22222222-2222-2222-2222-222222222222" name="Brain drain" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables><Variable guid="bbbbbbbb-0000-0000-0000-000000000000" name="year" typeOfVariable="Integer"/></Variables>
  <Sources>{sources}</Sources>
  <Notes><Note guid="cccccccc-0000-0000-0000-000000000000"><PlainTextContent>A note.</PlainTextContent></Note></Notes>
  <Sets>
    <Set guid="44444444-4444-4444-4444-444444444444" name="Documents 2024"><Description>The year's.</Description><MemberSource targetGUID="dddddddd-0000-0000-0000-000000000001"/><MemberSource targetGUID="dddddddd-0000-0000-0000-000000000002"/></Set>
    <Set guid="55555555-5555-5555-5555-555555555555" name="Core codes"><MemberCode targetGUID="22222222-2222-2222-2222-222222222222"/><MemberNote targetGUID="cccccccc-0000-0000-0000-000000000000"/></Set>
  </Sets>
</Project>"#
    )
}

/// A project with a coded text source and a source whose text the file does not hold.
fn qde_sample() -> String {
    qde(
        r#"<TextSource guid="dddddddd-0000-0000-0000-000000000001" name="with text" plainTextPath="internal://d1.txt">
      <PlainTextSelection guid="eeeeeeee-0000-0000-0000-000000000001" startPosition="0" endPosition="11">
        <Coding guid="eeeeeeee-0000-0000-0000-000000000002" creatingUser="aaaaaaaa-0000-0000-0000-000000000000"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
      </PlainTextSelection>
      <VariableValue><VariableRef targetGUID="bbbbbbbb-0000-0000-0000-000000000000"/><IntegerValue>2024</IntegerValue></VariableValue>
    </TextSource>
    <TextSource guid="dddddddd-0000-0000-0000-000000000002" name="no text" plainTextPath="internal://elsewhere.txt"/>"#,
    )
}

const SOURCE_TEXT: &str = "Brain drain grows.\n\nStudents leave.\n";

/// A zip archive of `entries`.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn qdpx(qde: &[u8]) -> Vec<u8> {
    zip(&[
        ("project.qde", qde),
        ("sources/d1.txt", SOURCE_TEXT.as_bytes()),
    ])
}

const DOCX_DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Brain drain</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Students </w:t></w:r><w:r><w:t>leave &amp; return.</w:t><w:tab/><w:br/></w:r></w:p>
</w:body></w:document>"#;

const DOCX_CORE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Brain drain</dc:title><dc:creator>A</dc:creator><dcterms:created>2024-01-01T00:00:00Z</dcterms:created></cp:coreProperties>"#;

fn docx(document: &[u8]) -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", document),
        ("docProps/core.xml", DOCX_CORE.as_bytes()),
    ])
}

// ----- Mutations. -----

/// Pieces that break parsers, spliced into valid samples.
fn hostile_fragment() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        Just("(".repeat(30_000).into_bytes()),
        Just("[".repeat(30_000).into_bytes()),
        Just("{\"a\":".repeat(30_000).into_bytes()),
        Just("a = [".repeat(10_000).into_bytes()),
        Just("- ".repeat(30_000).into_bytes()),
        Just("<a>".repeat(30_000).into_bytes()),
        Just("NOT ".repeat(30_000).into_bytes()),
        Just(vec![0]),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just("\u{feff}".as_bytes().to_vec()),
        Just(vec![0xff, 0xfe]),
        Just(b"&lt;&#0;&#xD800;&#1114112;&bogus;".to_vec()),
        Just(b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;".to_vec()),
        Just("é\u{301}ё\u{308}😀\u{202e}".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..24),
        "\\PC{1,24}".prop_map(String::into_bytes),
    ]
    .boxed()
}

/// A valid sample changed at random: bytes overwritten, cut short, a fragment spliced in; or
/// random bytes of no format at all.
fn mutated(seed: Vec<u8>) -> BoxedStrategy<Vec<u8>> {
    let overwrite = seed.clone();
    let cut = seed.clone();
    prop_oneof![
        3 => prop::collection::vec((any::<Position>(), any::<u8>()), 1..8).prop_map(move |edits| {
            let mut bytes = overwrite.clone();
            for (at, byte) in edits {
                if !bytes.is_empty() {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
            }
            bytes
        }),
        2 => any::<Position>().prop_map(move |at| cut[..at.index(cut.len() + 1)].to_vec()),
        4 => (any::<Position>(), hostile_fragment()).prop_map(move |(at, fragment)| {
            let mut bytes = seed.clone();
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, fragment);
            bytes
        }),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
    .boxed()
}

/// Text made of `words` and spaces, up to `most` of them.
fn phrase_of(words: &'static [&'static str], most: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(words), 0..most)
        .prop_map(|w| w.concat())
        .boxed()
}

// ----- What every parser must do. -----

/// Either it read the input, or its error names `name`.
#[track_caller]
fn read_or_named<T>(result: thematic::Result<T>, name: &str) {
    if let Err(e) = result {
        let shown = e.to_string();
        assert!(
            shown.contains(name),
            "the error does not name {name:?}:\n{shown}"
        );
        assert!(
            shown.len() < 4_000,
            "the error echoes too much of the input ({} bytes):\n{}",
            shown.len(),
            shown.chars().take(600).collect::<String>()
        );
    }
}

/// Writes `bytes` as `name` in `dir` and reads it as a codebook.
fn codebook_file(dir: &Path, name: &str, bytes: &[u8]) -> thematic::Result<Codebook> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    Codebook::from_path(&path)
}

fn checked_codebook(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    read_or_named(codebook_file(dir.path(), name, bytes), name);
}

fn checked_project(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    read_or_named(refi::read_project(&path), name);
    read_or_named(refi::check(&path), name);
}

fn checked_loader(loader: &dyn Loader, name: &str, bytes: &[u8]) {
    read_or_named(loader.load(Path::new(name), bytes.to_vec()), name);
}

fn checked_query(query: &str) {
    if let Ok(parsed) = Query::parse(query) {
        assert!(parsed.codes().len() <= query.len());
    } else {
        read_or_named(Query::parse(query), "query");
    }
}

/// An index of three short documents, built once for every search in the process.
fn search_index() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let corpus = dir.join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        for (name, text) in [
            (
                "a.txt",
                "Brain drain grows as scientists leave.\n\nReturn policy.",
            ),
            ("b.txt", "Утечка мозгов усиливается.\n\nУчёные уезжают."),
            ("c.txt", "Students return home to Almaty."),
        ] {
            std::fs::write(corpus.join(name), text).unwrap();
        }
        let codebook = Codebook::from_toml(TOML_CODEBOOK, None).unwrap();
        let mut index = Index::create(dir.join("index")).unwrap();
        index
            .update(
                &CorpusReader::open(&corpus).unwrap(),
                &codebook,
                Unit::Paragraph,
                &|_, _| {},
            )
            .unwrap();
        dir.join("index")
    })
}

fn checked_search(index: &Index, query: &str) {
    read_or_named(index.search(&Search::new(query).limit(3)), "query");
}

// ----- Properties. -----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn toml_codebooks(bytes in mutated(TOML_CODEBOOK.into())) {
        checked_codebook("hostile.toml", &bytes);
    }

    #[test]
    fn json_dictionaries(bytes in mutated(JSON_DICTIONARY.into())) {
        checked_codebook("hostile.json", &bytes);
    }

    #[test]
    fn yaml_dictionaries(bytes in mutated(YAML_DICTIONARY.into())) {
        checked_codebook("hostile.yaml", &bytes);
    }

    #[test]
    fn liwc_dictionaries(bytes in mutated(LIWC_DICTIONARY.into())) {
        checked_codebook("hostile.dic", &bytes);
    }

    #[test]
    fn refi_codebooks(bytes in mutated(QDC.into())) {
        checked_codebook("hostile.qdc", &bytes);
    }

    #[test]
    fn corpus_manifests(bytes in mutated(MANIFEST.into())) {
        let text = String::from_utf8_lossy(&bytes);
        read_or_named(Manifest::parse(&text, Some(Path::new("corpus.toml"))), "corpus.toml");
    }

    #[test]
    fn corpus_folders_with_a_hostile_manifest(bytes in mutated(MANIFEST.into())) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("corpus.toml"), &bytes).unwrap();
        std::fs::write(dir.path().join("a.txt"), SOURCE_TEXT).unwrap();
        std::fs::write(dir.path().join("b.txt"), "").unwrap();
        match CorpusReader::open(dir.path()) {
            Ok(reader) => {
                for skipped in reader.read_all().skipped() {
                    let name = skipped.path.file_name().unwrap().to_string_lossy();
                    let shown = skipped.error.to_string();
                    prop_assert!(shown.contains(&*name), "{shown}");
                }
            }
            Err(e) => read_or_named::<()>(Err(e), "corpus.toml"),
        }
    }

    #[test]
    fn coding_records(bytes in mutated(CODINGS.into())) {
        read_or_named(
            thematic::coding::read_records(&bytes[..], Some(Path::new("codings.jsonl"))),
            "codings.jsonl",
        );
    }

    #[test]
    fn json_lines_documents(bytes in mutated(JSONL_DOCUMENT.into())) {
        let line = String::from_utf8_lossy(&bytes);
        read_or_named(thematic::corpus::jsonl::parse_document(&line, 7), "line 7");
    }

    #[test]
    fn refi_projects_mutated_as_xml(bytes in mutated(qde_sample().into_bytes())) {
        checked_project("hostile.qdpx", &qdpx(&bytes));
        checked_project("hostile.qde", &bytes);
    }

    #[test]
    fn refi_projects_mutated_as_zip(bytes in mutated(qdpx(qde_sample().as_bytes()))) {
        checked_project("hostile.qdpx", &bytes);
    }

    #[test]
    fn docx_documents_mutated_as_xml(bytes in mutated(DOCX_DOCUMENT.into())) {
        checked_loader(&DocxLoader, "hostile.docx", &docx(&bytes));
    }

    #[test]
    fn docx_documents_mutated_as_zip(bytes in mutated(docx(DOCX_DOCUMENT.as_bytes()))) {
        checked_loader(&DocxLoader, "hostile.docx", &bytes);
    }

    #[test]
    fn html_documents(bytes in mutated(HTML.into())) {
        checked_loader(&HtmlLoader, "hostile.html", &bytes);
    }

    #[test]
    fn markdown_documents(bytes in mutated(MARKDOWN.into())) {
        checked_loader(&MarkdownLoader, "hostile.md", &bytes);
    }

    #[test]
    fn plain_text(bytes in mutated(SOURCE_TEXT.into())) {
        read_or_named(decode_text(Path::new("hostile.txt"), bytes), "hostile.txt");
    }

    #[test]
    fn retrieve_queries(
        query in phrase_of(&["a", "b", "brain_drain/push", " ", " AND ", " OR ", " NOT ", " NEAR/2 ", " NEAR/x ", "(", ")", "NOT "], 40),
        bytes in mutated(b"brain_drain AND (a OR NOT b) NEAR/2 c".to_vec()),
    ) {
        checked_query(&query);
        checked_query(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn search_queries(
        query in phrase_of(&["brain", "drain", "учёные", " ", "\"", "'", "(", ")", "~2", "^2", "*", "+", "-", ":", "text:", "[", "]", "{", "}", " TO ", " AND ", " OR ", "NOT ", "\\", "/", "IN"], 30),
        bytes in mutated(b"\"brain drain\"~5 AND (scien* OR -return) text:migration^2".to_vec()),
    ) {
        let index = Index::open(search_index()).unwrap();
        checked_search(&index, &query);
        checked_search(&index, &String::from_utf8_lossy(&bytes));
    }
}

// ----- Crafted cases. -----

/// Deep nesting spliced into each format where it nests: the shape that overflows recursive
/// parsers.
#[test]
fn crafted_inputs_are_read_or_refused_by_name() {
    let deep = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(100_000), close.repeat(100_000))
    };
    let codebooks: Vec<(&str, String)> = vec![
        ("deep.toml", format!("[codebook]\nname = \"x\"\nauthors = {}\n", deep("[", "", "]"))),
        ("deep-table.toml", format!("[codebook]\nname = {}\n", deep("{a=", "1", "}"))),
        ("deep.json", deep("{\"a\":", "[\"x\"]", "}")),
        ("deep-list.json", deep("[", "", "]")),
        ("deep.yaml", format!("{}x\n", "- ".repeat(100_000))),
        ("deep-flow.yaml", deep("[", "x", "]")),
        ("deep-map.yaml", (0..5_000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect()),
        ("aliases.yaml", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n".into()),
        ("deep.qdc", format!("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>{}</Codes></CodeBook>", deep("<Code guid=\"11111111-1111-1111-1111-111111111111\" name=\"a\" isCodable=\"true\">", "", "</Code>"))),
        ("nul.toml", "[codebook]\nname = \"a\0b\"\n".into()),
        ("cr-only.dic", "%\r1\tcare\r%\rharm\t7\r".into()),
        ("one-line.json", format!("{{\"a\": [{}\"x\", 3]}}", "\"y\", ".repeat(20_000))),
        ("bom.json", "\u{feff}{\"a\": [\"x\"]}".into()),
        ("empty.toml", String::new()),
        ("empty.yaml", String::new()),
        ("empty.dic", String::new()),
        ("empty.qdc", String::new()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in &codebooks {
        read_or_named(codebook_file(dir.path(), name, source.as_bytes()), name);
    }
    for (name, bytes) in [
        ("deep.docx", docx(deep("<w:p>", "", "</w:p>").as_bytes())),
        ("not-a-zip.docx", b"PK\x03\x04 and nothing".to_vec()),
        (
            "bomb.docx",
            docx(
                format!(
                    "<w:document>{}</w:document>",
                    "<w:p><w:r><w:t>x</w:t></w:r></w:p>".repeat(50_000)
                )
                .as_bytes(),
            ),
        ),
    ] {
        checked_loader(&DocxLoader, name, &bytes);
    }
    for (name, bytes) in [
        ("deep.html", deep("<div>", "x", "</div>").into_bytes()),
        ("unclosed.html", "<p".repeat(50_000).into_bytes()),
        (
            "entities.html",
            "&#99999999999999999999;&#x110000;&#0;&"
                .repeat(1_000)
                .into_bytes(),
        ),
        (
            "utf16.html",
            "\u{feff}<p>x</p>"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
        ),
    ] {
        checked_loader(&HtmlLoader, name, &bytes);
    }
    for (name, bytes) in [
        (
            "deep.md",
            format!("---\ntitle: {}\n---\nx", deep("[", "x", "]")).into_bytes(),
        ),
        ("unclosed.md", b"---\ntitle: x\n".to_vec()),
    ] {
        checked_loader(&MarkdownLoader, name, &bytes);
    }
    for (name, bytes) in [
        (
            "deep.qdpx",
            qdpx(
                qde(&deep(
                    "<TextSource guid=\"dddddddd-0000-0000-0000-000000000009\">",
                    "",
                    "</TextSource>",
                ))
                .as_bytes(),
            ),
        ),
        (
            "zip-slip.qdpx",
            zip(&[
                ("project.qde", qde_sample().as_bytes()),
                ("../../evil.txt", b"x"),
            ]),
        ),
        (
            "truncated.qdpx",
            qdpx(qde_sample().as_bytes())[..200].to_vec(),
        ),
        (
            "dangling-set.qde",
            qde_sample()
                .replace(
                    "dddddddd-0000-0000-0000-000000000002\"/></Set>",
                    "99999999-0000-0000-0000-000000000002\"/></Set>",
                )
                .into_bytes(),
        ),
    ] {
        checked_project(name, &bytes);
    }
    for query in [
        "(".repeat(30_000),
        format!("{}a{}", "(".repeat(30_000), ")".repeat(30_000)),
        "NOT ".repeat(30_000) + "a",
        vec!["a"; 30_000].join(" AND "),
        ")".repeat(1_000),
    ] {
        checked_query(&query);
        let index = Index::open(search_index()).unwrap();
        checked_search(&index, &query);
        checked_search(&index, &format!("text:{query}"));
        checked_search(&index, &query.replace('(', "(\")\" "));
    }
}

// ----- Regressions: the faults of issue 12 this suite was written for. -----

/// Item 8: 30,000 nested parentheses overflowed the stack of `retrieve` and `search`.
#[test]
fn retrieve_and_search_refuse_deep_nesting_with_a_located_error() {
    let deep = format!("{}brain_drain{}", "(".repeat(30_000), ")".repeat(30_000));
    let root = support::root();
    let retrieve = thematic(&["retrieve", &deep], &root);
    let err = stderr(&retrieve);
    assert_eq!(retrieve.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nest more than 64 deep") && err.contains("query:1:65") && err.contains('^'),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), "Brain drain grows.").unwrap();
    let search = thematic(
        &[
            "search",
            &deep,
            corpus.to_str().unwrap(),
            "--index",
            dir.path().join("index").to_str().unwrap(),
        ],
        &root,
    );
    let err = stderr(&search);
    assert_eq!(search.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nest more than 64 deep") && err.contains("query:1:65"),
        "{err}"
    );
    assert!(
        err.len() < 2_000,
        "the query is quoted around the fault only: {err}"
    );
}

/// Item 9: NUL bytes were read as text, UTF-16 with a byte-order mark was called binary, and
/// UTF-16 without one was read as garbage and coded with nothing.
#[test]
fn utf16_is_read_and_nul_bytes_are_called_binary_by_name() {
    let text = "Brain drain grows: scientists leave Kazakhstan.\r\nУтечка мозгов.\r\n";
    let utf16 = |big: bool, bom: bool| -> Vec<u8> {
        let units = bom.then_some(0xfeff).into_iter().chain(text.encode_utf16());
        units
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("le-bom.txt", utf16(false, true)),
        ("be-bom.txt", utf16(true, true)),
        ("le.txt", utf16(false, false)),
        ("be.txt", utf16(true, false)),
        ("nul.txt", vec![0; 4096]),
        ("nul-in-utf8.txt", b"Brain drain\0grows.".to_vec()),
        ("utf8.txt", text.as_bytes().to_vec()),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let corpus = Corpus::open(dir.path()).unwrap();
    let expected = text.replace("\r\n", "\n");
    let mut read: Vec<(&str, Option<&str>)> = corpus
        .documents()
        .iter()
        .map(|d| {
            assert_eq!(d.text, expected, "{}", d.id);
            (&*d.id, d.metadata.encoding.as_deref())
        })
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            ("be", Some("utf-16be")),
            ("be-bom", Some("utf-16be")),
            ("le", Some("utf-16le")),
            ("le-bom", Some("utf-16le")),
            ("utf8", None),
        ]
    );
    let mut refused: Vec<String> = corpus
        .skipped()
        .iter()
        .map(|s| s.error.to_string())
        .collect();
    refused.sort();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0]
            .contains("nul-in-utf8.txt: binary data, not text (a NUL byte at byte offset 11)"),
        "{refused:?}"
    );
    assert!(
        refused[1].contains("nul.txt: binary data, not text (a NUL byte at byte offset 0)"),
        "{refused:?}"
    );
    let codebook = Codebook::from_toml(TOML_CODEBOOK, None).unwrap();
    let coding = thematic::Coder::new(&codebook)
        .unwrap()
        .code_corpus(&corpus);
    for doc in ["le", "be", "le-bom", "be-bom"] {
        assert!(
            coding
                .segments
                .iter()
                .any(|s| &*s.doc == doc && &*s.code == "brain_drain"),
            "{doc} is coded"
        );
    }
}

/// Item 10: a codebook without codes passed `codebook check` and `analyze` with exit 0.
#[test]
fn codebooks_without_codes_fail_check_and_analyze_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), "Brain drain grows.").unwrap();
    for (name, source) in [
        ("empty.toml", "[codebook]\nname = \"empty\"\n"),
        ("empty.json", "{}"),
        ("empty.yaml", "{}\n"),
        ("empty.dic", "%\n%\n"),
        (
            "empty.qdc",
            "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes/></CodeBook>",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, source).unwrap();
        let path = path.to_str().unwrap();
        for args in [
            vec!["codebook", "check", path],
            vec![
                "analyze",
                corpus.to_str().unwrap(),
                "--codebook",
                path,
                "--out",
                dir.path().join("out").to_str().unwrap(),
            ],
        ] {
            let run = thematic(&args, dir.path());
            let err = stderr(&run);
            assert_ne!(run.status.code(), Some(0), "{args:?} succeeded");
            assert!(
                err.contains("defines no codes") && err.contains(name),
                "{args:?}: {err}"
            );
        }
    }
}

/// Item 15: a LIWC dictionary with classic Mac line ends (CR only) failed and echoed the whole
/// file; a category name with spaces was cut at the first space.
#[test]
fn liwc_dictionaries_with_cr_line_ends_and_spaced_names_read_as_quanteda_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let dic = "%\r01\tcare.virtue\r02\tA category\r%\rsafe*\t01\rkind of\t02\r";
    let codebook = codebook_file(dir.path(), "mfd2.dic", dic.as_bytes()).unwrap();
    let codes: Vec<(&str, &str, usize)> = codebook
        .codes()
        .iter()
        .map(|c| (&*c.id, c.label.as_str(), c.patterns.len()))
        .collect();
    assert_eq!(
        codes,
        [
            ("care.virtue", "care.virtue", 1),
            ("A_category", "A category", 1)
        ]
    );
    let bad = format!("{dic}{}harm\t7\r", "word\t01\r".repeat(5_000));
    let err = codebook_file(dir.path(), "mfd2.dic", bad.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mfd2.dic:5007:") && err.contains("5007 | harm\t7\n"),
        "{err}"
    );
    assert!(err.len() < 500, "only the offending line is quoted: {err}");
}

/// Item 15: `?` on an `std::io::Error` in a program that links the library did not compile.
#[test]
fn io_errors_convert_with_the_question_mark() {
    fn save(folder: &Path) -> thematic::Result<()> {
        let mut file = std::fs::File::create(folder.join("memo.txt"))?;
        file.write_all(b"Brain drain.")?;
        Ok(())
    }
    let dir = tempfile::tempdir().unwrap();
    save(dir.path()).unwrap();
    let err = save(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, thematic::Error::IoWithoutPath(_)), "{err:?}");
    assert!(err.to_string().starts_with("I/O error: "), "{err}");
}

/// Item 15: a REFI-QDA round trip (import, then export) made a code that is not codable
/// codable, and dropped the sets and the sources without text.
#[test]
fn a_refi_round_trip_keeps_uncodable_codes_sets_and_sources_without_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.qdpx");
    std::fs::write(&input, qdpx(qde_sample().as_bytes())).unwrap();
    let output = import_then_export(&input, dir.path());

    let back = refi::read_project(&output).unwrap();
    let codable: Vec<(&str, bool)> = back
        .codebook
        .codes()
        .iter()
        .map(|c| (&*c.id, c.codable))
        .collect();
    assert_eq!(
        codable,
        [
            ("migration_drivers", false),
            ("migration_drivers/brain_drain", true)
        ]
    );
    let documents: Vec<(&str, bool)> = back
        .documents
        .iter()
        .map(|d| (&*d.id, d.text.is_empty()))
        .collect();
    assert_eq!(documents, [("no text", true), ("with text", false)]);
    assert_eq!(back.segments.len(), 1);
    assert_eq!(back.groups.len(), 1);
    assert_eq!(
        (
            back.groups[0].name.as_str(),
            back.groups[0].description.as_deref()
        ),
        ("Documents 2024", Some("The year's."))
    );
    assert_eq!(back.groups[0].documents, ["with text", "no text"]);
    let code_groups = back.codebook.groups();
    assert_eq!(code_groups.len(), 1);
    assert_eq!(code_groups[0].name, "Core codes");
    assert_eq!(
        code_groups[0].codes,
        ["migration_drivers/brain_drain".into()]
    );
    assert_eq!(refi::check(&output).unwrap(), Vec::<String>::new());
    validate_entry(&output, "project.qde", "Project.xsd");

    // The codebook alone, through a .qdc and back.
    let qdc = dir.path().join("in.qdc");
    std::fs::write(&qdc, QDC).unwrap();
    let codebook = Codebook::from_path(&qdc).unwrap();
    let toml = dir.path().join("codebook.toml");
    std::fs::write(&toml, codebook.to_toml()).unwrap();
    let out_qdc = dir.path().join("out.qdc");
    let mut file = std::fs::File::create(&out_qdc).unwrap();
    refi::write_codebook(&Codebook::from_path(&toml).unwrap(), &mut file).unwrap();
    drop(file);
    let again = Codebook::from_path(&out_qdc).unwrap();
    assert!(!again.codes()[0].codable && again.codes()[1].codable);
    assert_eq!(again.groups(), codebook.groups());
    assert_eq!(again.groups()[0].codes.len(), 1);
    validate(&out_qdc, "Codebook.xsd");
}

/// MAXQDA's own project: its two sets of five sources, and its ten sources without text, come
/// back from a round trip.
#[test]
fn maxqda_sets_and_textless_sources_survive_a_round_trip() {
    let Some(shared) = support::shared() else {
        return;
    };
    let project =
        refi::read_project(shared.join("refi-qda/samples/maxqda-24.7-project.qde")).unwrap();
    let sets: Vec<(&str, usize)> = project
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.documents.len()))
        .collect();
    assert_eq!(sets, [("ICLS 2024", 5), ("ICLS 2025", 5)]);
    let dir = tempfile::tempdir().unwrap();
    let output = import_then_export(
        &shared.join("refi-qda/samples/maxqda-24.7-project.qde"),
        dir.path(),
    );
    let back = refi::read_project(&output).unwrap();
    assert_eq!(back.documents.len(), 10);
    let back_sets: Vec<(&str, usize)> = back
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.documents.len()))
        .collect();
    assert_eq!(back_sets, sets);
    assert_eq!(back.codebook.codes().len(), project.codebook.codes().len());
    validate_entry(&output, "project.qde", "Project.xsd");
}

/// Imports the REFI-QDA `project` with `thematic import` into `dir`, exports the folder it
/// made with `thematic export`, and returns the new project's path.
fn import_then_export(project: &Path, dir: &Path) -> PathBuf {
    let imported = dir.join("imported");
    let output = dir.join("out.qdpx");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    for args in [
        vec![
            "import".into(),
            path(project),
            "--out".into(),
            path(&imported),
        ],
        vec![
            "export".into(),
            path(&imported.join("corpus")),
            "--codebook".into(),
            path(&imported.join("codebook.toml")),
            "--codings".into(),
            path(&imported.join("codings.jsonl")),
            "--qdpx".into(),
            path(&output),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = thematic(&args, &support::root());
        assert!(run.status.success(), "{args:?}: {}", stderr(&run));
    }
    output
}

/// Validates entry `name` of the zip archive `archive`.
fn validate_entry(archive: &Path, name: &str, schema: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, unzip(archive, name)).unwrap();
    validate(&path, schema);
}
