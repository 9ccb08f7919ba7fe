//! `thematic retrieve`: passages by a combination of codes.

use std::io::Write;
use std::process::ExitCode;

use thematic::Coder;
use thematic::analysis::retrieve::Query;
use thematic::analysis::{Incidence, OriginFilter};
use thematic::text::CharIndex;

use super::{RetrieveArgs, RetrieveFormat};

pub fn run(args: RetrieveArgs) -> anyhow::Result<ExitCode> {
    // Parse first: a malformed query needs no corpus to be reported.
    let query = Query::parse(&args.query)?;
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let corpus = super::open_corpus(&args.input.corpus)?;
    let mut coding = args
        .model
        .apply(
            Coder::new(&codebook)?
                .unit(args.input.unit.into())
                .roles(args.input.roles),
            &codebook,
        )?
        .code_corpus(&corpus);
    for path in &args.counting.codings {
        coding.add_records(super::read_coding_file(path)?, &corpus, Some(path))?;
    }
    let incidence = Incidence::new(&coding, &codebook, args.counting.roll_up, OriginFilter::Any);
    let found = query.evaluate(&incidence)?;

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut csv = matches!(args.format, RetrieveFormat::Csv).then(|| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["doc", "title", "passage", "start", "end", "codes", "text"])
            .expect("writing to memory");
        w
    });
    let total = found.count();
    let mut index: Option<(usize, CharIndex)> = None;
    for (shown, global) in found.iter().enumerate() {
        if args.limit.is_some_and(|l| shown >= l) {
            break;
        }
        let (d, passage) = incidence.locate(global);
        let doc = &corpus.documents()[d];
        let p = doc.passages(coding.unit)[passage];
        let text = p.text(&doc.text);
        let codes: Vec<&str> = (0..incidence.codes.len())
            .filter(|&c| incidence.sets[c].contains(global))
            .map(|c| &*incidence.codes[c])
            .collect();
        if index.as_ref().is_none_or(|(i, _)| *i != d) {
            index = Some((d, CharIndex::new(&doc.text)));
        }
        match args.format {
            RetrieveFormat::Table => {
                let short: String = text
                    .chars()
                    .take(400)
                    .collect::<String>()
                    .replace('\n', " ");
                let more = if text.chars().count() > 400 {
                    "…"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{} ¶{} [{}]\n  {}{more}\n",
                    doc.id,
                    passage,
                    codes.join(", "),
                    short
                )?;
            }
            RetrieveFormat::Jsonl => {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({
                        "doc": &*doc.id, "passage": passage, "start": p.start, "end": p.end,
                        "codes": codes, "text": text,
                    }),
                )?;
                out.write_all(b"\n")?;
            }
            RetrieveFormat::Csv => {
                if let Some(w) = csv.as_mut() {
                    w.write_record([
                        &*doc.id,
                        &doc.metadata.title,
                        &passage.to_string(),
                        &p.start.to_string(),
                        &p.end.to_string(),
                        &codes.join(" | "),
                        text,
                    ])?;
                }
            }
        }
    }
    if let Some(w) = csv {
        out.write_all(&w.into_inner()?)?;
    }
    out.flush()?;
    if matches!(args.format, RetrieveFormat::Table) {
        eprintln!(
            "{total} of {} {}s match {}",
            incidence.passages(),
            coding.unit,
            args.query
        );
    }
    Ok(ExitCode::SUCCESS)
}
