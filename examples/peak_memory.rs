//! Peak memory of `thematic code` and `thematic analyze` on one large one-line file, as a
//! multiple of the file's size.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example peak_memory -- [MB ...]
//! ```
//!
//! For each size (default 50 and 300 MB) writes a one-line `.txt` of that many megabytes into a
//! temporary folder: prose off the codebook's topic, with a sentence on it every 100 KB (so a
//! few codes apply, to a passage as long as the file). Then runs the `thematic` binary (the one
//! beside this example's folder, or `THEMATIC_BIN`) under `/usr/bin/time -v`, and prints its
//! maximum resident set size and that size divided by the file's. Coding keeps the document, a
//! folded copy of it and the places where patterns may match; the outputs are written as they
//! are made.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = match std::env::args().skip(1).collect::<Vec<_>>() {
        args if args.is_empty() => vec![50, 300],
        args => args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?,
    };
    let binary = match std::env::var_os("THEMATIC_BIN") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe()?
            .parent()
            .and_then(Path::parent)
            .map(|dir| dir.join(format!("thematic{}", std::env::consts::EXE_SUFFIX)))
            .ok_or("cannot locate the thematic binary: set THEMATIC_BIN")?,
    };
    if !binary.is_file() {
        return Err(format!(
            "{} not found: run `cargo build --release` first, or set THEMATIC_BIN",
            binary.display()
        )
        .into());
    }
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return Err("/usr/bin/time (GNU time) is needed to measure the peak".into());
    }
    println!("file MB  command   peak RSS MB  peak / file  seconds");
    for mb in sizes {
        let dir = tempfile::tempdir()?;
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus)?;
        let file = corpus.join("one_line.txt");
        write_one_line(&file, mb)?;
        let size = std::fs::metadata(&file)?.len() as f64 / 1e6;
        let limit = (mb + 1).to_string();
        for command in ["code", "analyze"] {
            let mut run = Command::new(time);
            run.arg("-v")
                .arg(&binary)
                .args(["-q", command, "--max-file-size", &limit])
                .arg(&corpus)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::null());
            if command == "analyze" {
                run.arg("--out").arg(dir.path().join("out"));
            }
            let started = Instant::now();
            let output = run.output()?;
            let seconds = started.elapsed().as_secs_f64();
            let stderr = String::from_utf8_lossy(&output.stderr);
            if !output.status.success() {
                return Err(format!("thematic {command} failed: {stderr}").into());
            }
            let kilobytes: f64 = stderr
                .lines()
                .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
                .ok_or("no maximum resident set size in the output of /usr/bin/time")?
                .trim()
                .parse()?;
            let peak = kilobytes * 1024.0 / 1e6;
            println!(
                "{size:7.0}  {command:<8} {peak:12.0}  {:10.2}×  {seconds:7.1}",
                peak / size
            );
        }
    }
    Ok(())
}

/// Writes `mb` megabytes of one-line prose: sentences of common words drawn by a fixed
/// pseudo-random sequence, and a sentence the codebook codes every 100 KB.
fn write_one_line(path: &Path, mb: usize) -> std::io::Result<()> {
    use std::io::Write;
    const WORDS: &[&str] = &[
        "the",
        "of",
        "and",
        "a",
        "to",
        "in",
        "was",
        "for",
        "on",
        "with",
        "as",
        "by",
        "at",
        "from",
        "committee",
        "reviewed",
        "annual",
        "report",
        "regional",
        "office",
        "noted",
        "figures",
        "year",
        "broadly",
        "forecasts",
        "council",
        "agreed",
        "budget",
        "planning",
        "meeting",
        "minutes",
        "river",
        "valley",
        "weather",
        "morning",
        "train",
        "station",
        "city",
        "museum",
        "garden",
        "library",
        "painting",
        "music",
        "evening",
        "water",
        "bridge",
        "road",
        "market",
        "price",
        "harvest",
        "season",
        "autumn",
        "winter",
        "spring",
        "summer",
        "village",
        "field",
        "farmers",
        "wheat",
        "cotton",
        "rainfall",
        "temperature",
        "heating",
        "transport",
        "bus",
        "timetable",
        "repairs",
        "building",
        "street",
        "lights",
        "census",
        "households",
        "survey",
    ];
    const TOPIC: &str = "Kazakhstan faces brain drain as young scientists leave for \
                         universities abroad; return migration and diaspora policy aim to reverse it. ";
    let target = mb * 1_000_000;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut written, mut since_topic) = (0, 0);
    while written < target {
        let mut sentence = String::new();
        for i in 0..8 + next(12) {
            let word = WORDS[next(WORDS.len())];
            if i == 0 {
                let mut chars = word.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                sentence.extend(first);
                sentence.push_str(chars.as_str());
            } else {
                sentence.push(' ');
                sentence.push_str(word);
            }
        }
        sentence.push_str(". ");
        if since_topic >= 100_000 {
            sentence.push_str(TOPIC);
            since_topic = 0;
        }
        let piece = &sentence.as_bytes()[..sentence.len().min(target - written)];
        out.write_all(piece)?;
        written += piece.len();
        since_topic += piece.len();
    }
    out.flush()
}
