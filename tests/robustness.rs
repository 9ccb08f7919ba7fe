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

