//! Hostile runs: planted links, results written inside the corpus, killed runs, twin file
//! names, a newcomer outside the repository. Each test is the regression test of one fault
//! a hostile-input run found (issue 12), built from files made here.

use std::fs;
use std::path::{Path, PathBuf};

use thematic::CorpusReader;

use crate::support::{corpus, stderr, stdout, thematic};

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, text).unwrap();
}

fn ids(reader: &CorpusReader) -> Vec<String> {
    reader.entries().iter().map(|e| e.id.to_string()).collect()
}

/// Names in a folder, hidden ones included, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn links_out_of_the_corpus_are_not_followed_unless_asked() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.txt"), "root:x:0:0 brain drain");
    write(&outside.path().join("folder/more.txt"), "brain drain");
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("paper.txt"), "Brain drain of scientists.");
    symlink(
        outside.path().join("secret.txt"),
        dir.path().join("passwd.txt"),
    )
    .unwrap();
    symlink(outside.path().join("folder"), dir.path().join("linked")).unwrap();
    // A link that stays inside the corpus is followed as before.
    symlink(dir.path().join("paper.txt"), dir.path().join("alias.txt")).unwrap();

    let reader = CorpusReader::open(dir.path()).unwrap();
    assert_eq!(ids(&reader), ["alias", "paper"]);
    let problems: Vec<String> = reader
        .problems()
        .iter()
        .map(|p| p.error.to_string())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    for (problem, link) in problems.iter().zip(["linked", "passwd.txt"]) {
        assert!(
            problem.contains(link) && problem.contains("outside the corpus folder"),
            "{problem}"
        );
    }

    let followed = CorpusReader::builder()
        .follow_symlinks(true)
        .open(dir.path())
        .unwrap();
    assert_eq!(ids(&followed), ["alias", "linked/more", "paper", "passwd"]);

    let out = thematic(
        &["code", &dir.path().to_string_lossy(), "--format", "jsonl"],
        dir.path(),
    );
    assert!(!stdout(&out).contains("root:x"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--follow-symlinks"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn results_written_inside_the_corpus_are_never_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    write(
        &docs.join("a.txt"),
        "The brain drain of scientists continues.",
    );
    let docs_arg = docs.to_string_lossy().into_owned();
    let out_arg = docs.join("results").to_string_lossy().into_owned();
    for run in 0..2 {
        let out = thematic(&["-q", "analyze", &docs_arg, "--out", &out_arg], dir.path());
        assert!(out.status.success(), "run {run}: {}", stderr(&out));
    }
    let reader = CorpusReader::open(&docs).unwrap();
    assert_eq!(ids(&reader), ["a"], "report.html is not a document");
    let frequencies = fs::read_to_string(docs.join("results/tables.json")).unwrap();
    assert!(frequencies.contains("\"documents\": 1"), "{frequencies}");
}

#[test]
fn a_project_file_asked_for_inside_the_results_folder_is_one_of_its_set() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("docs/a.txt"),
        "The brain drain of scientists continues.",
    );
    for run in 0..2 {
        let out = thematic(
            &[
                "-q",
                "analyze",
                "docs",
                "--out",
                "results",
                "--qdpx",
                "./results/sub/p.qdpx",
            ],
            dir.path(),
        );
        assert!(out.status.success(), "run {run}: {}", stderr(&out));
    }
    let marker = fs::read_to_string(dir.path().join("results/.thematic-output")).unwrap();
    assert!(marker.lines().any(|l| l == "sub/p.qdpx"), "{marker}");
    assert!(dir.path().join("results/sub/p.qdpx").is_file());
}

#[test]
fn ignore_files_inside_the_corpus_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("keep.txt"), "kept");
    write(&dir.path().join("drafts/old.txt"), "a draft");
    write(&dir.path().join("notes.md"), "my notes");
    write(&dir.path().join("scratch.txt"), "scratch");
    write(&dir.path().join(".gitignore"), "drafts/\n");
    write(&dir.path().join(".ignore"), "scratch.txt\n");
    write(&dir.path().join(".thematicignore"), "*.md\n");
    let reader = CorpusReader::open(dir.path()).unwrap();
    assert_eq!(ids(&reader), ["keep"]);
}

#[test]
fn twin_files_that_differ_only_by_extension_are_both_documents() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("x.txt"), "A plain text copy.");
    write(&dir.path().join("x.md"), "# A Markdown copy\n\nWith more.");
    write(&dir.path().join("y.txt"), "Alone.");
    let reader = CorpusReader::open(dir.path()).unwrap();
    assert_eq!(ids(&reader), ["x.md", "x.txt", "y"]);
    assert!(reader.problems().is_empty(), "{:?}", reader.problems());
}

/// The output set of a run, file name → contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// A run killed while it writes its outputs leaves the previous results whole, and the next run
/// cleans up after it. The kill is not timed: the run dies (as a killed run dies, without
/// cleaning up) when it writes past 256 KiB into one file, which the excerpts and the report
/// of the shipped corpus are, so it always dies part-way through writing the new results.
#[cfg(unix)]
#[test]
fn a_killed_analyze_leaves_the_previous_results_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let corpus_arg = corpus().to_string_lossy().into_owned();
    let out_arg = out.to_string_lossy().into_owned();
    let args = ["-q", "analyze", &corpus_arg, "--out", &out_arg];
    let first = thematic(&args, dir.path());
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    assert!(before.iter().any(|(n, _)| n == "report.html"));

    let staging = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".thematic-out-")
            })
            .collect()
    };
    crate::support::thematic_killed_writing_past(&args, dir.path(), 512);
    assert!(
        staging(dir.path())
            .iter()
            .any(|p| p.is_dir() && fs::read_dir(p).unwrap().next().is_some()),
        "the killed run left its staging folder, part-written"
    );
    assert_eq!(
        snapshot(&out),
        before,
        "the old results are whole and alone"
    );

    let again = thematic(&args, dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        staging(dir.path()).is_empty(),
        "the dead run's folder is cleaned"
    );
    assert_eq!(names(dir.path()), ["results"]);
}

#[test]
fn outside_the_repository_the_shipped_codebook_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("docs/note.txt"),
        "Утечка мозгов из Казахстана продолжается: учёные уезжают за рубеж.",
    );
    let out = thematic(&["code", "docs", "--format", "counts"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"brain_drain\": {\"passages\": 1"),
        "{}",
        stdout(&out)
    );

    let out = thematic(&["analyze"], dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("corpus: no such folder or file")
            && err.contains("thematic analyze path/to/documents"),
        "{err}"
    );
}
