//! The step length along a search direction: strong Wolfe conditions by bracketing and zooming
//! with cubic interpolation, on any function of one variable (tested on a quadratic).

/// Armijo constant: a step must lower the objective by this fraction of what the slope at the
/// start promises.
const SUFFICIENT_DECREASE: f64 = 1e-4;

/// Strong-Wolfe constant: a step must flatten the slope to this fraction of the slope at the
/// start. 0.9 is the usual choice for quasi-Newton methods, whose unit step is usually good.
const CURVATURE: f64 = 0.9;

/// Cap on function evaluations in one line search (each O(rows)). Step lengths grow fourfold
/// while bracketing, so this reaches any step length that matters.
const LINE_SEARCH_TRIALS: usize = 60;

/// One evaluation along a line: φ(step) − φ(0) and φ'(step).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) step: f64,
    /// Change in the objective from the start of the line. A difference rather than the
    /// objective itself, computed row by row without cancellation, so that the Armijo test
    /// still sees the decrease when it is below the objective's rounding error.
    pub(super) value: f64,
    pub(super) slope: f64,
}

/// A step length satisfying the strong Wolfe conditions along a line with slope `slope` (< 0)
/// at its start, by bracketing then zooming (Nocedal & Wright, Algorithms 3.5 and 3.6).
///
/// Returns `None` only if no tried step lowered the objective at all; if the search runs out of
/// trials with a step that satisfies the Armijo condition but not the curvature one, it returns
/// that step (the objective still goes down; L-BFGS skips the pair if its curvature is bad).
pub(super) fn line_search(
    mut at: impl FnMut(f64) -> Sample,
    slope: f64,
    first_step: f64,
) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
