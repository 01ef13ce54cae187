//! Dynamical Similarity Analysis: the operator fit against the `dsa-metric` package, both
//! scores against its answers on trained networks' states, and the invariances that make DSA a
//! comparison of dynamics rather than of coordinates.
//!
//! The fixture (tests/fixtures/dsa/, made by scripts/make_dsa_fixtures.py with dsa-metric 2.0.2
//! from ten trained flip-flop networks of a 48-network population, one per cell × activation
//! and two more): each network's probe states on its top 10 principal axes, 16 trials, and the
//! package's HAVOK operator, angular score and "wasserstein" score on them.

use std::path::Path;

use faer::linalg::solvers::Solve;
use ndarray::{Array3, ArrayView3};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rnnlab::analysis::similarity::dsa::{
    fit, procrustes_angle, spectral_distance, DsaOperator, DsaOptions,
};
use rnnlab::files::arrays::{read_arrays, Array};

fn fixture(name: &str) -> rnnlab::files::arrays::Arrays {
    read_arrays(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/dsa")
            .join(name),
    )
    .unwrap()
}

/// The i-th (outermost index) sub-array of `a`.
fn slice(a: &Array, i: usize) -> (Vec<usize>, Vec<f64>) {
    let inner: usize = a.shape[1..].iter().product();
    (
        a.shape[1..].to_vec(),
        a.data[i * inner..(i + 1) * inner].to_vec(),
    )
}

fn operators() -> (Vec<DsaOperator>, Vec<DsaOperator>) {
    let states = fixture("states.npz");
    let reference = fixture("reference.npz");
    let (y, a_v) = (&states["y"], &reference["A_v"]);
    let options = DsaOptions::default();
    let ours = (0..y.shape[0])
        .map(|k| {
            let (shape, data) = slice(y, k);
            let y = ArrayView3::from_shape((shape[0], shape[1], shape[2]), &data).unwrap();
            fit(y, &options).expect("an operator")
        })
        .collect();
    let theirs = (0..a_v.shape[0])
        .map(|k| {
            let (shape, data) = slice(a_v, k);
            DsaOperator::new(data, shape[0], shape[0])
        })
        .collect();
    (ours, theirs)
}

#[test]
fn operators_match_the_package_up_to_rotation() {
    let (ours, theirs) = operators();
    assert_eq!(ours.len(), 10);
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a.effective_rank, 10);
        // The same operator in coordinates that differ by the singular vectors' signs, to the
        // package's float32 arithmetic.
        let spectral = spectral_distance(a, b);
        let angle = procrustes_angle(a, b, 0).angle;
        assert!(
            spectral < 1e-5,
            "network {k}: eigenvalues differ by {spectral:e}"
        );
        assert!(
            angle < 1e-5,
            "network {k}: operators differ by {angle:e} rad"
        );
    }
}

#[test]
fn scores_agree_with_the_package_where_its_optimiser_converges() {
    let (ours, _) = operators();
    let reference = fixture("reference.npz");
    let (angular, wasserstein) = (&reference["angular"], &reference["wasserstein"]);
    let n = ours.len();
    let (mut lower, mut worst_excess, mut worst_gap) = (0, 0.0f64, 0.0f64);
    for i in 0..n {
        for j in i + 1..n {
            // The package's "wasserstein" is the squared 2-Wasserstein distance of the
            // eigenvalues; rnnlab reports its square root (a metric). The package fits in
            // float32.
            let spectral = spectral_distance(&ours[i], &ours[j]);
            let theirs = wasserstein.data[i * n + j];
            assert!(
                (spectral - theirs.sqrt()).abs() < 1e-5,
                "spectral {i}-{j}: {spectral} against √{theirs}"
            );
            // The angle is a minimum over rotations: the package's Adam (1500 steps, float32,
            // from I and one permutation) gives an upper bound; rnnlab's must not be above it
            // by more than float32 rounding, and is lower where the package stopped early.
            let ours_angle = procrustes_angle(&ours[i], &ours[j], 4).angle;
            let theirs_angle = angular.data[i * n + j];
            worst_excess = worst_excess.max(ours_angle - theirs_angle);
            worst_gap = worst_gap.max((ours_angle - theirs_angle).abs());
            if ours_angle < theirs_angle - 1e-4 {
                lower += 1;
            }
        }
    }
    eprintln!(
        "45 pairs: rnnlab lower than dsa-metric on {lower}, at most {worst_excess:.2e} rad \
         above it, largest difference {worst_gap:.2e} rad"
    );
    assert!(
        worst_excess < 2e-3,
        "rnnlab above the package by {worst_excess}"
    );
}

fn random_orthogonal(n: usize, seed: u64) -> ndarray::Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let g = faer::Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
    let q = g.qr().compute_Q();
    ndarray::Array2::from_shape_fn((n, n), |(i, j)| q[(i, j)])
}

/// Trajectories of a nonlinear system (a tanh network's flow) in `units` dimensions:
/// (steps, trials, units).
fn trajectories(units: usize, seed: u64) -> Array3<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w = ndarray::Array2::from_shape_fn((units, units), |_| {
        let g: f64 = StandardNormal.sample(&mut rng);
        1.2 / (units as f64).sqrt() * g
    });
    let (steps, trials) = (60, 12);
    let mut y = Array3::zeros((steps, trials, units));
    for b in 0..trials {
        let mut h: ndarray::Array1<f64> =
            ndarray::Array1::from_shape_fn(units, |_| StandardNormal.sample(&mut rng));
        for t in 0..steps {
            y.slice_mut(ndarray::s![t, b, ..]).assign(&h);
            h = w.dot(&h).mapv(f64::tanh);
        }
    }
    y
}

#[test]
fn rotated_permuted_and_sign_flipped_states_are_at_zero() {
    // A network whose hidden units are permuted and sign-flipped has states X·P·S; any
    // orthogonal change of coordinates X·Q leaves the principal axes' projection unchanged up
    // to the axes' signs, so the operators are conjugate by a sign matrix.
    let units = 16;
    let options = DsaOptions {
        components: 8,
        rank: 8,
        delays: 4,
        ..DsaOptions::default()
    };
    let x = trajectories(units, 1);
    let base = fit(x.view(), &options).unwrap();
    let mut permuted = x.clone();
    for (i, mut column) in permuted.axis_iter_mut(ndarray::Axis(2)).enumerate() {
        let from = (i * 7 + 3) % units;
        let sign = if i % 3 == 0 { -1.0 } else { 1.0 };
        column.assign(&x.index_axis(ndarray::Axis(2), from).mapv(|v| sign * v));
    }
    let q = random_orthogonal(units, 2);
    let rotated = Array3::from_shape_fn(x.dim(), |(t, b, j)| {
        (0..units).map(|i| x[[t, b, i]] * q[[i, j]]).sum()
    });
    for (what, y) in [("permuted", permuted), ("rotated", rotated)] {
        let other = fit(y.view(), &options).unwrap();
        let angle = procrustes_angle(&base, &other, 0).angle;
        assert!(angle < 1e-6, "{what}: {angle:e}");
        assert!(spectral_distance(&base, &other) < 1e-6, "{what}");
    }
    // A different network is not at zero.
    let other = fit(trajectories(units, 3).view(), &options).unwrap();
    assert!(procrustes_angle(&base, &other, 2).angle > 0.05);
}

#[test]
fn the_spectral_score_is_blind_to_any_change_of_basis_and_procrustes_is_not() {
    // B = S A S⁻¹ with S invertible but not orthogonal: the same eigenvalues (spectral 0),
    // not the same operator up to rotation (Procrustes > 0).
    let n = 6;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let a: Vec<f64> = (0..n * n)
        .map(|_| {
            let g: f64 = StandardNormal.sample(&mut rng);
            0.4 * g
        })
        .collect();
    let s = faer::Mat::<f64>::from_fn(n, n, |i, j| {
        if i == j {
            1.0 + i as f64
        } else if j == i + 1 {
            0.7
        } else {
            0.0
        }
    });
    let am = faer::Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]);
    let b = &s * &am * s.partial_piv_lu().solve(faer::Mat::<f64>::identity(n, n));
    let b: Vec<f64> = (0..n * n).map(|k| b[(k / n, k % n)]).collect();
    let (a, b) = (DsaOperator::new(a, n, n), DsaOperator::new(b, n, n));
    assert!(spectral_distance(&a, &b) < 1e-9);
    let r = procrustes_angle(&a, &b, 4);
    assert!(r.angle > 0.1, "{r:?}");
    assert!(r.lower_bound <= r.angle && r.angle <= r.at_identity);
}

/// Trials of a 2-D system whose condition means are fixed, m_c = (±1, ±0.5) rotated, and whose
/// deviations from them evolve as x − m ← a·(x − m) + noise: a = 1 holds a deviation (a line
/// attractor along it), a = 0.5 forgets it (a point attractor), a = 1.04 amplifies it (an unstable
/// direction, as between the two wells of a bistable system). Every `a` has the same condition
/// averages; only the trials' dynamics differ. Returns (trials (steps, trials, 2), the condition
/// averages (steps, conditions, 2)).
fn noisy_system(a: f64, seed: u64) -> (Array3<f64>, Array3<f64>) {
    let (steps, per_condition, conditions) = (40, 30, 2);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut y = Array3::zeros((steps, per_condition * conditions, 2));
    for c in 0..conditions {
        let sign = if c == 0 { 1.0 } else { -1.0 };
        let mean = [sign, 0.5 * sign];
        for k in 0..per_condition {
            let b = c * per_condition + k;
            let mut dev = [0.0f64, 0.0];
            for t in 0..steps {
                for d in 0..2 {
                    y[[t, b, d]] = mean[d] + dev[d];
                    let e: f64 = StandardNormal.sample(&mut rng);
                    // Deviations along the first axis follow a; the second decays fast.
                    let rate = if d == 0 { a } else { 0.3 };
                    dev[d] = rate * dev[d] + 0.05 * e;
                }
            }
        }
    }
    let averages = Array3::from_shape_fn((steps, conditions, 2), |(t, c, d)| {
        (0..per_condition)
            .map(|k| y[[t, c * per_condition + k, d]])
            .sum::<f64>()
            / per_condition as f64
    });
    (y, averages)
}

#[test]
fn dsa_tells_apart_dynamics_whose_condition_averages_agree() {
    // The DSA paper's Figure 3 situation: line, point and unstable dynamics around the same
    // condition means. Procrustes on the condition averages sees the same shape; DSA on the
    // trials sees three systems.
    use rnnlab::analysis::similarity::{distances, reduce, ReductionOptions};
    let options = DsaOptions {
        components: 2,
        delays: 2,
        rank: 4,
        ..DsaOptions::default()
    };
    let geometry = ReductionOptions {
        components: Some(2),
        ..ReductionOptions::default()
    };
    let rates = [1.0, 0.5, 1.04];
    let systems: Vec<Vec<(DsaOperator, rnnlab::analysis::similarity::Reduction)>> = rates
        .iter()
        .map(|&a| {
            (0..3)
                .map(|seed| {
                    let (y, averages) = noisy_system(a, 10 * seed + 1);
                    let (steps, conditions, _) = averages.dim();
                    let flat = averages
                        .into_shape_with_order((steps * conditions, 2))
                        .unwrap();
                    (
                        fit(y.view(), &options).unwrap(),
                        reduce(flat.view(), &geometry).unwrap(),
                    )
                })
                .collect()
        })
        .collect();
    let mean = |f: &dyn Fn(usize, usize, usize, usize) -> f64, same: bool| {
        let (mut sum, mut count) = (0.0, 0);
        for (s, t) in (0..3).flat_map(|s| (0..3).map(move |t| (s, t))) {
            if (s == t) != same {
                continue;
            }
            for (i, j) in (0..3).flat_map(|i| (0..3).map(move |j| (i, j))) {
                if s != t || i < j {
                    sum += f(s, i, t, j);
                    count += 1;
                }
            }
        }
        sum / count as f64
    };
    let dsa = |s: usize, i: usize, t: usize, j: usize| {
        procrustes_angle(&systems[s][i].0, &systems[t][j].0, 4).angle
    };
    let shape =
        |s: usize, i: usize, t: usize, j: usize| distances(&systems[s][i].1, &systems[t][j].1)[2];
    let (dsa_within, dsa_across) = (mean(&dsa, true), mean(&dsa, false));
    let (shape_within, shape_across) = (mean(&shape, true), mean(&shape, false));
    eprintln!(
        "DSA within {dsa_within:.4} across {dsa_across:.4}; Procrustes on the averages within \
         {shape_within:.4} across {shape_across:.4}"
    );
    assert!(dsa_across > 3.0 * dsa_within, "DSA separates the systems");
    assert!(
        shape_across < 2.0 * shape_within.max(1e-3),
        "the averages look alike to geometry"
    );
}
