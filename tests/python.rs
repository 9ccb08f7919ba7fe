//! The Python package (`python/`): built as a wheel by maturin, installed in a virtual
//! environment of its own under `target/`, and tested by pytest against this build's `thematic`
//! binary (same tables, offsets and errors as the command line; Spark on `local[2]`).

use std::process::Command;

use crate::support::{self, Outside};

#[test]
fn the_python_package_gives_the_command_lines_results() {
    let root = env!("CARGO_MANIFEST_DIR");
    let instead = "skips testing the Python package";
    if support::tool(Outside::Python, instead).is_none() {
        return;
    }
    let status = Command::new("bash")
        .arg(format!("{root}/scripts/python-test.sh"))
        .env("THEMATIC_BIN", env!("CARGO_BIN_EXE_thematic"))
        .current_dir(root)
        .status()
        .expect("bash runs scripts/python-test.sh");
    assert!(
        status.success(),
        "scripts/python-test.sh failed ({status}): see pytest's report above"
    );
}
