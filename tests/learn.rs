//! Learning from manual codings: the shipped model against the codebook alone on the test half
//! of the development gold (never trained on), reproducible training, and model files that are
//! refused with a clear error when they do not fit.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use thematic::analysis::evaluate::evaluate;
use thematic::coding::read_records;
use thematic::learn::{Learner, Model};
use thematic::{Codebook, Coder, Corpus, Error};

use crate::support::{codebook, corpus, root, stderr, stdout, thematic};
use crate::validity::{coding, macro_kappa};

fn shipped_model() -> PathBuf {
    root().join("codebooks/migration.model.json")
}

/// The shipped corpus, codebook and the gold coding of the corpus.
fn shipped_with_gold() -> (Corpus, Codebook, thematic::Coding) {
    let corpus = Corpus::open(corpus()).unwrap();
    let cb = Codebook::from_path(codebook()).unwrap();
    let manual = coding(
        &corpus,
        &root().join("tests/data/validity/shipped/gold.jsonl"),
    );
    (corpus, cb, manual)
}

/// The figures of VALIDITY.md's "codebook + stems and n-grams" row, as floors; and the model
/// must do better than the codebook alone overall and in each language.
#[test]
fn the_shipped_model_agrees_with_the_coders_better_than_the_codebook_alone() {
    let dir = root().join("tests/data/validity/test");
    let corpus = Corpus::open(&dir).unwrap();
    let cb = Codebook::from_path(codebook()).unwrap();
    let model = Model::load(&shipped_model()).unwrap();
    model.check_codebook(&cb, &shipped_model()).unwrap();
    let gold = coding(&corpus, &dir.join("gold.jsonl"));
    let alone = evaluate(
        &Coder::new(&cb).unwrap().code_corpus(&corpus),
        &gold,
        &cb,
        true,
    );
    let coder = Coder::new(&cb).unwrap().model(Arc::new(model));
    let with = evaluate(&coder.code_corpus(&corpus), &gold, &cb, true);
    for (lang, floor) in [
        (None, 0.65),
        (Some("en"), 0.67),
        (Some("ru"), 0.57),
        (Some("kk"), 0.60),
    ] {
        let (a, m) = (macro_kappa(&alone, lang), macro_kappa(&with, lang));
        assert!(
            m >= floor,
            "{lang:?}: codebook + model {m:.3} (floor {floor})"
        );
        assert!(
            m > a,
            "{lang:?}: codebook + model {m:.3}, codebook alone {a:.3}"
        );
    }
}

/// The segments the model gives say so: origin "model", a probability at or above the code's
/// threshold, and the features that weighed most; they survive a round trip through JSON
/// Lines.
#[test]
fn model_codes_carry_their_probability_and_evidence_through_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let model = shipped_model().to_string_lossy().into_owned();
    let corpus_arg = root()
        .join("tests/data/validity/test")
        .to_string_lossy()
        .into_owned();
    let out = thematic(&["-q", "code", &corpus_arg, "--model", &model], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let records = read_records(text.as_bytes(), None).unwrap();
    let by_model: Vec<_> = records
        .iter()
        .filter(|r| r.segment.origin.as_str() == "model")
        .collect();
    assert!(by_model.len() > 100, "{} model records", by_model.len());
    let loaded = Model::load(&shipped_model()).unwrap();
    for r in &by_model {
        let thematic::Origin::Model {
            probability,
            evidence,
        } = &r.segment.origin
        else {
            unreachable!()
        };
        let threshold = loaded
            .codes
            .iter()
            .find(|c| *c.code == *r.segment.code)
            .unwrap()
            .threshold;
        assert!(probability.get() >= threshold - 1e-6);
        assert!(!evidence.is_empty());
    }
    // Without the model, no record is the model's.
    let plain = thematic(&["-q", "code", &corpus_arg], dir.path());
    assert!(!stdout(&plain).contains("\"origin\":\"model\""));
}

/// Trained twice on the same coding, a model is the same file byte for byte.
#[test]
fn a_model_trained_twice_is_byte_identical() {
    let (corpus, cb, manual) = shipped_with_gold();
    let coder = Coder::new(&cb).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["one.json", "two.json"] {
        let model = Learner::new()
            .folds(3)
            .learn(&cb, &coder, &corpus, &manual)
            .unwrap();
        let path = dir.path().join(name);
        model.save(&path).unwrap();
        files.push(fs::read(&path).unwrap());
    }
    assert!(files[0].len() > 10_000);
    assert!(files[0] == files[1], "the two model files differ");
    // And it reads back as the model it was.
    let back = Model::load(&dir.path().join("one.json")).unwrap();
    assert_eq!(back.codes.len(), 5);
    // By default it reads each passage alone.
    assert!(back.features.iter().all(|f| !f.name.starts_with("ctx:")));
}

/// A learner asked to read passages in their surroundings learns the themes of the neighbours
/// and of the document as features, and its model codes with them.
#[test]
fn a_model_can_read_passages_in_their_surroundings() {
    let (corpus, cb, manual) = shipped_with_gold();
    let coder = Coder::new(&cb).unwrap();
    let model = Learner::new()
        .folds(2)
        .context(true)
        .learn(&cb, &coder, &corpus, &manual)
        .unwrap();
    let context: Vec<&str> = model
        .features
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| n.starts_with("ctx:"))
        .collect();
    for name in [
        "ctx:beside:education_pull",
        "ctx:between:education_pull",
        "ctx:document:brain_drain",
    ] {
        assert!(context.contains(&name), "{name} not in {context:?}");
    }
    let coded = coder.model(Arc::new(model)).code_corpus(&corpus);
    assert!(
        coded.segments.iter().any(|s| s.origin.as_str() == "model"),
        "the model gave no code"
    );
}

/// A model trained with another codebook (or another state of it) is refused, saying which
/// codebook it wants.
#[test]
fn a_model_from_another_codebook_is_refused() {
    let model = Model::load(&shipped_model()).unwrap();
    let source = fs::read_to_string(codebook()).unwrap();
    let bumped = source.replacen("version = \"2.1.0\"", "version = \"2.2.0\"", 1);
    assert_ne!(bumped, source, "the shipped codebook states its version");
    let other = Codebook::from_toml(&bumped, None).unwrap();
    let err = model.check_codebook(&other, &shipped_model()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Model { .. }));
    assert!(message.contains("migration.model.json"), "{message}");
    assert!(
        message.contains("2.1.0") && message.contains("2.2.0"),
        "{message}"
    );

    // The same name and version, other patterns: the codebook changed since training.
    let edited = source.replacen("[[codes]]", "[[codes]]\n# edited\n", 1);
    let edited =
        Codebook::from_toml(&edited.replacen("brain drain", "brain-drain", 1), None).unwrap();
    let message = model
        .check_codebook(&edited, &shipped_model())
        .unwrap_err()
        .to_string();
    assert!(message.contains("changed since"), "{message}");

    // From the command line: a clear error, no output.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("other.toml"), &bumped).unwrap();
    fs::write(dir.path().join("a.txt"), "Brain drain grows.\n").unwrap();
    let model_arg = shipped_model().to_string_lossy().into_owned();
    let out = thematic(
        &[
            "code",
            "a.txt",
            "--codebook",
            "other.toml",
            "--model",
            &model_arg,
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("train a model for this codebook"),
        "{}",
        stderr(&out)
    );
}

/// A damaged or foreign model file is a clear error naming the file.
#[test]
fn a_corrupt_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = fs::read(shipped_model()).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("cut.json", bytes[..bytes.len() / 2].to_vec(), "line 1"),
        (
            "other.json",
            b"{\"name\": \"not a model\"}".to_vec(),
            "not a thematic model",
        ),
        (
            "future.json",
            String::from_utf8_lossy(&bytes)
                .replacen("\"format_version\":1", "\"format_version\":99", 1)
                .into_bytes(),
            "format version 99",
        ),
        ("short.json", one_weight_less(&bytes), "weights for"),
    ];
    for (name, content, says) in cases {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        let err = Model::load(&path).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Model { .. }), "{name}: {message}");
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains(says), "{name}: {message}");
    }
}

/// The model file with the last weight of its first code dropped.
fn one_weight_less(bytes: &[u8]) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    json["codes"][0]["weights"].as_array_mut().unwrap().pop();
    serde_json::to_vec(&json).unwrap()
}

/// The review loop end to end: suggestions spread over documents and codes, decisions recorded
/// with coder and date, a contradiction refused (nothing recorded), decided passages not
/// suggested again, and a rejected suggestion staying rejected — and an accepted one accepted —
/// after the model is trained again with the decisions.
#[test]
fn review_decisions_round_trip_and_survive_retraining() {
    let dir = tempfile::tempdir().unwrap();
    let model_arg = shipped_model().to_string_lossy().into_owned();
    let test_half = root().join("tests/data/validity/test");
    let corpus_arg = test_half.to_string_lossy().into_owned();
    let review = |out: &str| {
        let o = thematic(
            &[
                "-q",
                "review",
                "--model",
                &model_arg,
                &corpus_arg,
                "-n",
                "10",
                "-o",
                out,
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let mut reader = csv::Reader::from_path(dir.path().join(out)).unwrap();
        reader
            .deserialize::<thematic::learn::Suggestion>()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    };
    let first = review("review.csv");
    assert_eq!(first.len(), 10);
    let codes: std::collections::BTreeSet<&str> = first.iter().map(|s| s.code.as_str()).collect();
    let docs: std::collections::BTreeSet<&str> = first.iter().map(|s| s.doc.as_str()).collect();
    assert_eq!(codes.len(), 5, "every code in turn");
    assert_eq!(docs.len(), 10, "one passage a document");
    // The most uncertain: every probability near its threshold.
    assert!(
        first
            .iter()
            .all(|s| (s.probability - s.threshold).abs() < 0.2)
    );

    // Decide: the first coded suggestion rejected, the first uncoded accepted, the rest left.
    let rejected = first.iter().position(|s| s.coded).unwrap();
    let accepted = first.iter().position(|s| !s.coded).unwrap();
    let mut decided = first.clone();
    decided[rejected].decision = Some("reject".into());
    decided[accepted].decision = Some("Accept".into());
    let write = |rows: &[thematic::learn::Suggestion]| {
        let mut w = csv::Writer::from_path(dir.path().join("review.csv")).unwrap();
        rows.iter().for_each(|r| w.serialize(r).unwrap());
        w.flush().unwrap();
    };
    write(&decided);
    let apply = |coder: &str| {
        thematic(
            &["-q", "review", "--apply", "review.csv", "--coder", coder],
            dir.path(),
        )
    };
    assert!(apply("ana").status.success());
    let decisions = thematic::learn::Decisions::read(&dir.path().join("decisions.jsonl")).unwrap();
    assert_eq!(decisions.len(), 2);
    assert!(
        decisions
            .iter()
            .all(|d| d.coder == "ana" && d.date.len() == 10)
    );

    // A second reviewer contradicting the first is refused, and nothing of it is recorded.
    decided[rejected].decision = Some("accept".into());
    write(&decided);
    let refused = apply("bo");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--replace"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        thematic::learn::Decisions::read(&dir.path().join("decisions.jsonl")).unwrap(),
        decisions
    );

    // Decided passages are not suggested again.
    let second = review("again.csv");
    for s in [&first[rejected], &first[accepted]] {
        assert!(
            !second
                .iter()
                .any(|t| (t.doc.as_str(), t.passage, t.code.as_str())
                    == (s.doc.as_str(), s.passage, s.code.as_str())),
            "{} ¶{} {} suggested again",
            s.doc,
            s.passage,
            s.code
        );
    }

    // Trained again with the decisions (on the test half's own gold, for the test's sake), the
    // model codes the two passages as decided.
    let corpus = Corpus::open(&test_half).unwrap();
    let cb = Codebook::from_path(codebook()).unwrap();
    let manual = coding(&corpus, &test_half.join("gold.jsonl"));
    let model = Learner::new()
        .folds(3)
        .decisions(decisions.clone())
        .learn(&cb, &Coder::new(&cb).unwrap(), &corpus, &manual)
        .unwrap()
        .with_decisions(decisions);
    let coded = Coder::new(&cb)
        .unwrap()
        .model(Arc::new(model))
        .code_corpus(&corpus);
    let has = |s: &thematic::learn::Suggestion| {
        coded.segments.iter().any(|seg| {
            (&*seg.doc, seg.passage) == (s.doc.as_str(), s.passage)
                && (*seg.code == *s.code || seg.code.starts_with(&format!("{}/", s.code)))
        })
    };
    assert!(
        !has(&first[rejected]),
        "the rejected suggestion stays rejected"
    );
    assert!(
        has(&first[accepted]),
        "the accepted suggestion stays accepted"
    );
}
