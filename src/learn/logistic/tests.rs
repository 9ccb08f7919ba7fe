//! Whole fits: agreement with scikit-learn's, reproducibility, and the corner cases (one class,
//! empty rows, no columns, separable data) where the optimum is at infinity or at the start.

use super::*;
use proptest::prelude::*;
use serde::Deserialize;

use super::loss::log1p_exp;
use super::vector::{dot, max_abs, sparse_dot};

/// The committed output of `tests/data/learn/make_logistic_oracle.py`.
#[derive(Deserialize)]
struct Oracle {
    columns: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    positive: Vec<bool>,
    fits: Vec<OracleFit>,
}

/// One scikit-learn fit of the oracle's data.
#[derive(Deserialize)]
struct OracleFit {
    c: f64,
    balanced: bool,
    iterations: usize,
    coef: Vec<f64>,
    intercept: f64,
    probability: Vec<f64>,
}

fn oracle() -> Oracle {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/learn/logistic_oracle.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn oracle_rows(oracle: &Oracle) -> SparseRows {
    let mut x = SparseRows::new(oracle.columns);
    for bounds in oracle.indptr.windows(2) {
        let entries: Vec<(u32, f32)> = (bounds[0]..bounds[1])
            .map(|k| (oracle.indices[k], oracle.values[k] as f32))
            .collect();
        x.push(&entries);
    }
    x
}

fn probabilities(model: &Logistic, x: &SparseRows) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let (indices, values) = x.row(i);
            model.probability(indices, values)
        })
        .collect()
}

/// f(w, b), summed plainly: an independent check of what the solver minimised.
fn objective(x: &SparseRows, positive: &[bool], options: &FitOptions, model: &Logistic) -> f64 {
    let weights = sample_weights(positive, options.balanced);
    let loss: f64 = (0..x.len())
        .map(|i| {
            let (indices, values) = x.row(i);
            let sign = if positive[i] { 1.0 } else { -1.0 };
            weights[i] * log1p_exp(-sign * model.decision(indices, values))
        })
        .sum();
    options.c * loss + 0.5 * dot(&model.weights, &model.weights)
}

/// sᵢ, written out again rather than taken from `Problem`.
fn sample_weights(positive: &[bool], balanced: bool) -> Vec<f64> {
    let n = positive.len() as f64;
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    positive
        .iter()
        .map(|&p| match (balanced, p) {
            (false, _) => 1.0,
            (true, true) => n / (2.0 * positives),
            (true, false) => n / (2.0 * (n - positives)),
        })
        .collect()
}

/// ∇f at the model, from the plain formula: weights then intercept.
fn plain_gradient(
    x: &SparseRows,
    positive: &[bool],
    options: &FitOptions,
    model: &Logistic,
) -> Vec<f64> {
    let weights = sample_weights(positive, options.balanced);
    let mut gradient = model.weights.clone();
    gradient.push(0.0);
    for i in 0..x.len() {
        let (indices, values) = x.row(i);
        let target = if positive[i] { 1.0 } else { 0.0 };
        let residual = options.c * weights[i] * (model.probability(indices, values) - target);
        for (&column, &value) in indices.iter().zip(values) {
            gradient[column as usize] += residual * f64::from(value);
        }
        gradient[x.columns()] += residual;
    }
    gradient
}

fn from_dense(rows: &[&[f32]]) -> SparseRows {
    let columns = rows.first().map_or(0, |r| r.len());
    let mut x = SparseRows::new(columns);
    for row in rows {
        let entries: Vec<(u32, f32)> = (0u32..)
            .zip(row.iter().copied())
            .filter(|&(_, v)| v != 0.0)
            .collect();
        x.push(&entries);
    }
    x
}

fn assert_finite(model: &Logistic) {
    assert!(model.intercept.is_finite(), "{model:?}");
    assert!(model.weights.iter().all(|w| w.is_finite()), "{model:?}");
}

#[test]
fn probabilities_agree_with_scikit_learn() {
    let oracle = oracle();
    let x = oracle_rows(&oracle);
    for fit in &oracle.fits {
        let options = FitOptions {
            c: fit.c,
            balanced: fit.balanced,
            ..FitOptions::default()
        };
        let model = Logistic::fit(&x, &oracle.positive, &options);
        assert!(
            model.converged,
            "{options:?}: {} iterations",
            model.iterations
        );
        let ours = probabilities(&model, &x);
        let worst = ours
            .iter()
            .zip(&fit.probability)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let sklearn = Logistic {
            weights: fit.coef.clone(),
            intercept: fit.intercept,
            iterations: fit.iterations,
            converged: true,
        };
        let our_objective = objective(&x, &oracle.positive, &options, &model);
        let their_objective = objective(&x, &oracle.positive, &options, &sklearn);
        eprintln!(
            "C={} balanced={}: max |p - p_sklearn| = {worst:.2e}, {} iterations \
             (scikit-learn {}), objective {our_objective:.12} vs {their_objective:.12}",
            fit.c, fit.balanced, model.iterations, fit.iterations
        );
        assert!(
            worst <= 1e-4,
            "{options:?}: probabilities differ by {worst}"
        );
        assert!(
            our_objective <= their_objective * (1.0 + 1e-6),
            "{options:?}: objective {our_objective} above scikit-learn's {their_objective}"
        );
    }
}

#[test]
fn fitting_twice_gives_bit_identical_weights() {
    let oracle = oracle();
    let x = oracle_rows(&oracle);
    let options = FitOptions {
        c: 10.0,
        balanced: true,
        ..FitOptions::default()
    };
    let bits = |m: &Logistic| -> Vec<u64> {
        m.weights
            .iter()
            .chain([&m.intercept])
            .map(|w| w.to_bits())
            .collect()
    };
    let first = Logistic::fit(&x, &oracle.positive, &options);
    let second = Logistic::fit(&x, &oracle.positive, &options);
    assert_eq!(bits(&first), bits(&second));
    assert_eq!(first.iterations, second.iterations);
}

#[test]
fn all_negative_rows_give_a_finite_model_with_probabilities_near_zero() {
    let x = from_dense(&[&[1.0, 0.0], &[0.5, 2.0], &[0.0, 0.0]]);
    let model = Logistic::fit(&x, &[false; 3], &FitOptions::default());
    assert_finite(&model);
    assert!(model.converged, "{model:?}");
    assert!(model.intercept < -10.0, "{model:?}");
    assert!(probabilities(&model, &x).iter().all(|&p| p < 1e-6));
}

#[test]
fn all_positive_rows_give_a_finite_model_with_probabilities_near_one() {
    let x = from_dense(&[&[1.0, 0.0], &[0.5, 2.0], &[0.0, 0.0]]);
    let options = FitOptions {
        c: 100.0,
        balanced: true,
        ..FitOptions::default()
    };
    let model = Logistic::fit(&x, &[true; 3], &options);
    assert_finite(&model);
    assert!(model.converged, "{model:?}");
    assert!(probabilities(&model, &x).iter().all(|&p| p > 1.0 - 1e-6));
}

#[test]
fn one_class_stops_at_the_iteration_cap_with_a_finite_model() {
    let x = from_dense(&[&[1.0], &[2.0]]);
    let options = FitOptions {
        max_iterations: 3,
        tolerance: 0.0,
        ..FitOptions::default()
    };
    let model = Logistic::fit(&x, &[true, true], &options);
    assert_eq!((model.iterations, model.converged), (3, false));
    assert_finite(&model);
}

#[test]
fn empty_rows_are_fitted_by_the_intercept_alone() {
    // Only the intercept reaches empty rows, and it is not penalised: it fits the
    // positive rate exactly, and the weights get no gradient but the penalty's.
    let mut x = SparseRows::new(3);
    for _ in 0..4 {
        x.push(&[]);
    }
    let model = Logistic::fit(&x, &[true, false, false, false], &FitOptions::default());
    assert!(model.converged);
    assert_eq!(model.weights, [0.0; 3]);
    assert!(
        (model.probability(&[], &[]) - 0.25).abs() < 1e-9,
        "{model:?}"
    );
}

#[test]
fn empty_rows_among_others_get_the_intercept() {
    let x = from_dense(&[&[1.0, 0.0], &[0.0, 0.0], &[0.0, 1.0], &[0.0, 0.0]]);
    let model = Logistic::fit(&x, &[true, false, false, true], &FitOptions::default());
    assert!(model.converged);
    let (indices, values) = x.row(1);
    assert_eq!(model.decision(indices, values), model.intercept);
}

#[test]
fn zero_columns_fit_the_weighted_positive_rate() {
    let mut x = SparseRows::new(0);
    for _ in 0..4 {
        x.push(&[]);
    }
    let labels = [true, true, true, false];
    let plain = Logistic::fit(&x, &labels, &FitOptions::default());
    assert!(plain.weights.is_empty() && plain.converged);
    assert!((plain.intercept - 3f64.ln()).abs() < 1e-9, "{plain:?}");
    let balanced = FitOptions {
        balanced: true,
        ..FitOptions::default()
    };
    let balanced = Logistic::fit(&x, &labels, &balanced);
    assert!(balanced.intercept.abs() < 1e-9, "{balanced:?}");
}

#[test]
fn a_start_optimal_up_to_rounding_stops_at_once() {
    // Balanced weights make the intercept's gradient at zero 0.1·(3·⅔·½ − 2·½), which is
    // 1.4e-17 in f64, not 0: rounding noise that no step can shrink (found by proptest).
    let mut x = SparseRows::new(0);
    for _ in 0..4 {
        x.push(&[]);
    }
    let options = FitOptions {
        c: 0.1,
        balanced: true,
        ..FitOptions::default()
    };
    let model = Logistic::fit(&x, &[false, true, false, false], &options);
    assert!(model.converged && model.iterations <= 1, "{model:?}");
    assert!(model.intercept.abs() < 1e-9, "{model:?}");
}

#[test]
fn no_rows_leave_the_model_at_zero() {
    let x = SparseRows::new(5);
    assert_eq!(x.len(), 0);
    let model = Logistic::fit(&x, &[], &FitOptions::default());
    assert_eq!(model.weights, [0.0; 5]);
    assert_eq!((model.intercept, model.iterations), (0.0, 0));
    assert!(model.converged);
}

#[test]
fn separable_data_stay_finite() {
    let x = from_dense(&[&[1.0, 0.2], &[0.9, 0.0], &[-1.0, 0.1], &[-0.8, 0.0]]);
    let labels = [true, true, false, false];
    for c in [1.0, 1e3, 1e6] {
        let options = FitOptions {
            c,
            ..FitOptions::default()
        };
        let model = Logistic::fit(&x, &labels, &options);
        assert_finite(&model);
        let p = probabilities(&model, &x);
        assert!(p.iter().all(|p| p.is_finite()), "C={c}: {p:?}");
        assert!(
            p[0] > 0.5 && p[1] > 0.5 && p[2] < 0.5 && p[3] < 0.5,
            "C={c}: {p:?}"
        );
    }
}

/// Regression (found by the property below): one positive row, balanced weights and a small
/// C sent the intercept to 36.8, where the probability rounds to exactly 1. The model must
/// stay finite and converged; a certain probability is right for one class.
#[test]
fn one_positive_row_with_balanced_weights_stays_finite() {
    let mut x = SparseRows::new(3);
    x.push(&[(2, 0.564_654_1)]);
    let options = FitOptions {
        c: 0.1,
        balanced: true,
        ..FitOptions::default()
    };
    let model = Logistic::fit(&x, &[true], &options);
    assert!(model.converged && model.intercept.is_finite(), "{model:?}");
    let (indices, values) = x.row(0);
    let p = model.probability(indices, values);
    assert!(p > 0.5 && p <= 1.0, "{p}");
}

fn dataset() -> impl Strategy<Value = (SparseRows, Vec<bool>)> {
    (0usize..8, 0usize..25).prop_flat_map(|(columns, rows)| {
        let entry = prop_oneof![3 => Just(0.0f32), 2 => -2.0f32..2.0];
        let row = prop::collection::vec(entry, columns);
        (
            prop::collection::vec(row, rows),
            prop::collection::vec(any::<bool>(), rows),
        )
            .prop_map(move |(dense, labels)| {
                let mut x = SparseRows::new(columns);
                for row in &dense {
                    let entries: Vec<(u32, f32)> = (0u32..)
                        .zip(row.iter().copied())
                        .filter(|&(_, v)| v != 0.0)
                        .collect();
                    x.push(&entries);
                }
                (x, labels)
            })
    })
}

proptest! {
    /// The returned point is the optimum: the gradient, recomputed from the plain formula,
    /// vanishes relative to the gradient at the start.
    #[test]
    fn the_fit_is_a_stationary_point(
        (x, labels) in dataset(),
        c in prop::sample::select(vec![0.1, 1.0, 10.0]),
        balanced in any::<bool>(),
    ) {
        let options = FitOptions { c, balanced, ..FitOptions::default() };
        let model = Logistic::fit(&x, &labels, &options);
        prop_assert!(model.converged, "{:?}", model);
        let zero = Logistic {
            weights: vec![0.0; x.columns()],
            intercept: 0.0,
            iterations: 0,
            converged: false,
        };
        let start = max_abs(&plain_gradient(&x, &labels, &options, &zero));
        let end = max_abs(&plain_gradient(&x, &labels, &options, &model));
        // Where the start is already optimal its gradient is rounding noise: allow for it.
        let rounding = 1e-10 * c * sample_weights(&labels, balanced).iter().sum::<f64>();
        prop_assert!(
            end <= 1e-5 * start + rounding,
            "gradient {} from {} {:?}", end, start, model
        );
        // With both classes the optimum is finite and no probability is certain; with one,
        // the intercept runs off until the fit stops, and a probability may round to 0 or 1.
        let both = labels.contains(&true) && labels.contains(&false);
        for p in probabilities(&model, &x) {
            let fits = if both { p > 0.0 && p < 1.0 } else { (0.0..=1.0).contains(&p) };
            prop_assert!(fits, "{} {:?}", p, model);
        }
    }
}

/// A fit at the largest expected size, 20,000 passages × 200,000 features, about 150
/// non-zeros a row. Run with `cargo test --release --lib learn:: -- --ignored --nocapture`.
#[test]
#[ignore = "a timing run, not a check"]
fn time_a_large_fit() {
    let (rows, columns, per_row) = (20_000usize, 200_000u32, 150usize);
    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    let truth: Vec<f64> = (0..columns)
        .map(|_| {
            if random.below(50) == 0 {
                random.unit() * 8.0 - 4.0
            } else {
                0.0
            }
        })
        .collect();
    let mut x = SparseRows::new(columns as usize);
    let mut scores = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut entries: Vec<(u32, f32)> = (0..per_row)
            .map(|_| (random.below(columns), random.unit() as f32 * 0.2))
            .collect();
        entries.sort_by_key(|&(column, _)| column);
        entries.dedup_by_key(|&mut (column, _)| column);
        let (indices, values): (Vec<u32>, Vec<f32>) = entries.iter().copied().unzip();
        scores.push(sparse_dot(&truth, &indices, &values) + random.unit() - 0.5);
        x.push(&entries);
    }
    let mut sorted = scores.clone();
    sorted.sort_by(f64::total_cmp);
    let threshold = sorted[rows * 4 / 5];
    let labels: Vec<bool> = scores.iter().map(|&s| s > threshold).collect();
    for balanced in [false, true] {
        let options = FitOptions {
            balanced,
            ..FitOptions::default()
        };
        let start = std::time::Instant::now();
        let model = Logistic::fit(&x, &labels, &options);
        eprintln!(
            "{rows} x {columns}, {} non-zeros, balanced={balanced}: {:.2} s, {} iterations, \
             converged {}",
            x.indices.len(),
            start.elapsed().as_secs_f64(),
            model.iterations,
            model.converged
        );
    }
}

/// A tiny deterministic generator, so the timing data need no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
