//! The search index: building, incremental updates, interrupted builds, queries, KWIC.

use std::fs;
use std::path::Path;

use thematic::index::kwic::{Concordance, SortBy};
use thematic::index::{Index, Search};
use thematic::{Codebook, Corpus, CorpusReader, Pattern, Unit};

use crate::support::{codebook, corpus, stderr, stdout};

/// A copy of the shipped corpus (its manifest, the papers and `official/`) in a temporary
/// folder, to change at will.
fn corpus_copy() -> tempfile::TempDir {
    copy_of(&corpus())
}

/// A copy of a corpus folder without its hidden files: not the index that the README's own
/// `index` and `search` examples leave in `corpus/.thematic/`.
fn copy_of(corpus: &Path) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        for entry in fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                fs::create_dir(&target).unwrap();
                copy(&path, &target);
            } else {
                fs::copy(&path, target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(corpus, dir.path());
    dir
}

#[test]
fn a_corpus_copy_leaves_an_index_built_in_it_behind() {
    let source = tempfile::tempdir().unwrap();
    fs::write(source.path().join("a.txt"), "Brain drain.").unwrap();
    fs::create_dir_all(source.path().join(".thematic/index")).unwrap();
    fs::write(source.path().join(".thematic/index/meta.json"), "{}").unwrap();
    let copy = copy_of(source.path());
    assert!(copy.path().join("a.txt").is_file());
    assert!(!copy.path().join(".thematic").exists());
}

fn update(index: &mut Index, dir: &Path, codebook: &Codebook) -> thematic::index::UpdateStats {
    let reader = CorpusReader::open(dir).unwrap();
    index
        .update(&reader, codebook, Unit::Paragraph, &|_, _| {})
        .unwrap()
}

#[test]
fn updates_index_only_what_changed() {
    let dir = corpus_copy();
    let cb = Codebook::from_path(codebook()).unwrap();
    let mut index = Index::open_or_create(dir.path().join(".thematic/index")).unwrap();
    let first = update(&mut index, dir.path(), &cb);
    // The 5 papers (378 paragraphs) and the 27 official texts (180).
    assert_eq!(
        (first.added, first.updated, first.unchanged, first.removed),
        (32, 0, 0, 0)
    );
    assert_eq!(index.counts().unwrap(), (32, 378 + 180));
    // The official texts are indexed under the ids their manifest entries give.
    let bolashak = index.search(&Search::new("Bolashak").limit(100)).unwrap();
    assert!(bolashak.iter().any(|h| h.doc == "en-063"));
    assert!(bolashak.iter().all(|h| !h.doc.starts_with("official")));

    let again = update(&mut index, dir.path(), &cb);
    assert_eq!(
        (
            again.added,
            again.updated,
            again.unchanged,
            again.bytes_read
        ),
        (0, 0, 32, 0)
    );

    // Change one document, delete another, add a third.
    let changed = dir.path().join("003_612a73be0631b24a.txt");
    let mut text = fs::read_to_string(&changed).unwrap();
    text.push_str("\n\nA new paragraph on repatriation of scientists.\n");
    fs::write(&changed, text).unwrap();
    fs::remove_file(dir.path().join("002_939361d204bde4f9.txt")).unwrap();
    fs::write(dir.path().join("new.txt"), "Returnees and the diaspora.\n").unwrap();
    let third = update(&mut index, dir.path(), &cb);
    assert_eq!(
        (third.added, third.updated, third.unchanged, third.removed),
        (1, 1, 30, 1)
    );
    let (docs, passages) = index.counts().unwrap();
    assert_eq!((docs, passages), (32, 378 + 180 - 63 + 1 + 1));
    let hits = index
        .search(&Search::new("repatriation").limit(50))
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| h.doc == "003_612a73be0631b24a" && h.text.contains("scientists"))
    );
    assert!(hits.iter().all(|h| h.doc != "002_939361d204bde4f9"));

    // A new codebook re-codes every document.
    let narrow = Codebook::from_json_dictionary(r#"{"diaspora": ["diaspora"]}"#, None).unwrap();
    let recoded = update(&mut index, dir.path(), &narrow);
    assert_eq!((recoded.recoded, recoded.unchanged), (32, 0));
    let coded = index
        .search(&Search::new("").code("diaspora").limit(100))
        .unwrap();
    assert!(!coded.is_empty() && coded.iter().all(|h| h.codes == ["diaspora"]));
    assert!(coded.iter().any(|h| h.doc == "new"));

    // Regression: re-coding used to run the patterns over the stored passages alone, so titles
    // and reference entries were coded and codes that need their document (`document = N`)
    // were dropped. Re-coded, the index holds what a fresh one holds.
    update(&mut index, dir.path(), &cb);
    let mut fresh = Index::open_or_create(dir.path().join(".thematic/fresh")).unwrap();
    update(&mut fresh, dir.path(), &cb);
    let coding = |index: &Index| {
        let mut passages: Vec<(String, usize, Vec<String>)> = index
            .search(&Search::new("").limit(10_000))
            .unwrap()
            .into_iter()
            .map(|h| (h.doc, h.passage, h.codes))
            .collect();
        passages.sort();
        passages
    };
    let (recoded, fresh) = (coding(&index), coding(&fresh));
    assert!(recoded.iter().filter(|p| !p.2.is_empty()).count() > 100);
    assert_eq!(recoded.len(), fresh.len());
    let differ = recoded.iter().zip(&fresh).find(|(r, f)| r != f);
    assert_eq!(differ, None, "(re-coded, fresh) passages differ");
}

#[test]
fn search_filters_highlights_and_finds_inflected_forms() {
    let dir = corpus_copy();
    let cb = Codebook::from_path(codebook()).unwrap();
    let mut index = Index::open_or_create(dir.path().join("idx")).unwrap();
    update(&mut index, dir.path(), &cb);

    let hits = index
        .search(
            &Search::new("\"brain drain\" AND return")
                .code("return_policy")
                .limit(20),
        )
        .unwrap();
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(
            h.codes.iter().any(|c| c.starts_with("return_policy")),
            "{:?}",
            h.codes
        );
        let lower = h.text.to_lowercase();
        assert!(lower.contains("brain") && lower.contains("return"));
        assert!(h.highlighted("[", "]").to_lowercase().contains("[brain]"));
    }
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "ranked by score"
    );

    // Russian stemming: the query's "миграции" finds "миграция" and "миграцию".
    let ru = index
        .search(&Search::new("миграции").lang("ru").limit(50))
        .unwrap();
    assert!(
        ru.iter().any(|h| h.text.contains("миграция")),
        "{:?}",
        ru.iter().map(|h| &h.text).collect::<Vec<_>>()
    );
    assert!(ru.iter().all(|h| h.lang.as_deref() == Some("ru")));

    // Year and kind filters.
    let y = index
        .search(&Search::new("migration").years(2024, 2024).limit(100))
        .unwrap();
    assert!(!y.is_empty() && y.iter().all(|h| h.year == Some(2024)));
    let abstracts = index
        .search(&Search::new("migration").kind("abstract").limit(100))
        .unwrap();
    assert!(!abstracts.is_empty() && abstracts.iter().all(|h| h.doc == "003_612a73be0631b24a"));

    // Proximity.
    let near = index
        .search(&Search::new("\"brain circulation\"~0").limit(5))
        .unwrap();
    assert!(!near.is_empty());

    let err = index
        .search(&Search::new("brain AND (drain"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid query") && err.contains("query:1:"),
        "{err}"
    );
}

/// A build killed while it writes its segments leaves the last commit whole and usable.
#[cfg(unix)]
#[test]
fn an_interrupted_build_leaves_the_previous_index_usable() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    fs::create_dir(&docs).unwrap();
    for entry in fs::read_dir(corpus()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            fs::copy(&path, docs.join(path.file_name().unwrap())).unwrap();
        }
    }
    let index_dir = dir.path().join("index");
    let cb = Codebook::from_path(codebook()).unwrap();
    {
        let mut index = Index::open_or_create(&index_dir).unwrap();
        update(&mut index, &docs, &cb);
    }
    let before = Index::open(&index_dir).unwrap().counts().unwrap();

    // New documents whose segment files are larger than the run may write (64 KiB): it dies
    // (as a killed run dies) while it writes them, after the last commit and before the next.
    let block: String = fs::read_dir(&docs)
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<Vec<_>>()
        .join("\n\n");
    for i in 0..3 {
        fs::write(docs.join(format!("copy{i}.txt")), &block).unwrap();
    }
    let files_before = fs::read_dir(&index_dir).unwrap().count();
    let docs_arg = docs.to_string_lossy().into_owned();
    let index_arg = index_dir.to_string_lossy().into_owned();
    let codebook_arg = codebook().to_string_lossy().into_owned();
    crate::support::thematic_killed_writing_past(
        &[
            "index",
            &docs_arg,
            "--index",
            &index_arg,
            "--codebook",
            &codebook_arg,
        ],
        dir.path(),
        128,
    );
    assert!(
        fs::read_dir(&index_dir).unwrap().count() > files_before,
        "the run died while it wrote its segments"
    );

    let index = Index::open(&index_dir).expect("the index still opens");
    assert_eq!(index.counts().unwrap(), before, "the last commit is intact");
    assert!(
        !index
            .search(&Search::new("\"brain drain\""))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn kwic_aligns_matches_with_context() {
    let corpus = Corpus::open(corpus()).unwrap();
    let lines = Concordance::new(Pattern::infer("мигра*"), 3)
        .find(&corpus)
        .unwrap();
    assert!(lines.len() >= 5);
    let chars: Vec<Vec<char>> = corpus
        .documents()
        .iter()
        .map(|d| d.text.chars().collect())
        .collect();
    for l in &lines {
        let d = corpus
            .documents()
            .iter()
            .position(|d| d.id == l.doc)
            .unwrap();
        let keyword: String = chars[d][l.start..l.end].iter().collect();
        assert_eq!(keyword, l.keyword);
        assert!(keyword.to_lowercase().starts_with("мигра"));
        assert!(l.left.split(' ').filter(|w| !w.is_empty()).count() <= 4);
    }
    let sorted = Concordance::sorted(lines.clone(), SortBy::Right);
    assert!(
        sorted
            .windows(2)
            .all(|w| w[0].right.to_lowercase() <= w[1].right.to_lowercase())
    );

    let o = crate::support::thematic(
        &["kwic", "brain circulation", "--window", "2"],
        &crate::support::root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    use unicode_width::UnicodeWidthStr;
    let bars: Vec<usize> = out
        .lines()
        .map(|l| l[..l.find(" | ").unwrap()].width())
        .collect();
    assert!(bars.windows(2).all(|w| w[0] == w[1]), "aligned:\n{out}");
}

#[test]
fn kwic_from_a_current_index_equals_kwic_from_the_files() {
    let dir = corpus_copy();
    let folder = dir.path().to_str().unwrap();
    let kwic = |pattern: &str, extra: &[&str]| {
        let mut args = vec![
            "kwic", pattern, folder, "--format", "jsonl", "--window", "6",
        ];
        args.extend(extra);
        let o = crate::support::thematic(&args, dir.path());
        assert!(o.status.success(), "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    // Phrases, globs in Latin and Cyrillic, possessives, digits, ё, and a regex.
    let patterns: &[(&str, &[&str])] = &[
        ("brain drain", &[]),
        ("Kazakhstan", &[]),
        ("return migration", &[]),
        ("мигра*", &[]),
        ("утечк* мозг*", &[]),
        ("утечка мозгов", &[]),
        ("интеллектуальной миграции", &[]),
        ("відтік мізків", &[]),
        ("білім", &[]),
        ("Migration Policy", &[]),
        ("international stud*", &[]),
        ("2023", &[]),
        ("еще", &[]),
        (r"\bdiaspor\w*", &["--regex"]),
    ];
    let from_files: Vec<String> = patterns.iter().map(|(p, e)| kwic(p, e).0).collect();
    assert!(from_files.iter().filter(|o| !o.is_empty()).count() >= 6);

    let codebook = Codebook::from_path(codebook()).unwrap();
    let mut index = Index::open_or_create(thematic::index::default_path(dir.path())).unwrap();
    update(&mut index, dir.path(), &codebook);
    drop(index);
    for ((pattern, extra), expected) in patterns.iter().zip(&from_files) {
        let (out, err) = kwic(pattern, extra);
        assert!(err.contains("read from the index"), "{pattern}: {err}");
        assert_eq!(&out, expected, "{pattern}");
    }
    // A changed file makes the index stale: the files are read again, and the new text found.
    let changed = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "md" || e == "txt"))
        .unwrap();
    let mut text = fs::read_to_string(&changed).unwrap();
    text.push_str("\n\nA zyzzyva paragraph added after indexing.\n");
    fs::write(&changed, text).unwrap();
    let (out, err) = kwic("zyzzyva", &[]);
    assert!(!err.contains("read from the index"), "{err}");
    assert!(out.contains("zyzzyva"), "{out}");
}
