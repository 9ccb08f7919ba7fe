//! `thematic agree`: agreement between codings.

use std::io::Write;
use std::process::ExitCode;

use thematic::Coding;
use thematic::analysis::agreement::{Coverage, passage_agreement, segment_agreement};
use thematic::coding::Origin;

use super::output::{aligns, table};
use super::{AgreeArgs, CoverageArg, TableFormat};

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn csv_value(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:.6}"))
}

pub fn run(args: AgreeArgs) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.codebook.as_deref())?;
    let corpus = super::open_corpus(&args.corpus)?;
    let unit = args.unit.into();
    let mut codings = Vec::new();
    let mut coders = Vec::new();
    for path in &args.codings {
        let records = super::read_coding_file(path)?;
        // A file coded by one person is named after them; otherwise after the file.
        let mut names: Vec<&str> = records
            .iter()
            .map(|r| match &r.segment.origin {
                Origin::Manual { coder } => coder.as_str(),
                other => other.as_str(),
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        let name = match names.as_slice() {
            [one] => one.to_string(),
            _ => path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            ),
        };
        let mut coding = Coding::empty(&corpus, unit);
        coding.add_records(records, &corpus, Some(path))?;
        codings.push(coding);
        coders.push(if coders.contains(&name) {
            path.display().to_string()
        } else {
            name
        });
    }
    let coverage = match args.coverage {
        CoverageArg::All => Coverage::All,
        CoverageArg::CodedDocuments => Coverage::CodedDocuments,
    };
    let refs: Vec<&Coding> = codings.iter().collect();
    let report = passage_agreement(&refs, &coders, &codebook, args.roll_up, coverage);
    let segments = (codings.len() == 2)
        .then(|| segment_agreement(&codings[0], &codings[1], args.overlap / 100.0));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({"passage_level": report, "segment_level": segments, "min_overlap": args.overlap / 100.0}),
            )?;
            writeln!(out)?;
        }
        TableFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let mut header = vec!["code".to_string(), "units".to_string()];
            header.extend(coders.iter().map(|c| format!("coded_by_{c}")));
            header.extend(["percent", "kappa", "alpha"].map(String::from));
            w.write_record(&header)?;
            for a in report.codes.iter().chain(std::iter::once(&report.overall)) {
                let mut row = vec![a.code.to_string(), a.units.to_string()];
                row.extend(a.coded.iter().map(usize::to_string));
                row.extend([csv_value(a.percent), csv_value(a.kappa), csv_value(a.alpha)]);
                w.write_record(&row)?;
            }
            w.flush()?;
        }
        TableFormat::Table => {
            writeln!(
                out,
                "Agreement of {} at the {unit} level ({} {unit}s rated by two or more coders):\n",
                coders.join(", "),
                report.overall.units / report.codes.len().max(1)
            )?;
            let mut headers = vec!["code".to_string()];
            headers.extend(coders.iter().map(|c| format!("{c} coded")));
            headers.extend(["agreement", "kappa", "alpha"].map(String::from));
            let rows: Vec<Vec<String>> = report
                .codes
                .iter()
                .chain(std::iter::once(&report.overall))
                .map(|a| {
                    let mut row = vec![a.code.to_string()];
                    row.extend(a.coded.iter().map(usize::to_string));
                    row.extend([
                        a.percent
                            .map_or("–".into(), |p| format!("{:.1}%", 100.0 * p)),
                        fmt(a.kappa),
                        fmt(a.alpha),
                    ]);
                    row
                })
                .collect();
            let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let align = aligns(&format!("l{}", "r".repeat(headers.len() - 1)));
            write!(out, "{}", table(&header_refs, &align, &rows))?;
            if let Some(segments) = &segments {
                writeln!(
                    out,
                    "\nSegment level (segments agree when they overlap by at least {}% of their union):\n",
                    args.overlap
                )?;
                let rows: Vec<Vec<String>> = segments
                    .iter()
                    .map(|s| {
                        vec![
                            s.code.to_string(),
                            format!("{}/{}", s.agreeing[0], s.segments[0]),
                            format!("{}/{}", s.agreeing[1], s.segments[1]),
                            s.percent
                                .map_or("–".into(), |p| format!("{:.1}%", 100.0 * p)),
                        ]
                    })
                    .collect();
                let h0 = format!("{} agreeing", coders[0]);
                let h1 = format!("{} agreeing", coders[1]);
                write!(
                    out,
                    "{}",
                    table(&["code", &h0, &h1, "agreement"], &aligns("lrrr"), &rows)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
