//! `thematic agree`: agreement between codings.

use std::process::ExitCode;

use thematic::Coding;
use thematic::analysis::agreement::{coder_name, passage_agreement, segment_agreement};
use thematic::analysis::render::{AgreementTables, agreement};

use super::AgreeArgs;

pub fn run(args: AgreeArgs) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.codebook.as_deref())?;
    let corpus = super::open_corpus(&args.corpus)?;
    let unit = args.unit.into();
    let mut codings = Vec::new();
    let mut coders = Vec::new();
    for path in &args.codings {
        let records = super::read_coding_file(path)?;
        let name = coder_name(&records, path);
        let mut coding = Coding::empty(&corpus, unit);
        coding.add_records(records, &corpus, Some(path))?;
        codings.push(coding);
        // Two files by one coder: the second goes by its path, so the columns differ.
        coders.push(if coders.contains(&name) {
            path.display().to_string()
        } else {
            name
        });
    }
    let refs: Vec<&Coding> = codings.iter().collect();
    let report = passage_agreement(
        &refs,
        &coders,
        &codebook,
        args.roll_up,
        args.coverage.into(),
    );
    let segments = (codings.len() == 2)
        .then(|| segment_agreement(&codings[0], &codings[1], args.overlap / 100.0));
    let tables = AgreementTables {
        passages: &report,
        segments: segments.as_deref(),
        overlap_percent: args.overlap,
        unit,
    };
    super::to_stdout(|out| agreement(&tables, args.format.into(), out))?;
    Ok(ExitCode::SUCCESS)
}
