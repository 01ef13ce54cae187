//! Driving one start to a root of r(h) = F(h, x*) − h: Newton steps steered by an f32 Jacobian
//! and LU of the same cell equations (the residual stays f64; every kept point is polished and
//! linearised with the exact f64 Jacobian) with a line search, chord steps while they converge, Levenberg–Marquardt where Newton fails, and
//! an early end in slow regions or near a fixed point already found.

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};
use ndarray::{Array1, ArrayView1};

use super::known::KnownPoints;
use super::lu::PackedLu;
use super::point::FixedPointOptions;
use crate::net::{Activation, CellMap};

/// r = F(h) − h and q = ½‖r‖².
pub(super) fn residual(map: &CellMap, h: &Array1<f64>, x: ArrayView1<f64>) -> (Array1<f64>, f64) {
    let r = map.step(h.view(), x) - h;
    let q = 0.5 * r.dot(&r);
    (r, q)
}

/// The LU factors of (J − I)ᵀ in f32 at some h. An f32 Jacobian and LU steer as well as exact
/// ones (the residual stays f64) at half the cost; points are polished and linearised with the
/// exact f64 Jacobian.
pub(super) type Factors = PackedLu<f32>;

/// (J − I)ᵀ at h in f32.
fn transposed_jacobian_less_identity(
    map: &CellMap,
    h: ArrayView1<f64>,
    x: ArrayView1<f64>,
) -> Mat<f32> {
    let s = h.len();
    // Row-major J is column-major Jᵀ: copied as is, no element-wise transposing.
    let j = map.approximate_state_jacobian(h, x);
    let mut jt = MatRef::from_column_major_slice(&j, s, s).to_owned();
    for k in 0..s {
        jt[(k, k)] -= 1.0;
    }
    jt
}

/// The factors of J − I at h.
pub(super) fn factor(map: &CellMap, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Factors {
    PackedLu::new(transposed_jacobian_less_identity(map, h, x))
}

/// The chord direction δ with (J − I)δ = −r through the factors of (J − I)ᵀ (None if not
/// finite).
pub(super) fn chord_direction(factors: &Factors, r: &Array1<f64>) -> Option<Array1<f64>> {
    let mut direction = Mat::from_fn(r.len(), 1, |i, _| -r[i] as f32);
    factors.solve_transpose_in_place(direction.as_mut());
    let direction = Array1::from_shape_fn(r.len(), |i| f64::from(direction[(i, 0)]));
    direction.iter().all(|v| v.is_finite()).then_some(direction)
}

/// Iterations over which q must at least halve for a descent to go on.
const STALL: usize = 5;
/// Steps a descent past 2·STALL may still need, at its recent rate, to reach a slow point.
const HORIZON: f64 = 10.0;

/// (Newton steps, bound): a tanh cell's descent with a unit beyond the bound after that many
/// steps ends. Every fixed point of a tanh cell lies inside the box |h_i| < 1 (F maps into it).
/// On the flip-flop GRU-256 of the benchmark every descent that found a point had all its units
/// within 1.93 after its 5th step, within 1.08 from its 6th on and inside the box from its 8th,
/// while the descents still outside were sliding to pseudo points where gates saturate (|h_i|
/// of 3 to 16), for up to 50 steps with a Jacobian each; 368 of its 426 such descents are beyond
/// 2.5 after 5 steps. (On GRU-64/128 and flip-flop UGRNN, LSTM and vanilla networks of 64
/// units, and a GRU on integration, the point-finding descents were within 1.41 after 5 steps.)
/// Ending descents after 4 steps beyond 2 lost a saddle of GRU-128.
const OUTSIDE: [(usize, f64); 3] = [(5, 2.5), (6, 1.5), (10, 1.0)];

/// True if `h`, after `iterations` Newton steps, is outside the bounds of [`OUTSIDE`] (tanh
/// cells; their hidden units only: an LSTM's cell state is not bounded).
fn bound_for_a_pseudo_point(map: &CellMap, h: &Array1<f64>, iterations: usize) -> bool {
    let spec = map.spec();
    let units = || h.iter().skip(spec.state_dim() - spec.units);
    spec.activation == Activation::Tanh
        && OUTSIDE
            .iter()
            .any(|&(steps, bound)| iterations >= steps && units().any(|v| v.abs() >= bound))
}

/// Newton steps before whose Jacobians a capture by a known point is tried (the start's
/// included). Tried before every Jacobian of a descent, captures pulled a descent bound for a slow
/// point of a line attractor (the Romo network's) onto a fixed point on the line; in the first
/// three steps they never did, on any network measured.
const CAPTURE_WINDOW: usize = 3;

/// How a descent ended.
pub(super) enum Descent {
    /// At `h` with q (maybe not a root: the caller judges).
    Ended(Array1<f64>, f64),
    /// Within the merge distance of a known fixed point: it would converge there.
    Known,
}

/// Newton steps on r(h) = F(h) − h from `h`, with a backtracking line search on q, and a
/// Levenberg–Marquardt step wherever J − I is singular or the Newton direction fails. A
/// factorised J − I is reused for further (chord) steps while they at least halve ‖r‖, so near
/// a root most steps cost one map evaluation instead of a Jacobian. Ends as soon as the nearest
/// point in `known` captures `h` in its first steps (see [`KnownPoints::captures`] and
/// [`CAPTURE_WINDOW`]), early once `h` comes within the merge distance of one (checked before
/// convergence, so a known point is not polished again), and, for tanh cells, if it is still
/// outside the box every fixed point lies in after a few steps (see [`OUTSIDE`]).
pub(super) fn descend(
    map: &CellMap,
    mut h: Array1<f64>,
    x: ArrayView1<f64>,
    opts: &FixedPointOptions,
    known: &KnownPoints,
) -> Descent {
    let (mut r, mut q) = residual(map, &h, x);
    let mut mu = 1e-3;
    let mut history = Vec::with_capacity(opts.max_iterations);
    // The factors of J − I at some earlier iterate; `fresh` if taken at the current h.
    let mut factored: Option<Factors> = None;
    let mut fresh = false;
    let mut iterations = 0;
    while iterations < opts.max_iterations {
        if known.near(h.view(), opts.merge_distance).is_some() {
            return Descent::Known;
        }
        if !q.is_finite() || q < opts.q_tolerance {
            break;
        }
        // A few chord steps on a known point's factors cost far less than a Jacobian.
        if factored.is_none()
            && iterations < CAPTURE_WINDOW
            && known.captures(map, &h, &r, q, x, opts)
        {
            return Descent::Known;
        }
        let factors = factored.get_or_insert_with(|| {
            fresh = true;
            factor(map, h.view(), x)
        });
        let direction = chord_direction(factors, &r);
        let mut step = None;
        if !fresh {
            // A chord step must at least halve ‖r‖, else refactor at this h.
            let candidate = direction.map(|d| &h + &d);
            let accepted = candidate.and_then(|candidate| {
                let (r_new, q_new) = residual(map, &candidate, x);
                (q_new.is_finite() && q_new <= 0.25 * q).then_some((candidate, r_new, q_new))
            });
            if accepted.is_none() {
                factored = None;
                continue;
            }
            step = accepted;
        } else if let Some(direction) = direction {
            // Armijo on q: along the Newton direction q falls at rate 2q.
            let mut t = 1.0;
            for _ in 0..8 {
                let candidate = &h + &(t * &direction);
                let (r_new, q_new) = residual(map, &candidate, x);
                if q_new.is_finite() && q_new <= q * (1.0 - 1e-4 * t) {
                    step = Some((candidate, r_new, q_new));
                    break;
                }
                t *= 0.5;
            }
        }
        if step.is_none() {
            // The factors are fresh, so this is J − I at h again (the same f32 values).
            let jt = transposed_jacobian_less_identity(map, h.view(), x);
            let jr = Mat::from_fn(h.len(), h.len(), |a, b| f64::from(jt[(b, a)]));
            step = levenberg_marquardt(map, &h, &r, q, x, &jr, &mut mu);
            factored = None;
        }
        let Some(next) = step else {
            break; // a local minimum of q that is not a root: a slow point at best
        };
        (h, r, q) = next;
        fresh = false;
        iterations += 1;
        if bound_for_a_pseudo_point(map, &h, iterations) {
            break;
        }
        // Near a root q falls quadratically. Halving less over STALL steps is a slow region, and
        // so is a rate at which the slow-point tolerance is still more than HORIZON steps away.
        history.push(q);
        if history.len() > STALL {
            let rate = q / history[history.len() - 1 - STALL];
            let needed = (opts.slow_tolerance / q).ln() / rate.ln() * STALL as f64;
            if rate > 0.5 || (history.len() >= 2 * STALL && needed > HORIZON) {
                break;
            }
        }
    }
    Descent::Ended(h, q)
}

/// One fresh Newton step from a point already within tolerance, kept if q falls: a new point
/// is reported near machine precision, not merely at the tolerance.
pub(super) fn polish(
    map: &CellMap,
    h: Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
) -> (Array1<f64>, f64) {
    let s = h.len();
    let j = map.state_jacobian(h.view(), x);
    let jr = Mat::from_fn(s, s, |a, b| j[[a, b]] - if a == b { 1.0 } else { 0.0 });
    let (r, _) = residual(map, &h, x);
    let mut direction = Mat::from_fn(s, 1, |i, _| -r[i]);
    PackedLu::new(jr).solve_in_place(direction.as_mut());
    let candidate = Array1::from_shape_fn(s, |i| h[i] + direction[(i, 0)]);
    let (_, q_new) = residual(map, &candidate, x);
    if q_new < q {
        (candidate, q_new)
    } else {
        (h, q)
    }
}

/// One damped Gauss–Newton step (JᵣᵀJᵣ + μI)δ = −Jᵣᵀr, raising μ until q falls.
fn levenberg_marquardt(
    map: &CellMap,
    h: &Array1<f64>,
    r: &Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
    jr: &Mat<f64>,
    mu: &mut f64,
) -> Option<(Array1<f64>, Array1<f64>, f64)> {
    let s = h.len();
    let jt_j = jr.transpose() * jr;
    let rm = Mat::from_fn(s, 1, |i, _| r[i]);
    let g = jr.transpose() * &rm;
    for _ in 0..12 {
        let a = Mat::from_fn(s, s, |i, j| jt_j[(i, j)] + if i == j { *mu } else { 0.0 });
        let Ok(llt) = a.llt(Side::Lower) else {
            *mu *= 10.0;
            continue;
        };
        let rhs = Mat::from_fn(s, 1, |i, _| -g[(i, 0)]);
        let delta = llt.solve(&rhs);
        let candidate = Array1::from_shape_fn(s, |i| h[i] + delta[(i, 0)]);
        let (r_new, q_new) = residual(map, &candidate, x);
        if q_new.is_finite() && q_new < q {
            *mu = (*mu / 3.0).max(1e-15);
            return Some((candidate, r_new, q_new));
        }
        *mu *= 4.0;
    }
    None
}
