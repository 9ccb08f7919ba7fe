//! The shipped corpus and codebook, through the library.

use std::collections::{BTreeMap, BTreeSet};

use thematic::segment::Unit;
use thematic::{Analysis, Codebook, Coder, Corpus, PatternKind};

use crate::support::{codebook, corpus, fold_words, is_word_char, shared};

fn analysis(unit: Unit) -> Analysis {
    let corpus = Corpus::open(corpus()).expect("the shipped corpus opens");
    let codebook = Codebook::from_path(codebook()).expect("the shipped codebook is valid");
    Analysis::run(corpus, codebook, unit).expect("the analysis runs")
}

#[test]
fn the_corpus_reads_completely_with_its_manifest() {
    let corpus = Corpus::open(corpus()).unwrap();
    assert!(corpus.skipped().is_empty(), "{:?}", corpus.skipped());
    assert!(corpus.ignored().is_empty(), "{:?}", corpus.ignored());
    assert_eq!(corpus.documents().len(), 32);
    // The five seed papers (ids beginning with a digit), and 27 official texts in
    // corpus/official/: 12 English, 8 Kazakh, 7 Russian.
    let (papers, official): (Vec<_>, Vec<_>) = corpus
        .documents()
        .iter()
        .partition(|d| d.id.starts_with(|c: char| c.is_ascii_digit()));
    assert_eq!(papers.len(), 5);
    let mut by_lang: BTreeMap<&str, usize> = BTreeMap::new();
    for doc in corpus.documents() {
        let m = &doc.metadata;
        // Fields the text does not print are left out (003 names no author, 000, 003 and most
        // official pages no year); kind and licence are always recorded, and a title (from its
        // first line for the two official pages the manifest gives none).
        assert!(
            !m.title.is_empty() && m.kind.is_some() && m.licence.is_some(),
            "{}",
            doc.id
        );
        assert!(
            m.year.is_none_or(|y| (2000..=2026).contains(&y)),
            "{}",
            doc.id
        );
        let path = doc.path.as_ref().unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let folder = path
            .parent()
            .unwrap()
            .strip_prefix(corpus.root().unwrap())
            .unwrap();
        if papers.iter().any(|p| p.id == doc.id) {
            // The papers are in English (with abstracts in other languages), at the top of the
            // folder; their ids are the file stems, as the manifest does not rename them.
            assert!(m.languages.first().is_some_and(|l| l == "en"), "{}", doc.id);
            assert_eq!(folder, std::path::Path::new(""), "{}", doc.id);
            assert_eq!(&*doc.id, stem);
        } else {
            // The official texts keep the ids of the development gold (the file stem, not
            // official/<stem>), whose prefix is their one language.
            assert_eq!(folder, std::path::Path::new("official"), "{}", doc.id);
            assert_eq!(&*doc.id, stem);
            assert_eq!(m.kind.as_deref(), Some("official"), "{}", doc.id);
            assert_eq!(m.languages.len(), 1, "{}", doc.id);
            assert_eq!(&doc.id[..2], m.languages[0], "{}", doc.id);
            *by_lang.entry(&doc.id[..2]).or_default() += 1;
        }
    }
    assert_eq!(official.len(), 27);
    assert_eq!(by_lang, BTreeMap::from([("en", 12), ("kk", 8), ("ru", 7)]));
    let narymbaeva = corpus.document("001_80cac5b2e7107bf3").unwrap();
    assert_eq!(narymbaeva.metadata.year, Some(2024));
    assert_eq!(narymbaeva.metadata.licence.as_deref(), Some("CC BY 4.0"));
    assert_eq!(
        narymbaeva.metadata.doi.as_deref(),
        Some("10.33327/AJEE-18-7.4-a000118")
    );
    assert_eq!(narymbaeva.metadata.authors.len(), 6);
    let law = corpus.document("en-072").unwrap();
    assert_eq!(law.metadata.title, "On Migration");
    assert_eq!(law.metadata.source.as_deref(), Some("adilet.zan.kz"));
    assert!(corpus.document("official/en-072").is_none());
}

#[test]
fn stored_text_is_the_file_text() {
    // The seeds are LF, NFC and BOM-free: offsets must index the files exactly as they are.
    let corpus = Corpus::open(corpus()).unwrap();
    for doc in corpus.documents() {
        let raw = std::fs::read_to_string(doc.path.as_ref().unwrap()).unwrap();
        assert_eq!(doc.text, raw, "{}", doc.id);
    }
}

#[test]
fn the_codebook_is_a_research_instrument() {
    let cb = Codebook::from_path(codebook()).unwrap();
    let top: Vec<&str> = cb
        .codes()
        .iter()
        .filter(|c| c.depth() == 0)
        .map(|c| &*c.id)
        .collect();
    assert_eq!(
        top,
        [
            "education_pull",
            "research_collaboration",
            "brain_drain",
            "return_policy",
            "talent_attraction"
        ]
    );
    for code in cb.codes() {
        assert!(
            code.description.is_some() && code.include.is_some() && code.exclude.is_some(),
            "{}",
            code.id
        );
        assert!(!code.patterns.is_empty(), "{} has patterns", code.id);
        assert!(!code.examples.is_empty(), "{} has examples", code.id);
    }
    for id in top {
        assert!(cb.children(id).count() >= 2, "{id} has sub-codes");
        // Patterns in the other languages, under the code or its sub-codes, written out or
        // through the concept sets they are made of.
        let patterns: Vec<&thematic::Pattern> = cb
            .codes()
            .iter()
            .filter(|c| c.is_within(id))
            .flat_map(|c| &c.patterns)
            .collect();
        let terms = patterns
            .iter()
            .flat_map(|p| &p.sets)
            .flat_map(|set| &cb.concept_set(set).unwrap().terms);
        let langs: BTreeSet<&str> = patterns
            .iter()
            .copied()
            .chain(terms)
            .filter_map(|p| p.lang.as_deref().or_else(|| script_of(&p.text)))
            .collect();
        for lang in ["ru", "kk"] {
            assert!(langs.contains(lang), "{id} has {lang} patterns: {langs:?}");
        }
    }
    let failures = Coder::new(&cb).unwrap().check_examples(&cb);
    assert!(failures.is_empty(), "examples that fail: {failures:#?}");
}

/// The language an untagged pattern is written in, from its letters: a single Kazakh or
/// Ukrainian letter decides, as patterns are short.
fn script_of(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    if lower.contains(['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ']) {
        Some("kk")
    } else if lower.contains(['ї', 'є', 'ґ', 'і']) {
        Some("uk")
    } else {
        thematic::lang::detect(text)
    }
}

#[test]
fn every_hit_slices_the_stored_text_to_what_its_pattern_matches() {
    for unit in [Unit::Paragraph, Unit::Sentence] {
        let a = analysis(unit);
        assert!(!a.coding.segments.is_empty());
        for seg in &a.coding.segments {
            let doc = a.corpus.document(&seg.doc).unwrap();
            let chars: Vec<char> = doc.text.chars().collect();
            assert!(!seg.hits.is_empty(), "automatic segments are explained");
            for hit in &seg.hits {
                assert!(seg.start <= hit.start && hit.start < hit.end && hit.end <= seg.end);
                let found: String = chars[hit.start..hit.end].iter().collect();
                let code = a.codebook.code(&seg.code).unwrap();
                let pattern = code
                    .patterns
                    .iter()
                    .find(|p| *p.text == *hit.pattern)
                    .unwrap_or_else(|| panic!("{} is a pattern of {}", hit.pattern, seg.code));
                match pattern.kind {
                    PatternKind::Set | PatternKind::Near => {
                        // The span holds a term of every set it is made of, and begins and
                        // ends with one.
                        let mut starts = false;
                        let mut ends = false;
                        for set in &pattern.sets {
                            let single = thematic::codebook::ConceptSet {
                                id: "t".into(),
                                ..a.codebook.concept_set(set).unwrap().clone()
                            };
                            let cb = Codebook::builder("one set")
                                .set(single)
                                .code(
                                    thematic::Code::new("c", "c")
                                        .pattern(thematic::Pattern::set("t")),
                                )
                                .build()
                                .unwrap();
                            let m = thematic::Matcher::new(&cb).unwrap();
                            let mut scratch = Default::default();
                            let hits: Vec<_> = m
                                .find(&found, &mut scratch)
                                .into_iter()
                                .flat_map(|c| c.hits.to_vec())
                                .collect();
                            assert!(!hits.is_empty(), "{found:?} holds a term of @{set}");
                            starts |= hits.iter().any(|h| h.start == 0);
                            ends |= hits.iter().any(|h| h.end == found.len());
                        }
                        assert!(starts && ends, "{found:?} begins and ends with a term");
                    }
                    PatternKind::Phrase
                        if pattern.stem && pattern.lang.as_deref() == Some("kk") =>
                    {
                        let words: Vec<&str> = pattern.text.split_whitespace().collect();
                        let found_words: Vec<String> =
                            fold_words(&found).split(' ').map(str::to_string).collect();
                        assert_eq!(words.len(), found_words.len(), "{found:?}");
                        for (w, f) in words.iter().zip(&found_words) {
                            assert!(
                                thematic::stem::kazakh::KazakhStem::new(w)
                                    .unwrap()
                                    .matches(f),
                                "{f:?} is {w:?} with suffixes"
                            );
                        }
                    }
                    PatternKind::Phrase if pattern.stem => {
                        let stemmer =
                            thematic::stem::Stemmer::for_lang(pattern.lang.as_deref().unwrap())
                                .unwrap();
                        let stems = |s: &str| -> Vec<String> {
                            fold_words(s)
                                .split(' ')
                                .map(|w| stemmer.stem(w).into_owned())
                                .collect()
                        };
                        assert_eq!(stems(&found), stems(&pattern.text), "{found:?}");
                    }
                    PatternKind::Phrase => {
                        assert_eq!(fold_words(&found), fold_words(&pattern.text))
                    }
                    PatternKind::Glob => {
                        let re = glob_regex(&pattern.text);
                        assert!(
                            re.is_match(&found),
                            "{found:?} matches glob {:?}",
                            pattern.text
                        );
                    }
                    PatternKind::Regex => {
                        let re = regex::RegexBuilder::new(&pattern.text)
                            .case_insensitive(!pattern.case_sensitive)
                            .multi_line(true)
                            .build()
                            .unwrap();
                        let passage: String = chars[seg.start..seg.end].iter().collect();
                        let at = passage.char_indices().nth(hit.start - seg.start).unwrap().0;
                        let m = re.find_at(&passage, at).unwrap();
                        assert_eq!(m.as_str(), found);
                    }
                }
                if !matches!(pattern.kind, PatternKind::Regex | PatternKind::Near) {
                    let before = hit.start.checked_sub(1).map(|i| chars[i]);
                    assert!(
                        !before.is_some_and(is_word_char)
                            && !chars.get(hit.end).copied().is_some_and(is_word_char)
                    );
                }
            }
        }
    }
}

/// A glob as a regex, written independently of the library: `*` any word characters, `?` one,
/// whitespace any whitespace, whole string.
fn glob_regex(glob: &str) -> regex::Regex {
    let mut re = String::from("(?i)^");
    for (i, word) in glob.split_whitespace().enumerate() {
        if i > 0 {
            re.push_str(r"\s+");
        }
        for c in word.chars() {
            match c {
                '*' => re.push_str(r"[\p{L}\p{N}_]*"),
                '?' => re.push_str(r"[\p{L}\p{N}_]"),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
    }
    re.push('$');
    regex::Regex::new(&re).unwrap()
}

#[test]
fn stemmed_phrases_find_the_case_forms_in_the_abstracts() {
    // Real forms from the seeds: «утечку умов» (002), «образовательной миграции» (004),
    // «освітньої міграції» (001).
    let cb = Codebook::from_toml(
        r#"
        [codebook]
        name = "stems"
        [[code]]
        id = "brain_drain"
        patterns = [{ phrase = "утечка умов", lang = "ru", stem = true }]
        [[code]]
        id = "education_pull"
        patterns = [
          { phrase = "образовательная миграция", lang = "ru", stem = true },
          { phrase = "освітня міграція", lang = "uk", stem = true },
        ]
        "#,
        None,
    )
    .unwrap();
    let corpus = Corpus::open(corpus()).unwrap();
    // The forms are in the abstracts and in their keyword lines.
    let coding = Coder::new(&cb)
        .unwrap()
        .roles(thematic::segment::Roles::ALL)
        .code_corpus(&corpus);
    let found = |code: &str| -> BTreeSet<String> {
        coding
            .segments
            .iter()
            .filter(|s| &*s.code == code)
            .flat_map(|s| {
                let doc = corpus.document(&s.doc).unwrap();
                let chars: Vec<char> = doc.text.chars().collect();
                s.hits.iter().map(move |h| {
                    chars[h.start..h.end]
                        .iter()
                        .collect::<String>()
                        .to_lowercase()
                })
            })
            .collect()
    };
    let bd = found("brain_drain");
    assert!(
        bd.contains("утечку умов") && bd.contains("утечка умов"),
        "{bd:?}"
    );
    let ep = found("education_pull");
    for form in [
        "образовательная миграция",
        "образовательной миграции",
        "освітньої міграції",
        "освітня міграція",
    ] {
        assert!(ep.contains(form), "{form} in {ep:?}");
    }
    // Language tags hold: the Russian pattern never codes the Ukrainian abstract.
    assert!(
        coding
            .segments
            .iter()
            .filter(|s| &*s.code == "education_pull")
            .all(|s| s.lang != Some("kk"))
    );
}

#[test]
fn every_top_level_code_is_found_in_the_shipped_papers() {
    let a = analysis(Unit::Paragraph);
    // The frequency table counts the whole corpus; each theme is found in the papers alone
    // (ids beginning with a digit), in their passages coded with the theme itself.
    let paper = |doc: &str| doc.starts_with(|c: char| c.is_ascii_digit());
    for f in &a.tables.frequencies {
        if a.codebook.code(&f.code).unwrap().depth() == 0 {
            let coded: Vec<_> = a
                .coding
                .segments
                .iter()
                .filter(|s| s.code == f.code && paper(&s.doc))
                .collect();
            let passages: BTreeSet<_> = coded.iter().map(|s| (&s.doc, s.passage)).collect();
            let documents: BTreeSet<_> = coded.iter().map(|s| &s.doc).collect();
            assert!(
                passages.len() >= 3 && documents.len() >= 2,
                "{} is coded in the papers: {} passages of {} documents",
                f.code,
                passages.len(),
                documents.len()
            );
            assert!(f.passages >= passages.len() && f.documents >= documents.len());
        }
    }
}

#[test]
fn the_bench_edge_cases_count_as_the_peers_do() {
    let Some(shared) = shared() else { return };
    let edge = shared.join("bench/edge");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("bench/edge.expected.json")).unwrap(),
    )
    .unwrap();
    let codebook = Codebook::from_path(shared.join("bench/codebook.json")).unwrap();
    // The task's passages: blocks as the blank lines cut them, every one coded.
    let coder = Coder::new(&codebook)
        .unwrap()
        .unit(Unit::Block)
        .roles(thematic::segment::Roles::ALL);
    let corpus = Corpus::open(&edge).unwrap();
    let mut counts = thematic::coding::Counts::new(codebook.codes().len());
    for doc in corpus.documents() {
        coder.count_document(doc, &mut counts, &mut Default::default());
    }
    assert_eq!(
        counts.passages_total,
        expected["passages_total"].as_u64().unwrap()
    );
    assert_eq!(counts.bytes, expected["bytes"].as_u64().unwrap());
    for (i, code) in codebook.codes().iter().enumerate() {
        let e = &expected["codes"][&*code.id];
        assert_eq!(
            counts.passages[i],
            e["passages"].as_u64().unwrap(),
            "{} passages",
            code.id
        );
        assert_eq!(
            counts.hits[i],
            e["hits"].as_u64().unwrap(),
            "{} hits",
            code.id
        );
    }
}

#[test]
fn every_cyrillic_pattern_of_the_shipped_codebook_carries_an_example() {
    // Inflected languages are where a pattern most easily matches nothing real: each Russian,
    // Kazakh and Ukrainian pattern must show a sentence it codes (`codebook check` runs them).
    let codebook = thematic::Codebook::from_path(codebook()).unwrap();
    let mut cyrillic = 0;
    for code in codebook.codes() {
        for p in &code.patterns {
            if p.text.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) {
                cyrillic += 1;
                assert!(
                    !p.examples.is_empty(),
                    "code {}: pattern {:?} has no example",
                    code.id,
                    p.text
                );
            }
        }
    }
    assert!(cyrillic >= 100, "{cyrillic} Cyrillic patterns");
    // Concept sets carry the vocabulary: each has terms in English, Russian and Kazakh.
    for set in codebook.sets() {
        let langs: BTreeSet<&str> = set.terms.iter().filter_map(|t| t.lang.as_deref()).collect();
        for lang in ["en", "ru", "kk"] {
            assert!(
                langs.contains(lang),
                "concept set {} has {lang} terms",
                set.id
            );
        }
    }
}
