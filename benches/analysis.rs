//! Co-occurrence at scale: 500 codes over a million passages, from bitsets.
//!
//! `cargo bench --bench analysis`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use thematic::analysis::Tables;
use thematic::coding::{CodedSegment, Coding, DocumentSummary, Origin};
use thematic::{Code, Codebook, Metadata, Unit};

/// 1,000 documents of 1,000 passages; each passage gets 0–4 of 500 codes.
fn coding() -> (Codebook, Coding) {
    let mut b = Codebook::builder("bench");
    for c in 0..500 {
        b = b.code(Code::new(format!("c{c:03}"), format!("Code {c}")));
    }
    let codebook = b.build().unwrap();
    let ids: Vec<Arc<str>> = codebook.codes().iter().map(|c| c.id.clone()).collect();
    let mut state: u64 = 7;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut coding = Coding {
        unit: Unit::Paragraph,
        ..Coding::default()
    };
    for d in 0..1_000 {
        let doc: Arc<str> = format!("doc{d}").into();
        coding.documents.push(DocumentSummary {
            id: doc.clone(),
            passages: 1_000,
            bytes: 400_000,
            metadata: Metadata::default(),
            langs: vec![1; 1_000],
        });
        for p in 0..1_000 {
            let mut codes: Vec<usize> = (0..next() % 5).map(|_| (next() % 500) as usize).collect();
            codes.sort_unstable();
            codes.dedup();
            for c in codes {
                coding.segments.push(CodedSegment {
                    doc: doc.clone(),
                    passage: p,
                    start: 0,
                    end: 1,
                    code: ids[c].clone(),
                    origin: Origin::Auto,
                    hits: Vec::new(),
                    memo: None,
                    lang: Some("en"),
                    role: thematic::segment::Role::Body,
                });
            }
        }
    }
    (codebook, coding)
}

fn bench(c: &mut Criterion) {
    let (codebook, coding) = coding();
    let mut group = c.benchmark_group("co-occurrence");
    group.sample_size(10);
    group.bench_function("500 codes x 1M passages", |b| {
        b.iter(|| Tables::compute(&coding, &codebook).cooccurrence.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
