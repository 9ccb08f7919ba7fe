//! `thematic export` and `thematic import`: REFI-QDA codebooks and projects, to and from the QDA
//! packages (NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use thematic::{Analysis, Codebook, refi};

use super::output::Progress;
use super::{ExportArgs, ImportArgs};

/// Writes the REFI-QDA files asked for: the codebook (`.qdc`) and the coded project (`.qdpx`).
pub fn write_refi(
    analysis: &Analysis,
    qdc: Option<&Path>,
    qdpx: Option<&Path>,
) -> thematic::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if let Some(path) = qdc {
        thematic::export::write_atomic(path, |w| refi::write_codebook(&analysis.codebook, w))?;
        written.push(path.to_path_buf());
    }
    if let Some(path) = qdpx {
        refi::write_project(path, &analysis.corpus, &analysis.codebook, &analysis.coding)?;
        written.push(path.to_path_buf());
    }
    Ok(written)
}

pub fn export(args: ExportArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    if args.qdc.is_none() && args.qdpx.is_none() {
        bail!("nothing to export: give --qdc FILE, --qdpx FILE or both");
    }
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    progress.update(|| format!("reading {}…", args.input.corpus.display()));
    let corpus = super::open_corpus(&args.input.corpus)?;
    let model = args.model.load(&codebook)?;
    let mut builder = Analysis::builder(corpus, codebook)
        .model(model)
        .unit(args.input.unit.into())
        .roles(args.input.roles);
    for path in &args.codings {
        builder = builder.codings(super::read_coding_file(path)?, Some(path.clone()));
    }
    let analysis = builder.run()?;
    progress.clear();
    let written = write_refi(&analysis, args.qdc.as_deref(), args.qdpx.as_deref())?;
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    progress.note(format_args!(
        "wrote {} ({} documents, {} codes, {} coded segments)",
        names.join(" and "),
        analysis.corpus.documents().len(),
        analysis.codebook.codes().len(),
        analysis.coding.segments.len()
    ));
    progress.report_skipped(analysis.corpus.skipped(), analysis.corpus.ignored());
    Ok(ExitCode::SUCCESS)
}

pub fn import(args: ImportArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let extension = args
        .file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("qdc") => import_codebook(&args.file, args.out.as_deref(), progress),
        Some("qdpx" | "qde") => {
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from(args.file.file_stem().unwrap_or_default()));
            import_project(&args.file, &out, progress)
        }
        _ => bail!(
            "{}: expected a REFI-QDA codebook (.qdc) or project (.qdpx, or MAXQDA's bare .qde)",
            args.file.display()
        ),
    }
}

/// A `.qdc` as a TOML codebook, on standard output or in `out/codebook.toml`.
fn import_codebook(
    file: &Path,
    out: Option<&Path>,
    progress: &Progress,
) -> anyhow::Result<ExitCode> {
    let codebook = refi::read_codebook(file)?;
    let text = codebook_toml(&codebook, file);
    match out {
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let path = dir.join("codebook.toml");
            thematic::export::write_atomic(&path, |w| w.write_all(text.as_bytes()))?;
            progress.note(format_args!(
                "wrote {} ({} codes; add patterns to code with it)",
                path.display(),
                codebook.codes().len()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A project as a folder thematic reads: `corpus/` (one text file per source and a
/// `corpus.toml` with ids and metadata), `codebook.toml`, and `codings.jsonl` (every coding, as
/// manual records by its coder).
fn import_project(file: &Path, out: &Path, progress: &Progress) -> anyhow::Result<ExitCode> {
    let project = refi::read_project(file)?;
    let corpus_dir = out.join("corpus");
    std::fs::create_dir_all(&corpus_dir)
        .with_context(|| format!("creating {}", corpus_dir.display()))?;
    let mut manifest = format!(
        "# Imported by `thematic import` from {}{}.\n\n[corpus]\nname = {}\n",
        file.display(),
        project
            .origin
            .as_deref()
            .map_or_else(String::new, |o| format!(", written by {o}")),
        quoted(&project.name)
    );
    let mut used = std::collections::HashSet::new();
    for doc in &project.documents {
        let mut stem = thematic::export::file_safe(&doc.id);
        while !used.insert(stem.to_lowercase()) {
            stem.push('_');
        }
        let file_name = format!("{stem}.txt");
        let path = corpus_dir.join(&file_name);
        thematic::export::write_atomic(&path, |w| w.write_all(doc.text.as_bytes()))?;
        manifest.push_str(&manifest_entry(&file_name, doc));
    }
    for group in &project.groups {
        manifest.push_str(&manifest_group(group));
    }
    thematic::export::write_atomic(&corpus_dir.join("corpus.toml"), |w| {
        w.write_all(manifest.as_bytes())
    })?;
    let codebook_path = out.join("codebook.toml");
    let codebook_text = codebook_toml(&project.codebook, file);
    thematic::export::write_atomic(&codebook_path, |w| w.write_all(codebook_text.as_bytes()))?;
    let codings_path = out.join("codings.jsonl");
    thematic::export::write_atomic(&codings_path, |w| {
        let mut by_document: std::collections::HashMap<&str, Vec<thematic::CodedSegment>> =
            std::collections::HashMap::new();
        for segment in &project.segments {
            by_document
                .entry(&segment.doc)
                .or_default()
                .push(segment.clone());
        }
        let mut records = thematic::coding::RecordWriter::new(w);
        for doc in &project.documents {
            if let Some(segments) = by_document.get(&*doc.id) {
                records.write_document(doc, segments)?;
            }
        }
        records.into_inner().map(|_| ())
    })?;
    for warning in &project.warnings {
        eprintln!("warning: {warning}");
    }
    let coders: std::collections::BTreeSet<String> = project
        .segments
        .iter()
        .filter_map(|s| match &s.origin {
            thematic::Origin::Manual { coder } => Some(coder.to_string()),
            _ => None,
        })
        .collect();
    progress.note(format_args!(
        "imported {}: {} documents into {}, {} codes into {}, {} codings by {} into {}",
        file.display(),
        project.documents.len(),
        corpus_dir.display(),
        project.codebook.codes().len(),
        codebook_path.display(),
        project.segments.len(),
        if coders.is_empty() {
            "nobody".to_string()
        } else {
            coders.into_iter().collect::<Vec<_>>().join(", ")
        },
        codings_path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn codebook_toml(codebook: &Codebook, source: &Path) -> String {
    format!(
        "# Imported by `thematic import` from {}: codes and definitions, no patterns yet.\n# Add patterns and check it with `thematic codebook check`.\n\n{}",
        source.display(),
        codebook.to_toml()
    )
}

/// One `[[document]]` of the imported corpus's manifest.
fn manifest_entry(file: &str, doc: &thematic::Document) -> String {
    let m = &doc.metadata;
    let mut entry = format!(
        "\n[[document]]\nfile = {}\nid = {}\n",
        quoted(file),
        quoted(&doc.id)
    );
    let mut line = |key: &str, value: String| entry.push_str(&format!("{key} = {value}\n"));
    if doc.text.is_empty() {
        // The project held no text for it (a bare MAXQDA .qde): keep the document, empty.
        line("no_text", "true".to_string());
    }
    if !m.title.is_empty() {
        line("title", quoted(&m.title));
    }
    let list = |items: &[String]| {
        format!(
            "[{}]",
            items
                .iter()
                .map(|i| quoted(i))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if !m.authors.is_empty() {
        line("authors", list(&m.authors));
    }
    if let Some(year) = m.year {
        line("year", year.to_string());
    }
    if !m.languages.is_empty() {
        line("languages", list(&m.languages));
    }
    for (key, value) in [
        ("kind", &m.kind),
        ("source", &m.source),
        ("doi", &m.doi),
        ("url", &m.url),
        ("licence", &m.licence),
    ] {
        if let Some(value) = value {
            line(key, quoted(value));
        }
    }
    if !m.fields.is_empty() {
        let fields: Vec<String> = m
            .fields
            .iter()
            .map(|(k, v)| format!("{} = {}", quoted(k), quoted(v)))
            .collect();
        line("fields", format!("{{ {} }}", fields.join(", ")));
    }
    entry
}

/// One `[[group]]` of the imported corpus's manifest: a set of documents of the project.
fn manifest_group(group: &thematic::corpus::DocumentGroup) -> String {
    let mut entry = format!("\n[[group]]\nname = {}\n", quoted(&group.name));
    if let Some(description) = &group.description {
        entry.push_str(&format!("description = {}\n", quoted(description)));
    }
    let documents: Vec<String> = group.documents.iter().map(|d| quoted(d)).collect();
    entry.push_str(&format!("documents = [{}]\n", documents.join(", ")));
    entry
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
