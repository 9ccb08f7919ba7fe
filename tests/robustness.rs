//! Hostile conditions around the reading and indexing machinery: planted symlinks in the
//! temporary folder, concurrent index updates, and files too large to hold in memory.

use std::path::{Path, PathBuf};

use thematic::CorpusReader;
use thematic::corpus::{Loaders, PdfBackend, PdfLoader};

use crate::support::root;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/ingest").join(name)
}

fn isolated_pdf_loaders() -> Loaders {
    Loaders::default().with(PdfLoader::new(PdfBackend::Isolated {
        extractor: Some(PathBuf::from(env!("CARGO_BIN_EXE_thematic"))),
    }))
}

/// Symbolic links planted in the shared temporary folder, removed again however the test ends.
#[cfg(unix)]
struct Planted(Vec<PathBuf>);

#[cfg(unix)]
impl Drop for Planted {
    fn drop(&mut self) {
        for link in &self.0 {
            let _ = std::fs::remove_file(link);
        }
    }
}

/// A file that no run should touch, in a folder of its own.
#[cfg(unix)]
fn victim() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    (dir, victim)
}

/// The isolated PDF reader used to write its result to `$TMPDIR/thematic-pdf-PID-N.json`, a
/// name anyone could guess and plant a symlink at; the child then overwrote the link's target.
#[cfg(unix)]
#[test]
fn the_pdf_reader_never_writes_through_a_symlink_planted_at_a_predictable_name() {
    let (_dir, victim) = victim();
    // Every name the old scheme would have used in this process for its first extractions
    // (other tests of this binary read PDFs too, so the counter may have moved on).
    let pid = std::process::id();
    let mut planted = Planted(Vec::new());
    for n in 0..2048 {
        let link = std::env::temp_dir().join(format!("thematic-pdf-{pid}-{n}.json"));
        if std::os::unix::fs::symlink(&victim, &link).is_ok() {
            planted.0.push(link);
        }
    }
    let corpus = CorpusReader::with_loaders(fixture("policy_en.pdf"), isolated_pdf_loaders())
        .unwrap()
        .read_all();
    assert!(corpus.skipped().is_empty(), "{:?}", corpus.skipped());
    assert!(
        corpus.documents()[0]
            .text
            .contains("highly skilled migration")
    );
    drop(planted);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

/// The child itself refuses a result path that is a symlink, or a file that is not the empty
/// one made for it, and never creates one.
#[cfg(unix)]
#[test]
fn the_pdf_extractor_child_refuses_symlinks_and_files_it_was_not_given() {
    let (dir, victim) = victim();
    let link = dir.path().join("result.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let missing = dir.path().join("missing.json");
    let extract = |out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_thematic"))
            .arg(thematic::corpus::pdf::EXTRACTOR_ARG)
            .arg(fixture("policy_en.pdf"))
            .arg(out)
            .arg((2u64 << 30).to_string())
            .arg("60")
            .output()
            .unwrap()
    };
    for out in [&link, &victim, &missing] {
        let ran = extract(out);
        assert!(!ran.status.success(), "{} was written", out.display());
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(stderr.contains("cannot write the result"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!missing.exists());
    // The file made for it is written.
    let made = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
    let ran = extract(made.path());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let result = std::fs::read_to_string(made.path()).unwrap();
    assert!(result.contains("\"pages\""), "{result}");
}

// ---------------------------------------------------------------------------------------------
// Concurrent index updates

/// A small corpus (three of the shipped papers' text files) in a temporary folder, and where
/// its index goes.
fn small_corpus() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    let mut texts: Vec<PathBuf> = std::fs::read_dir(crate::support::corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    texts.sort();
    assert!(texts.len() >= 3, "{texts:?}");
    for path in &texts[..3] {
        std::fs::copy(path, docs.join(path.file_name().unwrap())).unwrap();
    }
    let index = dir.path().join("index");
    (dir, docs, index)
}

fn run(args: &[&str], cwd: &Path) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    let codebook = crate::support::codebook();
    all.extend(["--codebook", codebook.to_str().unwrap()]);
    crate::support::thematic(&all, cwd)
}

/// What a run that met another one must say, if it did not succeed.
fn assert_success_or_busy(o: &std::process::Output, index: &Path) {
    if o.status.success() {
        return;
    }
    let err = crate::support::stderr(o);
    assert!(
        err.contains(&format!(
            "the index at {} is being updated by another run",
            index.display()
        )) || err.contains(&format!(
            "the index at {} is being read by another run",
            index.display()
        )),
        "neither success nor a plain 'busy': {err}"
    );
    assert!(
        !err.contains("FileDoesNotExist") && !err.contains("LockBusy"),
        "{err}"
    );
}

/// The interleaving that broke a run, made to happen: a second run starts while the first
/// holds the (new, not yet committed) index. It must stop at once, in plain words, and leave
/// the index to the first.
#[test]
fn a_run_that_finds_the_index_being_updated_says_so_and_touches_nothing() {
    let (dir, docs, index_dir) = small_corpus();
    let docs_arg = docs.to_str().unwrap();
    let index_arg = index_dir.to_str().unwrap();
    let codebook = thematic::Codebook::from_path(crate::support::codebook()).unwrap();
    let mut held = thematic::index::Index::open_or_create(&index_dir).unwrap();
    for command in ["index", "search"] {
        let mut args = vec![command];
        if command == "search" {
            args.push("brain");
        }
        args.extend([docs_arg, "--index", index_arg]);
        let o = run(&args, dir.path());
        assert!(!o.status.success(), "{command} ran over a held index");
        let err = crate::support::stderr(&o);
        assert!(
            err.contains(&format!(
                "the index at {index_arg} is being updated by another run"
            )),
            "{command}: {err}"
        );
    }
    // The holder's update, begun before the others, is intact and commits.
    let reader = CorpusReader::open(&docs).unwrap();
    let stats = held
        .update(&reader, &codebook, thematic::Unit::Paragraph, &|_, _| {})
        .unwrap();
    assert_eq!(stats.added, 3);
    // A concordance does not need the index: it reads the files meanwhile.
    let kwic = crate::support::thematic(
        &["kwic", "brain drain", docs_arg, "--index", index_arg],
        dir.path(),
    );
    assert!(kwic.status.success(), "{}", crate::support::stderr(&kwic));
    assert!(crate::support::stderr(&kwic).contains("reading the files instead"));
    drop(held);
    let o = run(&["index", docs_arg, "--index", index_arg], dir.path());
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    assert!(crate::support::stdout(&o).contains("3 unchanged"));
    let o = run(
        &["search", "brain", docs_arg, "--index", index_arg],
        dir.path(),
    );
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    assert!(!crate::support::stdout(&o).contains("no passage matches"));
}

/// Runs started together, over and over, each on a fresh or a changed index: every one either
/// succeeds or says the index is busy, and the index that remains is whole.
#[test]
fn racing_index_runs_either_succeed_or_say_the_index_is_busy() {
    let (dir, docs, index_dir) = small_corpus();
    let docs_arg = docs.to_str().unwrap();
    let index_arg = index_dir.to_str().unwrap();
    let codebook = crate::support::codebook();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_thematic"))
            .args(["-q", "index", docs_arg, "--index", index_arg])
            .args(["--codebook", codebook.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut successes = 0;
    for round in 0..12 {
        if round % 2 == 0 {
            let _ = std::fs::remove_dir_all(&index_dir);
        } else {
            std::fs::write(
                docs.join("extra.txt"),
                format!("Round {round}: brain drain.\n"),
            )
            .unwrap();
        }
        let racers: Vec<_> = (0..3).map(|_| spawn()).collect();
        for racer in racers {
            let o = racer.wait_with_output().unwrap();
            assert_success_or_busy(&o, &index_dir);
            successes += usize::from(o.status.success());
        }
        let index = thematic::index::Index::open(&index_dir).unwrap();
        let (documents, passages) = index.counts().unwrap();
        assert!(documents >= 3 && passages > 0, "round {round}");
    }
    assert!(successes >= 12);
    let o = run(&["index", docs_arg, "--index", index_arg], dir.path());
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    assert!(crate::support::stdout(&o).contains("4 unchanged"));
}

// ---------------------------------------------------------------------------------------------
// Files too large to hold in memory

/// A one-line file of `mb` megabytes of prose-like words (rarely the codebook's).
fn one_line_file(path: &Path, mb: usize) {
    let sentence = "The committee reviewed the annual report of the regional office and noted that \
                    the figures for the year were broadly in line with the forecasts made before. ";
    let mut text = sentence.repeat(mb * 1_000_000 / sentence.len() + 1);
    text.truncate(mb * 1_000_000);
    std::fs::write(path, text).unwrap();
}

/// Under a memory limit the file fits in but coding it does not, the file used to abort the
/// run (`memory allocation of … bytes failed`). It must be reported, by name, as too large to
/// hold in memory, and the other documents coded.
#[cfg(target_os = "linux")]
#[test]
fn a_file_too_large_for_the_memory_there_is_is_reported_not_an_abort() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    one_line_file(&docs.join("huge.txt"), 128);
    std::fs::write(
        docs.join("small.txt"),
        "Kazakhstan faces brain drain as young scientists leave.\n",
    )
    .unwrap();
    let codebook = crate::support::codebook();
    // The program itself takes some 100 to 200 MB of address space with two threads; reading
    // the file takes 128 MB more, and coding it as much again or more, which used to abort.
    let limit: u64 = 400 << 20;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_thematic"));
    command
        .args(["--threads", "2", "code", docs.to_str().unwrap()])
        .args(["--codebook", codebook.to_str().unwrap()]);
    // SAFETY: only setrlimit, a system call, runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            rustix::process::setrlimit(
                rustix::process::Resource::As,
                rustix::process::Rlimit {
                    current: Some(limit),
                    maximum: Some(limit),
                },
            )
            .map_err(std::io::Error::from)
        });
    }
    let o = command.output().unwrap();
    let err = crate::support::stderr(&o);
    assert_eq!(o.status.signal(), None, "killed by a signal: {err}");
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("huge.txt") && err.contains("too large to hold in memory"),
        "{err}"
    );
    let out = crate::support::stdout(&o);
    assert!(out.contains("\"doc\":\"small\""), "{out}");
    assert!(!out.contains("\"doc\":\"huge\""));
}
