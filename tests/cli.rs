//! The `thematic` binary, end to end.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use crate::support::{root, stderr, stdout, thematic};

/// The text files of the shipped corpus, the papers and then `official/`, each in name order.
fn shipped_texts() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for folder in [root().join("corpus"), root().join("corpus/official")] {
        let mut names: Vec<_> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        names.sort();
        files.extend(names);
    }
    files
}

#[test]
fn analyze_prints_tables_and_writes_consistent_files() {
    let out = tempfile::tempdir().unwrap();
    let o = thematic(&["analyze", "--out", out.path().to_str().unwrap()], &root());
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = stdout(&o);
    assert!(
        printed.contains("32 documents · 558 paragraphs"),
        "{printed}"
    );
    assert!(
        printed.contains("Code frequencies") && printed.contains("brain_drain"),
        "{printed}"
    );
    assert!(printed.contains("Strongest co-occurrences"), "{printed}");

    // frequencies.csv, recounted from excerpts.jsonl.
    let mut freq = csv::Reader::from_path(out.path().join("frequencies.csv")).unwrap();
    let headers: Vec<String> = freq.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        headers[..6],
        ["code", "label", "passages", "documents", "hits", "share"]
    );
    /// Per code: the (document, passage) pairs coded, the documents, the hits.
    #[derive(Default)]
    struct Recount {
        passages: BTreeSet<(String, u64)>,
        documents: BTreeSet<String>,
        hits: usize,
    }
    let mut recount: BTreeMap<String, Recount> = BTreeMap::new();
    let jsonl = fs::read_to_string(out.path().join("excerpts.jsonl")).unwrap();
    for line in jsonl.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let entry = recount
            .entry(r["code"].as_str().unwrap().to_string())
            .or_default();
        let doc = r["doc"].as_str().unwrap().to_string();
        entry
            .passages
            .insert((doc.clone(), r["passage"].as_u64().unwrap()));
        entry.documents.insert(doc);
        entry.hits += r["hits"].as_array().unwrap().len();
    }
    let mut total_share_rows = 0;
    for row in freq.records() {
        let row = row.unwrap();
        let (passages, docs, hits) = recount
            .get(&row[0])
            .map_or((0, 0, 0), |e| (e.passages.len(), e.documents.len(), e.hits));
        assert_eq!(
            row[2].parse::<usize>().unwrap(),
            passages,
            "passages of {}",
            &row[0]
        );
        assert_eq!(
            row[3].parse::<usize>().unwrap(),
            docs,
            "documents of {}",
            &row[0]
        );
        assert_eq!(
            row[4].parse::<usize>().unwrap(),
            hits,
            "hits of {}",
            &row[0]
        );
        total_share_rows += 1;
    }
    assert!(total_share_rows >= 15);

    // excerpts.csv holds the same segments as excerpts.jsonl.
    let excerpts = csv::Reader::from_path(out.path().join("excerpts.csv"))
        .unwrap()
        .into_records()
        .count();
    assert_eq!(excerpts, jsonl.lines().count());

    // cooccurrence.csv: the pair counts recounted from the records.
    let mut by_passage: BTreeMap<(String, u64), BTreeSet<String>> = BTreeMap::new();
    for line in jsonl.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        by_passage
            .entry((
                r["doc"].as_str().unwrap().into(),
                r["passage"].as_u64().unwrap(),
            ))
            .or_default()
            .insert(r["code"].as_str().unwrap().into());
    }
    let mut co = csv::Reader::from_path(out.path().join("cooccurrence.csv")).unwrap();
    assert_eq!(
        co.headers().unwrap().iter().take(4).collect::<Vec<_>>(),
        ["code_a", "code_b", "passages", "jaccard"]
    );
    let mut checked = 0;
    for row in co.records() {
        let row = row.unwrap();
        let both = by_passage
            .values()
            .filter(|s| s.contains(&row[0]) && s.contains(&row[1]))
            .count();
        let either = by_passage
            .values()
            .filter(|s| s.contains(&row[0]) || s.contains(&row[1]))
            .count();
        assert_eq!(
            row[2].parse::<usize>().unwrap(),
            both,
            "{} × {}",
            &row[0],
            &row[1]
        );
        let jaccard: f64 = row[3].parse().unwrap();
        assert!((jaccard - both as f64 / either as f64).abs() < 1e-6);
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn code_streams_records_in_the_contract() {
    let o = thematic(&["code", "corpus", "--format", "jsonl"], &root());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // The papers and the official texts, by id (the file stem: the manifest gives the official
    // texts the ids without their folder).
    let docs: BTreeMap<String, String> = shipped_texts()
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    assert_eq!(docs.len(), 32);
    let mut n = 0;
    for line in text.lines() {
        let r: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = r
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "lang" && *k != "role")
            .collect();
        // serde_json's Map sorts keys; the order on the wire is checked below. The contract's
        // fields are all there; "lang" and "role" are the extensions of automatic records, and
        // auto-coding reads body text.
        assert_eq!(r["role"], "body", "{line}");
        assert_eq!(
            keys,
            [
                "code", "doc", "end", "hits", "origin", "passage", "start", "text"
            ]
        );
        assert!(
            r.get("lang")
                .is_none_or(|l| ["en", "ru", "kk", "uk"].contains(&l.as_str().unwrap()))
        );
        // serde_json's Map sorts keys; the order on the wire is checked below.
        assert_eq!(
            keys,
            [
                "code", "doc", "end", "hits", "origin", "passage", "start", "text"
            ]
        );
        assert!(
            line.starts_with("{\"doc\":") && line.contains(",\"passage\":") && line.ends_with('}')
        );
        assert_eq!(r["origin"], "auto");
        let chars: Vec<char> = docs[r["doc"].as_str().unwrap()].chars().collect();
        let (s, e) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[s..e].iter().collect::<String>(),
            r["text"].as_str().unwrap()
        );
        for h in r["hits"].as_array().unwrap() {
            let keys: Vec<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ["end", "pattern", "start"]);
        }
        n += 1;
    }
    assert!(n > 100, "{n} records");

    let csv_out = thematic(&["code", "corpus", "--format", "csv"], &root());
    assert!(csv_out.status.success());
    let rows = csv::Reader::from_reader(csv_out.stdout.as_slice())
        .into_records()
        .count();
    assert_eq!(rows, n);
}

#[test]
fn a_bad_document_is_reported_and_the_others_are_coded() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("docs");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("good.txt"), "Kazakhstan faces brain drain.\n").unwrap();
    // UTF-8 with one stray byte is a damaged file, not a legacy encoding to guess.
    let mut bad = "Строка один\nутечка ".as_bytes().to_vec();
    bad.extend(b"\xff \xd0\xbc\xd0\xbe\xd0\xb7\xd0\xb3\xd0\xbe\xd0\xb2\n");
    fs::write(corpus.join("bad.txt"), bad).unwrap();
    fs::write(corpus.join("scan.pdf"), b"%PDF-1.4").unwrap();
    fs::write(corpus.join("notes.xyz"), b"not a document").unwrap();
    let out = dir.path().join("out");
    let o = thematic(
        &[
            "analyze",
            corpus.to_str().unwrap(),
            "--codebook",
            root().join("codebooks/migration.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("2 document(s) skipped"), "{err}");
    assert!(
        err.contains(
            "bad.txt: not valid UTF-8: invalid byte sequence at byte offset 35 (line 2, column 8)"
        ),
        "{err}"
    );
    assert!(err.contains("scan.pdf: damaged or incomplete PDF"), "{err}");
    assert!(
        err.contains("1 file(s) of unsupported types left out (.xyz)"),
        "{err}"
    );
    let jsonl = fs::read_to_string(out.join("excerpts.jsonl")).unwrap();
    assert!(jsonl.contains("\"doc\":\"good\"") && !jsonl.contains("\"doc\":\"bad\""));
}

#[test]
fn a_malformed_codebook_stops_the_run_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let codebook = dir.path().join("broken.toml");
    fs::write(
        &codebook,
        "[codebook]\nname = \"broken\"\n\n[[code]]\nid = \"brain_drain\"\npatterns = [\"brain drain\", { regex = 'leav(e|ing the country' }]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = thematic(
        &[
            "analyze",
            root().join("corpus").to_str().unwrap(),
            "--codebook",
            codebook.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("invalid regex in code `brain_drain`"), "{err}");
    assert!(err.contains("broken.toml:6:28"), "{err}");
    assert!(err.contains("unclosed group"), "{err}");
    assert!(!out.exists(), "no output is written");

    fs::write(
        &codebook,
        "[codebook]\nname = \"x\"\n[[code]]\nid = \"a\"\npaterns = [\"x\"]\n",
    )
    .unwrap();
    let o = thematic(
        &["codebook", "check", codebook.to_str().unwrap()],
        dir.path(),
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("unknown field `paterns`") && err.contains("broken.toml:5:1"),
        "{err}"
    );
}

#[test]
fn plain_dictionaries_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("dict.json");
    fs::write(&json, r#"{"brain_drain": ["brain drain", "утечк* мозг*"], "return": {"diaspora": ["diaspora*"]}}"#).unwrap();
    let yaml = dir.path().join("dict.yml");
    fs::write(
        &yaml,
        "brain_drain:\n  - brain drain\n  - утечк* мозг*\nreturn:\n  diaspora:\n    - diaspora*\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for dict in [&json, &yaml] {
        let o = thematic(
            &[
                "code",
                "corpus",
                "--codebook",
                dict.to_str().unwrap(),
                "--format",
                "counts",
            ],
            &root(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["codes"]["brain_drain"]["passages"].as_u64().unwrap() > 10);
        assert!(v["codes"]["return/diaspora"]["hits"].as_u64().unwrap() > 0);
        outputs.push(v);
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn codebook_check_runs_the_examples() {
    let o = thematic(&["codebook", "check", "codebooks/migration.toml"], &root());
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("examples and counterexamples pass"));

    let dir = tempfile::tempdir().unwrap();
    let cb = dir.path().join("cb.toml");
    fs::write(&cb, "[codebook]\nname = \"x\"\n[[code]]\nid = \"bd\"\npatterns = [\"brain drain\"]\nexamples = [\"Talent leaves.\"]\n").unwrap();
    let o = thematic(&["codebook", "check", cb.to_str().unwrap()], dir.path());
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("bd — example not coded: \"Talent leaves.\""),
        "{}",
        stdout(&o)
    );
}

#[test]
fn help_is_available_for_every_command() {
    for args in [
        &["--help"][..],
        &["analyze", "--help"],
        &["code", "--help"],
        &["codebook", "check", "--help"],
    ] {
        let o = thematic(args, &root());
        assert!(
            o.status.success() && stdout(&o).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn stdin_streaming_and_merged_shards_equal_the_folder_run() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut lines = Vec::new();
    // In the folder run's order: the papers, then official/.
    let names = shipped_texts();
    for p in &names {
        let id = p.file_stem().unwrap().to_str().unwrap();
        let text = fs::read_to_string(p).unwrap();
        lines.push(serde_json::json!({"id": id, "text": text}).to_string());
    }
    let pipe = |input: &str, args: &[&str]| -> std::process::Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_thematic"))
            .args(args)
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // Records: the same bytes from standard input as from the folder, a bad line skipped.
    let mut input = lines.join("\n");
    input.push_str("\n{\"id\": \"broken\", \"text\": \n");
    let streamed = pipe(&input, &["code", "--stdin"]);
    assert!(streamed.status.success(), "{}", stderr(&streamed));
    assert!(
        stderr(&streamed).contains(&format!("document on line {}", names.len() + 1)),
        "{}",
        stderr(&streamed)
    );
    let folder = thematic(&["code"], &root());
    assert_eq!(streamed.stdout, folder.stdout);

    // Summaries of two shards merge into the tables of one run.
    let dir = tempfile::tempdir().unwrap();
    let mut parts = Vec::new();
    for (i, shard) in [&lines[..2], &lines[2..]].iter().enumerate() {
        let o = pipe(
            &shard.join("\n"),
            &["code", "--stdin", "--format", "summary"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let path = dir.path().join(format!("part{i}.json"));
        fs::write(&path, &o.stdout).unwrap();
        parts.push(path.display().to_string());
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(parts);
    args.extend(["--out".into(), merged.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = thematic(&refs, &root());
    assert!(o.status.success(), "{}", stderr(&o));
    let full = dir.path().join("full");
    let o = thematic(&["analyze", "--out", full.to_str().unwrap()], &root());
    assert!(o.status.success());
    let columns = |path: &std::path::Path, n: usize| -> Vec<Vec<String>> {
        csv::Reader::from_path(path)
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().take(n).map(str::to_string).collect())
            .collect()
    };
    assert_eq!(
        columns(&merged.join("frequencies.csv"), 6),
        columns(&full.join("frequencies.csv"), 6)
    );
    assert_eq!(
        columns(&merged.join("cooccurrence.csv"), 11),
        columns(&full.join("cooccurrence.csv"), 11)
    );
}

#[test]
fn dictionaries_convert_to_codebooks_that_code_the_same() {
    let dir = tempfile::tempdir().unwrap();
    // A quanteda dictionary as `quanteda::dictionary()` writes it to YAML: nested keys, globs.
    let yaml = dir.path().join("migration.yml");
    fs::write(
        &yaml,
        "brain drain:\n  outflow:\n  - brain drain\n  - emigra*\n  - утечк* мозг*\n  scale:\n  - outflow of *\nreturn:\n- return*\n- diaspor*\n",
    )
    .unwrap();
    let dic = dir.path().join("liwc.dic");
    fs::write(
        &dic,
        "%\n1\tbrain_drain\n2\treturn\n%\nemigra*\t1\nbrain drain\t1\nreturn*\t2\ndiaspor*\t2\n",
    )
    .unwrap();
    for input in [&yaml, &dic] {
        let toml = input.with_extension("toml");
        let o = thematic(
            &[
                "codebook",
                "convert",
                input.to_str().unwrap(),
                "-o",
                toml.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let check = thematic(&["codebook", "check", toml.to_str().unwrap()], dir.path());
        assert!(check.status.success(), "{}", stderr(&check));
        let counts = |codebook: &std::path::Path| {
            let o = thematic(
                &[
                    "code",
                    "corpus",
                    "--codebook",
                    codebook.to_str().unwrap(),
                    "--format",
                    "counts",
                ],
                &root(),
            );
            assert!(o.status.success(), "{}", stderr(&o));
            o.stdout
        };
        let converted = counts(&toml);
        assert_eq!(
            converted,
            counts(input),
            "{}",
            String::from_utf8_lossy(&converted)
        );
        assert!(String::from_utf8_lossy(&converted).contains("\"hits\": "));
    }
    let toml = fs::read_to_string(yaml.with_extension("toml")).unwrap();
    assert!(
        toml.contains("id = \"brain drain/outflow\"") && toml.contains("\"утечк* мозг*\""),
        "{toml}"
    );
}

#[test]
fn refi_export_then_import_gives_back_the_coding() {
    let dir = tempfile::tempdir().unwrap();
    let (qdc, qdpx) = (dir.path().join("m.qdc"), dir.path().join("m.qdpx"));
    let out = dir.path().join("out");
    let o = thematic(
        &[
            "analyze",
            "corpus",
            "--out",
            out.to_str().unwrap(),
            "--qdc",
            qdc.to_str().unwrap(),
            "--qdpx",
            qdpx.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The codebook converts back to TOML with every code.
    let converted = thematic(&["codebook", "convert", qdc.to_str().unwrap()], &root());
    assert!(converted.status.success(), "{}", stderr(&converted));
    assert_eq!(stdout(&converted).matches("[[code]]").count(), 22);
    // The project imports into a corpus folder, a codebook and manual codings that agree
    // perfectly with coding the imported corpus afresh.
    let imported = dir.path().join("imported");
    let o = thematic(
        &[
            "import",
            qdpx.to_str().unwrap(),
            "-o",
            imported.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("32 documents") && stderr(&o).contains("22 codes"),
        "{}",
        stderr(&o)
    );
    let auto = dir.path().join("auto.jsonl");
    let o = thematic(
        &["code", imported.join("corpus").to_str().unwrap()],
        &root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(&auto, &o.stdout).unwrap();
    let manual = imported.join("codings.jsonl");
    assert_eq!(
        fs::read_to_string(&manual).unwrap().lines().count(),
        String::from_utf8_lossy(&o.stdout).lines().count()
    );
    let agree = thematic(
        &[
            "agree",
            manual.to_str().unwrap(),
            auto.to_str().unwrap(),
            "--corpus",
            imported.join("corpus").to_str().unwrap(),
            "--format",
            "csv",
        ],
        &root(),
    );
    assert!(agree.status.success(), "{}", stderr(&agree));
    let table = stdout(&agree);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.len() >= 22, "{table}");
    for row in rows {
        assert_eq!(row[4], "1.000000", "percent agreement: {table}");
        assert!(row[5] == "1.000000" || row[5].is_empty(), "kappa: {table}");
    }
}
