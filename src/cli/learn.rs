//! `thematic learn`: a model from manual codings.

use std::io::Write;
use std::process::ExitCode;

use thematic::learn::{Figures, Learner};
use thematic::{Coder, Coding};

use super::output::{Progress, aligns, table};
use super::{LearnArgs, ReviewArgs, TableFormat};

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

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
    let learner = Learner::new();
    #[cfg(feature = "embeddings")]
    let learner = if args.embeddings {
        let e5 = thematic::embed::Embedder::open()?;
        learner.meaning(std::sync::Arc::new(e5), args.embeddings_weight)
    } else {
        learner
    };
    let model = learner
        .folds(args.folds)
        .c(args.c)
        .min_df(args.min_df)
        .balanced(!args.unweighted)
        .context(args.context)
        .decisions(match &args.decisions {
            Some(path) => thematic::learn::Decisions::read(path)?,
            None => thematic::learn::Decisions::default(),
        })
        .codings(
            args.codings
                .iter()
                .map(|p| {
                    p.file_name()
                        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
                })
                .collect(),
        )
        .learn(&codebook, &coder, &corpus, &manual)?;
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

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &model.cross_validation)?;
            writeln!(out)?;
        }
        TableFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "code",
                "positives",
                "threshold",
                "coder",
                "precision",
                "recall",
                "f1",
                "kappa",
            ])?;
            for v in &model.cross_validation {
                for (who, f) in [("model", &v.model), ("codebook", &v.codebook)] {
                    let x = |o: Option<f64>| o.map_or_else(String::new, |v| format!("{v:.6}"));
                    w.write_record([
                        v.code.clone(),
                        v.positives.to_string(),
                        format!("{}", v.threshold),
                        who.to_string(),
                        x(f.precision),
                        x(f.recall),
                        x(f.f1),
                        x(f.kappa),
                    ])?;
                }
            }
            w.flush()?;
        }
        TableFormat::Table => {
            let row =
                |name: String, positives: String, threshold: String, m: &Figures, c: &Figures| {
                    vec![
                        name,
                        positives,
                        threshold,
                        fmt(m.precision),
                        fmt(m.recall),
                        fmt(m.f1),
                        fmt(m.kappa),
                        fmt(c.precision),
                        fmt(c.recall),
                        fmt(c.kappa),
                    ]
                };
            let mut rows: Vec<Vec<String>> = model
                .cross_validation
                .iter()
                .map(|v| {
                    row(
                        v.code.clone(),
                        v.positives.to_string(),
                        format!("{:.2}", v.threshold),
                        &v.model,
                        &v.codebook,
                    )
                })
                .collect();
            let cv = &model.cross_validation;
            rows.push(vec![
                "(macro average)".to_string(),
                String::new(),
                String::new(),
                fmt(mean(cv.iter().map(|v| v.model.precision))),
                fmt(mean(cv.iter().map(|v| v.model.recall))),
                fmt(mean(cv.iter().map(|v| v.model.f1))),
                fmt(mean(cv.iter().map(|v| v.model.kappa))),
                fmt(mean(cv.iter().map(|v| v.codebook.precision))),
                fmt(mean(cv.iter().map(|v| v.codebook.recall))),
                fmt(mean(cv.iter().map(|v| v.codebook.kappa))),
            ]);
            writeln!(
                out,
                "{}-fold cross-validation by document ({} passages): the model against the codebook alone on the same passages\n",
                args.folds.max(2),
                model.training.passages
            )?;
            write!(
                out,
                "{}",
                table(
                    &[
                        "code",
                        "coded",
                        "threshold",
                        "precision",
                        "recall",
                        "F1",
                        "kappa",
                        "codebook P",
                        "codebook R",
                        "codebook κ",
                    ],
                    &aligns("lrrrrrrrrr"),
                    &rows,
                )
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
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
