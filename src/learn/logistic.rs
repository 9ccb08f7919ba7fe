//! L2-regularised logistic regression on sparse rows.
//!
//! [`Logistic::fit`] minimises scikit-learn's objective for
//! `LogisticRegression(penalty="l2", C=c, fit_intercept=True)`:
//!
//! ```text
//! f(w, b) = C · Σᵢ sᵢ · log(1 + exp(−yᵢ (w·xᵢ + b)))  +  ½‖w‖²
//! ```
//!
//! with yᵢ = ±1, sample weights sᵢ (1, or `n / (2 · rows of yᵢ's class)` when balanced) and
//! the intercept b not penalised. The objective is convex, so any solver that gets close enough
//! to the optimum agrees with scikit-learn's `lbfgs`; this one is L-BFGS too, written here so
//! that it runs on the sparse rows directly and is bit-for-bit reproducible.
//!
//! # Cost
//!
//! An iteration makes two passes over the non-zeros — `X·p` for the search direction `p` and
//! `Xᵀr` for the gradient at the accepted point — plus O(history × columns) for the L-BFGS
//! direction. The line search itself costs O(rows) per trial: along `θ + αp` every decision
//! value moves linearly, `zᵢ(α) = zᵢ + α·(xᵢ·p)`, and ½‖w + αp‖² is a quadratic in α, so the
//! objective and its slope along the line need no pass over the matrix.
//!
//! # Determinism
//!
//! One thread, no hash maps, every sum taken in row order then column order, and no
//! randomness: the same input gives bit-identical weights.

use std::collections::VecDeque;

/// Rows of a sparse matrix in compressed form (CSR); column indices in each row strictly increasing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparseRows {
    /// Row `i` holds entries `indptr[i]..indptr[i + 1]` of `indices` and `values`; starts at 0.
    indptr: Vec<usize>,
    indices: Vec<u32>,
    /// `f32` halves the memory of the largest array; the solver computes in `f64`.
    values: Vec<f32>,
    columns: usize,
}

impl SparseRows {
    /// An empty matrix (no rows) whose rows will have `columns` columns.
    pub(crate) fn new(columns: usize) -> SparseRows {
        SparseRows {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            columns,
        }
    }

    /// Appends a row; entries sorted by column, columns < self.columns.
    ///
    /// # Panics
    ///
    /// If the columns are not strictly increasing, a column is out of range or a value is not
    /// finite. The caller builds rows from sorted term maps, so a bad row is a bug to report at
    /// once rather than to sort and merge silently; checking is one pass over the row, nothing
    /// beside a fit that reads every entry twice per iteration. The matrix is left unchanged
    /// when it panics.
    pub(crate) fn push(&mut self, entries: &[(u32, f32)]) {
        let mut previous: Option<u32> = None;
        for &(column, value) in entries {
            assert!(
                (column as usize) < self.columns,
                "column {column} out of range: the matrix has {} columns",
                self.columns
            );
            assert!(
                previous.is_none_or(|p| p < column),
                "columns of a row must be strictly increasing: {column} after {previous:?}"
            );
            assert!(value.is_finite(), "value {value} in column {column}");
            previous = Some(column);
        }
        self.indices
            .extend(entries.iter().map(|&(column, _)| column));
        self.values.extend(entries.iter().map(|&(_, value)| value));
        self.indptr.push(self.indices.len());
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns, the length of a fitted model's weights.
    pub(crate) fn columns(&self) -> usize {
        self.columns
    }

    /// Column indices and values of row `i`.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let entries = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[entries.clone()], &self.values[entries])
    }
}

/// What to fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FitOptions {
    /// Inverse strength of the L2 penalty, scikit-learn's `C`: larger fits the training rows
    /// more closely. Must be positive and finite.
    pub c: f64,
    /// Weighs each row by `n / (2 · rows of its class)`, scikit-learn's
    /// `class_weight="balanced"`, so that a rare code weighs as much as its absence.
    pub balanced: bool,
    /// Cap on L-BFGS iterations; a fit that reaches it returns its last point with
    /// `converged == false`.
    pub max_iterations: usize,
    /// Stop when the gradient's largest component is at most this fraction of its largest
    /// component at the start (all zeros). Relative, so it means the same for any `C` and any
    /// number of rows. (Never below the gradient's rounding error, which no step can shrink.)
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            c: 1.0,
            balanced: false,
            max_iterations: 1000,
            tolerance: 1e-8,
        }
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Logistic {
    /// One weight per column.
    pub weights: Vec<f64>,
    /// Unpenalised bias b.
    pub intercept: f64,
    /// L-BFGS iterations taken (accepted steps).
    pub iterations: usize,
    /// Whether the gradient tolerance was met; false when the iteration cap was reached or no
    /// step along the best direction lowered the objective any more in `f64`.
    pub converged: bool,
}

impl Logistic {
    /// Fits the model to rows `x` labelled `positive`, starting from all zeros.
    ///
    /// When every row has the same label the objective has no minimum: the weights settle near
    /// zero but the intercept keeps running off towards ±∞ as the loss keeps shrinking. The
    /// relative tolerance then stops the fit once the fitted probabilities are within about
    /// `tolerance` of 0 or 1 (an intercept near ∓19 for the default), and `max_iterations`
    /// caps it regardless, so the model is always finite. (scikit-learn refuses such data.)
    ///
    /// # Panics
    ///
    /// If `positive` does not have one label per row, or `options.c` is not positive and finite.
    pub(crate) fn fit(x: &SparseRows, positive: &[bool], options: &FitOptions) -> Logistic {
        assert_eq!(positive.len(), x.len(), "one label per row");
        assert!(
            options.c > 0.0 && options.c.is_finite(),
            "C must be positive and finite, not {}",
            options.c
        );
        let problem = Problem::new(x, positive, options);
        let mut solution = minimise(&problem, options);
        let intercept = solution.params.pop().unwrap_or_default();
        Logistic {
            weights: solution.params,
            intercept,
            iterations: solution.iterations,
            converged: solution.converged,
        }
    }

    /// w·x + b
    ///
    /// # Panics
    ///
    /// If an index is not below the number of weights.
    pub(crate) fn decision(&self, indices: &[u32], values: &[f32]) -> f64 {
        debug_assert_eq!(indices.len(), values.len());
        self.intercept + sparse_dot(&self.weights, indices, values)
    }

    /// Probability that the row is positive: the logistic function of [`Logistic::decision`].
    pub(crate) fn probability(&self, indices: &[u32], values: &[f32]) -> f64 {
        sigmoid(self.decision(indices, values))
    }
}

/// Past steps kept to model the curvature; 10 is the usual choice (scikit-learn passes scipy's
/// default of 10 too).
const HISTORY: usize = 10;

/// Armijo constant: a step must lower the objective by this fraction of what the slope at the
/// start promises.
const SUFFICIENT_DECREASE: f64 = 1e-4;

/// Strong-Wolfe constant: a step must flatten the slope to this fraction of the slope at the
/// start. 0.9 is the usual choice for quasi-Newton methods, whose unit step is usually good.
const CURVATURE: f64 = 0.9;

/// Cap on function evaluations in one line search (each O(rows)). Step lengths grow fourfold
/// while bracketing, so this reaches any step length that matters.
const LINE_SEARCH_TRIALS: usize = 60;

/// The training set as the solver reads it.
///
/// Parameters θ are one vector: the weights, then the intercept at index `columns`, so that
/// L-BFGS treats them alike.
struct Problem<'a> {
    x: &'a SparseRows,
    /// yᵢ: +1 for a positive row, −1 for a negative one.
    signs: Vec<f64>,
    /// C·sᵢ: how much row i's loss weighs against the penalty.
    costs: Vec<f64>,
}

impl<'a> Problem<'a> {
    fn new(x: &'a SparseRows, positive: &[bool], options: &FitOptions) -> Problem<'a> {
        let signs = positive
            .iter()
            .map(|&p| if p { 1.0 } else { -1.0 })
            .collect();
        let [negative_weight, positive_weight] = if options.balanced {
            balanced_class_weights(positive)
        } else {
            [1.0, 1.0]
        };
        let costs = positive
            .iter()
            .map(|&p| options.c * if p { positive_weight } else { negative_weight })
            .collect();
        Problem { x, signs, costs }
    }

    fn rows(&self) -> usize {
        self.x.len()
    }

    /// Length of θ: the weights and the intercept.
    fn dimension(&self) -> usize {
        self.x.columns() + 1
    }

    /// Writes X·w + b for θ = (w, b) into `out`, one value per row.
    fn decisions(&self, params: &[f64], out: &mut [f64]) {
        let (weights, intercept) = split_intercept(params);
        for (i, decision) in out.iter_mut().enumerate() {
            let (indices, values) = self.x.row(i);
            *decision = intercept + sparse_dot(weights, indices, values);
        }
    }

    /// Writes ∇f(θ) into `gradient`, given the rows' decision values at θ.
    fn gradient(&self, params: &[f64], decisions: &[f64], gradient: &mut [f64]) {
        let columns = self.x.columns();
        let (weights, _) = split_intercept(params);
        gradient[..columns].copy_from_slice(weights);
        gradient[columns] = 0.0;
        for (i, &decision) in decisions.iter().enumerate() {
            let slope = self.loss_slope(i, decision);
            let (indices, values) = self.x.row(i);
            for (&column, &value) in indices.iter().zip(values) {
                gradient[column as usize] += slope * f64::from(value);
            }
            gradient[columns] += slope;
        }
    }

    /// Rounding error to expect in a gradient component: every row adds at most C·sᵢ·|xᵢⱼ| to
    /// component j and C·sᵢ to the intercept's, each sum rounded at every addition.
    fn gradient_rounding(&self) -> f64 {
        let largest_value = self
            .x
            .values
            .iter()
            .fold(1.0f64, |m, &v| m.max(f64::from(v.abs())));
        let total_cost: f64 = self.costs.iter().sum();
        f64::EPSILON * total_cost * largest_value
    }

    /// Derivative of row i's weighted loss C·sᵢ·log(1 + exp(−yᵢzᵢ)) with respect to zᵢ.
    fn loss_slope(&self, i: usize, decision: f64) -> f64 {
        let sign = self.signs[i];
        -self.costs[i] * sign * sigmoid(-sign * decision)
    }
}

/// scikit-learn's `class_weight="balanced"`, `n / (2 · rows of the class)`, for
/// [negative, positive]. A class without rows gets weight 0, which no row uses.
fn balanced_class_weights(positive: &[bool]) -> [f64; 2] {
    let rows = positive.len() as f64;
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let weight = |count: f64| {
        if count > 0.0 {
            rows / (2.0 * count)
        } else {
            0.0
        }
    };
    [weight(rows - positives), weight(positives)]
}

/// The objective along one search line, φ(α) = f(θ + αp), in a form that costs O(rows).
struct Line<'p, 'a> {
    problem: &'p Problem<'a>,
    /// zᵢ at θ.
    decisions: &'p [f64],
    /// xᵢ·p_w + p_b: how fast each decision value moves along the line.
    moves: &'p [f64],
    /// w·p_w, for the penalty's change (the intercept is not penalised).
    weights_dot_direction: f64,
    /// p_w·p_w.
    direction_norm_squared: f64,
}

/// One evaluation along a line: φ(step) − φ(0) and φ'(step).
#[derive(Debug, Clone, Copy)]
struct Sample {
    step: f64,
    /// Change in the objective from the start of the line. A difference rather than the
    /// objective itself, computed row by row without cancellation, so that the Armijo test
    /// still sees the decrease when it is below the objective's rounding error.
    value: f64,
    slope: f64,
}

impl Line<'_, '_> {
    /// φ(step) − φ(0) and φ'(step), in one pass over the rows.
    fn at(&self, step: f64) -> Sample {
        let mut value =
            step * self.weights_dot_direction + 0.5 * step * step * self.direction_norm_squared;
        let mut slope = self.weights_dot_direction + step * self.direction_norm_squared;
        let problem = self.problem;
        for (i, (&decision, &moves)) in self.decisions.iter().zip(self.moves).enumerate() {
            let sign = problem.signs[i];
            let margin = sign * decision;
            let shift = step * sign * moves;
            value += problem.costs[i] * loss_change(margin, shift);
            slope += problem.loss_slope(i, decision + step * moves) * moves;
        }
        Sample { step, value, slope }
    }
}

/// What L-BFGS returns: θ and how it ended.
struct Solution {
    params: Vec<f64>,
    iterations: usize,
    converged: bool,
}

/// L-BFGS from θ = 0 until the gradient's max-norm falls to `tolerance` times its start, or to
/// the gradient's own rounding error when that is larger (a start that is already optimal up to
/// rounding, as with balanced weights and no informative column, has a gradient of pure noise
/// that no step can shrink).
fn minimise(problem: &Problem, options: &FitOptions) -> Solution {
    let dimension = problem.dimension();
    let mut params = vec![0.0; dimension];
    let mut decisions = vec![0.0; problem.rows()];
    let mut gradient = vec![0.0; dimension];
    problem.gradient(&params, &decisions, &mut gradient);
    let threshold = (options.tolerance * max_abs(&gradient)).max(problem.gradient_rounding());

    let mut history = History::new(dimension);
    let mut direction = vec![0.0; dimension];
    let mut moves = vec![0.0; problem.rows()];
    let mut next_gradient = vec![0.0; dimension];
    let mut iterations = 0;
    let converged = loop {
        if max_abs(&gradient) <= threshold {
            break true;
        }
        if iterations == options.max_iterations {
            break false;
        }
        history.direction(&gradient, &mut direction);
        let mut slope = dot(&gradient, &direction);
        if slope >= 0.0 || slope.is_nan() {
            // Rounding can spoil the curvature model; steepest descent always goes down.
            history.clear();
            history.direction(&gradient, &mut direction);
            slope = dot(&gradient, &direction);
        }
        // X·p_w + p_b: the decision values' rate of change along the direction.
        problem.decisions(&direction, &mut moves);
        let line = line_through(problem, &params, &decisions, &direction, &moves);
        let step = line_search(
            |step| line.at(step),
            slope,
            first_step(&history, &direction),
        )
        .filter(|&step| moves_any(&params, step, &direction));
        let Some(step) = step else {
            if history.is_empty() {
                // Not even steepest descent lowers f in f64: as close as it gets.
                break false;
            }
            history.clear();
            continue;
        };
        add_scaled(&mut params, step, &direction);
        // Moved along with θ rather than recomputed, which saves a pass over the matrix; the
        // drift is a rounding error per iteration.
        add_scaled(&mut decisions, step, &moves);
        problem.gradient(&params, &decisions, &mut next_gradient);
        history.remember(step, &direction, &gradient, &next_gradient);
        std::mem::swap(&mut gradient, &mut next_gradient);
        iterations += 1;
    };
    Solution {
        params,
        iterations,
        converged,
    }
}

/// Whether θ + step·p differs from θ in f64 at all; a step too short to change θ would
/// leave the solver repeating it until the iteration cap.
fn moves_any(params: &[f64], step: f64, direction: &[f64]) -> bool {
    params
        .iter()
        .zip(direction)
        .any(|(&p, &d)| p + step * d != p)
}

/// The line θ + αp, with the penalty's pieces computed once.
fn line_through<'p, 'a>(
    problem: &'p Problem<'a>,
    params: &[f64],
    decisions: &'p [f64],
    direction: &[f64],
    moves: &'p [f64],
) -> Line<'p, 'a> {
    let (weights, _) = split_intercept(params);
    let (direction_weights, _) = split_intercept(direction);
    Line {
        problem,
        decisions,
        moves,
        weights_dot_direction: dot(weights, direction_weights),
        direction_norm_squared: dot(direction_weights, direction_weights),
    }
}

/// The step to try first: L-BFGS's own scaling makes 1 right once it has history; without
/// history the direction is the raw gradient, whose length says nothing, so try a unit move.
fn first_step(history: &History, direction: &[f64]) -> f64 {
    if history.is_empty() {
        1.0 / dot(direction, direction).sqrt()
    } else {
        1.0
    }
}

/// Recent steps s = θₖ₊₁ − θₖ and gradient changes y = ∇fₖ₊₁ − ∇fₖ, oldest first, which
/// stand in for the inverse Hessian.
struct History {
    dimension: usize,
    pairs: VecDeque<Pair>,
}

/// One remembered step.
struct Pair {
    step: Vec<f64>,
    change: Vec<f64>,
    /// 1 / (sᵀy).
    rho: f64,
}

impl History {
    fn new(dimension: usize) -> History {
        History {
            dimension,
            pairs: VecDeque::with_capacity(HISTORY),
        }
    }

    fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Records the step `step · direction` from the point with gradient `before` to the point
    /// with gradient `after`. A pair without positive curvature (sᵀy ≤ ε·yᵀy, which only
    /// rounding can cause on a convex objective) would make the model indefinite; it is skipped.
    fn remember(&mut self, step: f64, direction: &[f64], before: &[f64], after: &[f64]) {
        let mut pair = if self.pairs.len() == HISTORY {
            self.pairs.pop_front().expect("history is full")
        } else {
            Pair {
                step: vec![0.0; self.dimension],
                change: vec![0.0; self.dimension],
                rho: 0.0,
            }
        };
        for (s, &p) in pair.step.iter_mut().zip(direction) {
            *s = step * p;
        }
        for ((y, &a), &b) in pair.change.iter_mut().zip(after).zip(before) {
            *y = a - b;
        }
        let curvature = dot(&pair.step, &pair.change);
        if curvature > f64::EPSILON * dot(&pair.change, &pair.change) {
            pair.rho = 1.0 / curvature;
            self.pairs.push_back(pair);
        }
    }

    /// Writes the search direction −H·g into `direction` by the two-loop recursion, with the
    /// initial inverse Hessian scaled by sᵀy / yᵀy of the newest pair; −g without history.
    fn direction(&self, gradient: &[f64], direction: &mut [f64]) {
        direction.copy_from_slice(gradient);
        let mut alphas = [0.0; HISTORY];
        for (pair, alpha) in self.pairs.iter().zip(&mut alphas).rev() {
            *alpha = pair.rho * dot(&pair.step, direction);
            add_scaled(direction, -*alpha, &pair.change);
        }
        if let Some(newest) = self.pairs.back() {
            let scale = 1.0 / (newest.rho * dot(&newest.change, &newest.change));
            direction.iter_mut().for_each(|d| *d *= scale);
        }
        for (pair, alpha) in self.pairs.iter().zip(&alphas) {
            let beta = pair.rho * dot(&pair.change, direction);
            add_scaled(direction, alpha - beta, &pair.step);
        }
        direction.iter_mut().for_each(|d| *d = -*d);
    }
}

/// A step length satisfying the strong Wolfe conditions along a line with slope `slope` (< 0)
/// at its start, by bracketing then zooming (Nocedal & Wright, Algorithms 3.5 and 3.6).
///
/// Returns `None` only if no tried step lowered the objective at all; if the search runs out of
/// trials with a step that satisfies the Armijo condition but not the curvature one, it returns
/// that step (the objective still goes down; L-BFGS skips the pair if its curvature is bad).
fn line_search(mut at: impl FnMut(f64) -> Sample, slope: f64, first_step: f64) -> Option<f64> {
    let start = Sample {
        step: 0.0,
        value: 0.0,
        slope,
    };
    let mut previous = start;
    let mut step = first_step;
    for trial in 0..LINE_SEARCH_TRIALS {
        let sample = at(step);
        if !sufficient_decrease(&sample, slope) || (trial > 0 && sample.value >= previous.value) {
            return zoom(&mut at, slope, previous, sample);
        }
        if flat_enough(&sample, slope) {
            return Some(step);
        }
        if sample.slope >= 0.0 {
            return zoom(&mut at, slope, sample, previous);
        }
        previous = sample;
        step *= 4.0;
    }
    (previous.step > 0.0).then_some(previous.step)
}

/// Narrows the bracket between `low` (the lowest sample that satisfies the Armijo condition,
/// maybe the start) and `high` until a sample satisfies both Wolfe conditions.
fn zoom(
    at: &mut impl FnMut(f64) -> Sample,
    slope: f64,
    mut low: Sample,
    mut high: Sample,
) -> Option<f64> {
    for _ in 0..LINE_SEARCH_TRIALS {
        let step = interpolate(&low, &high);
        if step == low.step || step == high.step {
            break; // The bracket has shrunk to adjacent floats.
        }
        let sample = at(step);
        if !sufficient_decrease(&sample, slope) || sample.value >= low.value {
            high = sample;
        } else {
            if flat_enough(&sample, slope) {
                return Some(step);
            }
            if sample.slope * (high.step - low.step) >= 0.0 {
                high = low;
            }
            low = sample;
        }
    }
    (low.step > 0.0).then_some(low.step)
}

/// Armijo: φ(α) − φ(0) ≤ c₁·α·φ'(0). Also rejects non-finite samples (a step so long that
/// the decision values overflowed).
fn sufficient_decrease(sample: &Sample, slope: f64) -> bool {
    sample.value <= SUFFICIENT_DECREASE * sample.step * slope && sample.slope.is_finite()
}

/// Strong-Wolfe curvature: |φ'(α)| ≤ c₂·|φ'(0)|.
fn flat_enough(sample: &Sample, slope: f64) -> bool {
    sample.slope.abs() <= -CURVATURE * slope
}

/// The minimiser of the cubic through both samples' values and slopes, kept at least a tenth
/// of the bracket away from its ends (so the bracket keeps shrinking); the midpoint when the
/// cubic has no usable minimiser.
fn interpolate(a: &Sample, b: &Sample) -> f64 {
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.step - b.step);
    let discriminant = d1 * d1 - a.slope * b.slope;
    let cubic = if discriminant >= 0.0 {
        let d2 = (b.step - a.step).signum() * discriminant.sqrt();
        b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2)
    } else {
        f64::NAN
    };
    let (lo, hi) = (a.step.min(b.step), a.step.max(b.step));
    let margin = 0.1 * (hi - lo);
    if cubic.is_finite() && cubic >= lo + margin && cubic <= hi - margin {
        cubic
    } else {
        lo + 0.5 * (hi - lo)
    }
}

/// log(1 + exp(−(m + δ))) − log(1 + exp(−m)): the change of a row's loss when its margin m
/// moves by δ.
///
/// For small moves the two logs nearly cancel, and near the optimum the objective's whole
/// decrease is smaller than its rounding error; the identity
/// `log1p(σ(−m)·expm1(−δ))` gives the difference to full relative precision. Large moves
/// change the loss by at least a noticeable amount, and expm1 could overflow, so they subtract.
fn loss_change(margin: f64, shift: f64) -> f64 {
    if shift.abs() < 1.0 {
        (sigmoid(-margin) * (-shift).exp_m1()).ln_1p()
    } else {
        log1p_exp(-(margin + shift)) - log1p_exp(-margin)
    }
}

/// log(1 + exp(t)) without overflow for large t or loss of precision for very negative t.
fn log1p_exp(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// 1 / (1 + exp(−t)), never exp of a large positive number.
pub(crate) fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// Splits θ into the weights and the intercept (the last component).
fn split_intercept(params: &[f64]) -> (&[f64], f64) {
    let (intercept, weights) = params.split_last().expect("θ holds the intercept");
    (weights, *intercept)
}

/// w·x for a sparse x, summed in column order.
fn sparse_dot(weights: &[f64], indices: &[u32], values: &[f32]) -> f64 {
    indices
        .iter()
        .zip(values)
        .map(|(&column, &value)| weights[column as usize] * f64::from(value))
        .sum()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// y += a·x
fn add_scaled(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

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

    #[test]
    fn a_row_is_stored_as_given() {
        let mut x = SparseRows::new(10);
        x.push(&[(1, 0.5), (7, 2.0)]);
        x.push(&[]);
        assert_eq!((x.len(), x.columns()), (2, 10));
        assert_eq!(x.row(0), (&[1u32, 7][..], &[0.5f32, 2.0][..]));
        assert_eq!(x.row(1), (&[][..], &[][..]));
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn unsorted_columns_are_refused() {
        SparseRows::new(10).push(&[(3, 1.0), (2, 1.0)]);
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn repeated_columns_are_refused() {
        SparseRows::new(10).push(&[(3, 1.0), (3, 1.0)]);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn columns_out_of_range_are_refused() {
        SparseRows::new(3).push(&[(3, 1.0)]);
    }

    #[test]
    fn the_line_search_finds_a_wolfe_step_on_a_quadratic() {
        // φ(α) = (α − 3)² − 9: slope −6 at 0, minimum at 3.
        let at = |step: f64| Sample {
            step,
            value: (step - 3.0).powi(2) - 9.0,
            slope: 2.0 * (step - 3.0),
        };
        for first in [1e-3, 1.0, 100.0] {
            let step = line_search(at, -6.0, first).unwrap();
            assert!(sufficient_decrease(&at(step), -6.0), "{first}: {step}");
            assert!(flat_enough(&at(step), -6.0), "{first}: {step}");
        }
    }

    #[test]
    fn loss_change_matches_the_plain_difference() {
        for margin in [-40.0, -3.0, 0.0, 0.5, 30.0] {
            for shift in [-5.0, -0.7, -1e-9, 0.0, 1e-6, 0.3, 4.0] {
                let plain = log1p_exp(-(margin + shift)) - log1p_exp(-margin);
                let change = loss_change(margin, shift);
                assert!(
                    (change - plain).abs() <= 1e-12 * (1.0 + plain.abs()),
                    "{margin} {shift}: {change} vs {plain}"
                );
            }
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
}
