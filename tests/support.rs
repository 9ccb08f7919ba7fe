//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run with it as the working directory, but be explicit).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus() -> PathBuf {
    root().join("corpus")
}

pub fn codebook() -> PathBuf {
    root().join("codebooks/migration.toml")
}

/// `../shared` beside the repository, if it is there; tests that need it skip without it.
pub fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: ../shared is absent; skipping the checks that need it");
        None
    }
}

/// Runs the `thematic` binary.
pub fn thematic(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thematic"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the thematic binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Folds text as phrase matching does, independently of the library: lowercase, whitespace
/// runs as one space.
pub fn fold_words(s: &str) -> String {
    s.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word character as the task defines it (Python's `isalnum() or "_"`), spelled out with the
/// regex crate's Unicode classes rather than the library's own function.
pub fn is_word_char(c: char) -> bool {
    static WORD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    WORD.get_or_init(|| regex::Regex::new(r"^[\p{L}\p{N}_]$").unwrap())
        .is_match(c.encode_utf8(&mut [0; 4]))
}
