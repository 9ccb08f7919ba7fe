//! `thematic learn`: a model from manual codings.

use std::process::ExitCode;

use thematic::learn::{Learner, write_validation};
use thematic::{Coder, Coding};

use super::output::Progress;
use super::{LearnArgs, ReviewArgs};

pub fn run(args: LearnArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let corpus = super::open_corpus_showing(&args.input.corpus, progress)?;
    let unit = args.input.unit.into();
    let mut manual = Coding::empty(&corpus, unit);
    for path in &args.codings {
        manual.add_records(super::read_coding_file(path)?, &corpus, Some(path))?;
    }
    let coder = Coder::new(&codebook)?.unit(unit).roles(args.input.roles);
    let started = std::time::Instant::now();
    let model = learner(&args)?.learn(&codebook, &coder, &corpus, &manual)?;
    let seconds = started.elapsed().as_secs_f64();
    model.save(&args.output)?;
    progress.note(format_args!(
        "learned from {} passages of {} documents ({} features, {} codes) in {seconds:.1} s; wrote {}",
        model.training.passages,
        model.training.documents,
        model.features.len(),
        model.codes.len(),
        args.output.display()
    ));
    super::to_stdout(|out| write_validation(&model, args.folds, args.format.into(), out))?;
    Ok(ExitCode::SUCCESS)
}

/// The learner the options ask for (opening the encoder, with --embeddings).
fn learner(args: &LearnArgs) -> anyhow::Result<Learner> {
    let learner = Learner::new();
    #[cfg(feature = "embeddings")]
    let learner = if args.embeddings {
        let e5 = thematic::embed::Embedder::open()?;
        learner.meaning(std::sync::Arc::new(e5), args.embeddings_weight)
    } else {
        learner
    };
    Ok(learner
        .folds(args.folds)
        .c(args.c)
        .min_df(args.min_df)
        .balanced(!args.unweighted)
        .context(args.context)
        .decisions(match &args.decisions {
            Some(path) => thematic::learn::Decisions::read(path)?,
            None => thematic::learn::Decisions::default(),
        })
        // The model names the files it learned from, not their paths.
        .codings(
            args.codings
                .iter()
                .map(|p| {
                    p.file_name()
                        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
                })
                .collect(),
        ))
}

pub fn review(args: ReviewArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    use thematic::learn::{Decisions, Model, Verdict, read_decided, suggest, write_suggestions};
    let mut decisions = Decisions::read(&args.decisions)?;
    if let Some(file) = &args.apply {
        let coder = args.coder.as_deref().unwrap_or_default();
        let decided = read_decided(file, coder, &thematic::learn::today())?;
        let (mut accepted, mut rejected) = (0, 0);
        for d in decided {
            match d.decision {
                Verdict::Accept => accepted += 1,
                Verdict::Reject => rejected += 1,
            }
            decisions.add(d, args.replace).map_err(|message| {
                anyhow::anyhow!("{}: {message}; nothing was recorded", file.display())
            })?;
        }
        decisions.write(&args.decisions)?;
        progress.note(format_args!(
            "recorded {accepted} accepted and {rejected} rejected suggestions by {coder} in {} ({} decisions in all)",
            args.decisions.display(),
            decisions.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let model_path = args
        .model
        .as_ref()
        .expect("clap requires --model without --apply");
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let model = Model::load(model_path)?;
    model.check_codebook(&codebook, model_path)?;
    let corpus = super::open_corpus_showing(&args.input.corpus, progress)?;
    let coder = Coder::new(&codebook)?
        .unit(args.input.unit.into())
        .roles(args.input.roles);
    let suggestions = suggest(&model, &coder, &corpus, args.n, &decisions);
    write_suggestions(&args.output, &suggestions)?;
    progress.note(format_args!(
        "wrote {} suggestions to {}: fill the decision column with accept or reject, then run thematic review --apply {} --coder NAME",
        suggestions.len(),
        args.output.display(),
        args.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}
