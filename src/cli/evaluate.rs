//! `thematic evaluate`: the codebook against a gold standard.

use std::process::ExitCode;

use thematic::analysis::evaluate::evaluate;
use thematic::analysis::render::{EvaluationContext, evaluation};
use thematic::{Coder, Coding};

use super::EvaluateArgs;

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let corpus = super::open_corpus(&args.input.corpus)?;
    let unit = args.input.unit.into();
    let auto = args
        .model
        .apply(
            Coder::new(&codebook)?.unit(unit).roles(args.input.roles),
            &codebook,
        )?
        .code_corpus(&corpus);
    let mut gold = Coding::empty(&corpus, unit);
    gold.add_records(
        super::read_coding_file(&args.gold)?,
        &corpus,
        Some(&args.gold),
    )?;
    let e = evaluate(&auto, &gold, &codebook, args.roll_up);
    if e.wants_roll_up {
        eprintln!(
            "note: {} codes top-level themes only; pass --roll-up so that the codebook's sub-codes count for their theme",
            args.gold.display()
        );
    }
    let context = EvaluationContext {
        codebook: &codebook.title(),
        gold: &args.gold,
        corpus: &corpus,
        unit,
        disagreements: args.disagreements,
    };
    super::to_stdout(|out| evaluation(&e, args.format.into(), &context, out))?;
    Ok(ExitCode::SUCCESS)
}
