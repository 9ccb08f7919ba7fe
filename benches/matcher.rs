//! Matcher throughput on generated text, and how it scales with the codebook's size.
//!
//! `cargo bench --bench matcher`. The peer comparison on real corpora is `BENCHMARKS.md`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use thematic::matcher::{Matcher, Scratch};
use thematic::{Code, Codebook, Pattern};

/// A deterministic pseudo-random number generator (no dependency, same numbers everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The shipped corpus's text, four times over (about 700 KB of real English, Russian,
/// Kazakh and Ukrainian).
fn text() -> String {
    let mut names: Vec<_> = std::fs::read_dir("corpus")
        .expect("run from the repository root")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let one: Vec<String> = names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    one.join("\n\n").repeat(4)
}

/// A codebook of `phrases` two-word phrases over 10 codes, each two words of the corpus's own
/// vocabulary drawn at random: real words, which mostly do not stand side by side — as in a
/// large dictionary, where most entries are absent from any one text.
fn codebook(text: &str, phrases: usize) -> Codebook {
    let mut vocabulary: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    let mut rng = Rng(42);
    let mut pick = || vocabulary[(rng.next() % vocabulary.len() as u64) as usize];
    let mut b = Codebook::builder("bench");
    let per_code = phrases.div_ceil(10);
    for c in 0..10 {
        let mut code = Code::new(format!("code{c}"), format!("Code {c}"));
        for _ in 0..per_code {
            code = code.pattern(Pattern::phrase(format!("{} {}", pick(), pick())));
        }
        b = b.code(code);
    }
    b.build().expect("generated codebooks are valid")
}

fn bench(c: &mut Criterion) {
    let text = text();
    let passages: Vec<&str> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut group = c.benchmark_group("codebook size");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    for phrases in [100, 1_000, 3_000, 10_000] {
        let matcher = Matcher::new(&codebook(&text, phrases)).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(phrases), &matcher, |b, m| {
            let mut scratch = Scratch::default();
            b.iter(|| {
                let mut hits = 0;
                for p in &passages {
                    m.for_each_code(p, &mut scratch, |_, h| hits += h.len());
                }
                hits
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
