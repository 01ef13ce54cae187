//! SVCCA, Procrustes, MDS and separability against known answers and a plain reference.

use faer::{Mat, Side};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnnlab::analysis::similarity::{
    canonical_correlations, classical_mds, distances, knn_accuracy, reduce, silhouette,
    ReductionOptions,
};

fn random(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

fn all_components() -> ReductionOptions {
    ReductionOptions {
        variance: 1.0,
        components: None,
        ..ReductionOptions::default()
    }
}

/// The 95 % variance rule.
fn by_variance() -> ReductionOptions {
    ReductionOptions {
        components: None,
        ..ReductionOptions::default()
    }
}

fn d(a: ArrayView2<f64>, b: ArrayView2<f64>, opts: &ReductionOptions) -> [f64; 3] {
    distances(&reduce(a, opts).unwrap(), &reduce(b, opts).unwrap())
}

#[test]
fn identical_states_are_at_distance_zero_and_distances_are_symmetric() {
    let x = random(400, 6, 1);
    let y = random(400, 4, 2);
    let opts = ReductionOptions::default();
    for v in d(x.view(), x.view(), &opts) {
        assert!(v.abs() < 1e-6, "{v}");
    }
    let (xy, yx) = (d(x.view(), y.view(), &opts), d(y.view(), x.view(), &opts));
    for k in 0..3 {
        assert!((xy[k] - yx[k]).abs() < 1e-12);
        assert!(xy[k] > 0.1, "unrelated data are far apart");
    }
}

#[test]
fn cca_ignores_invertible_maps_and_procrustes_ignores_rotations_and_scale() {
    let x = random(500, 5, 3);
    // An invertible, non-orthogonal map: CCA distances vanish (all components kept).
    let a = random(5, 5, 4) + Array2::<f64>::eye(5) * 3.0;
    let [svcca, angular, _] = d(x.view(), x.dot(&a).view(), &all_components());
    assert!(
        svcca.abs() < 1e-10 && angular.abs() < 1e-6,
        "{svcca} {angular}"
    );
    // A rotation and a scale, into more units (zero-padded widths): Procrustes vanishes, even
    // with the default 95 % truncation (PCA commutes with rotations).
    let q = Mat::from_fn(8, 8, |i, j| random(8, 8, 5)[[i, j]])
        .qr()
        .compute_Q();
    let rotated = {
        let padded = ndarray::concatenate![ndarray::Axis(1), x, Array2::zeros((500, 3))];
        padded.dot(&Array2::from_shape_fn((8, 8), |(i, j)| q[(i, j)])) * 2.5
    };
    let [_, _, procrustes] = d(x.view(), rotated.view(), &ReductionOptions::default());
    assert!(procrustes.abs() < 1e-6, "{procrustes}");
    // But not an arbitrary invertible map.
    let [_, _, skewed] = d(x.view(), x.dot(&a).view(), &all_components());
    assert!(skewed > 1e-3);
}

/// Canonical correlations straight from the formula: singular values of
/// Σ_aa^{-1/2} Σ_ab Σ_bb^{-1/2} on centred data.
fn covariance_cca(x: &Array2<f64>, y: &Array2<f64>) -> Vec<f64> {
    let centre = |m: &Array2<f64>| m - &m.mean_axis(ndarray::Axis(0)).unwrap();
    let (x, y) = (centre(x), centre(y));
    let n = x.nrows() as f64;
    let cov = |a: &Array2<f64>, b: &Array2<f64>| a.t().dot(b) / n;
    let inv_sqrt = |c: Array2<f64>| {
        let m = Mat::from_fn(c.nrows(), c.ncols(), |i, j| c[[i, j]]);
        let e = m.self_adjoint_eigen(Side::Lower).unwrap();
        let k = c.nrows();
        Array2::from_shape_fn((k, k), |(i, j)| {
            (0..k)
                .map(|l| e.U()[(i, l)] * e.U()[(j, l)] / e.S()[l].sqrt())
                .sum::<f64>()
        })
    };
    let t = inv_sqrt(cov(&x, &x))
        .dot(&cov(&x, &y))
        .dot(&inv_sqrt(cov(&y, &y)));
    let m = Mat::from_fn(t.nrows(), t.ncols(), |i, j| t[[i, j]]);
    m.singular_values().unwrap()
}

#[test]
fn canonical_correlations_agree_with_the_covariance_formula() {
    let x = random(300, 5, 6);
    // y shares two directions with x, plus its own.
    let y = ndarray::concatenate![
        ndarray::Axis(1),
        x.slice(ndarray::s![.., ..2]).to_owned() + random(300, 2, 7) * 0.3,
        random(300, 2, 8)
    ];
    let ours = canonical_correlations(
        &reduce(x.view(), &all_components()).unwrap(),
        &reduce(y.view(), &all_components()).unwrap(),
    );
    let reference = covariance_cca(&x, &y);
    assert_eq!(ours.len(), reference.len());
    for (a, b) in ours.iter().zip(&reference) {
        assert!((a - b).abs() < 1e-8, "{ours:?} vs {reference:?}");
    }
    assert!(ours[0] > 0.9 && ours[3] < 0.3, "{ours:?}");
}

#[test]
fn the_variance_threshold_keeps_the_fewest_components() {
    // Three strong directions and two faint ones.
    let x = random(400, 5, 9) * &ndarray::array![10.0, 8.0, 6.0, 0.01, 0.01];
    let r = reduce(x.view(), &by_variance()).unwrap();
    assert_eq!(r.components(), 3);
    let fixed = ReductionOptions {
        components: Some(2),
        ..ReductionOptions::default()
    };
    assert_eq!(reduce(x.view(), &fixed).unwrap().components(), 2);
}

#[test]
fn mds_recovers_a_planar_configuration_up_to_rotation() {
    let points = random(12, 2, 10) * 3.0;
    let n = points.nrows();
    let dist = Array2::from_shape_fn((n, n), |(i, j)| {
        (&points.row(i) - &points.row(j))
            .mapv(|v| v * v)
            .sum()
            .sqrt()
    });
    let e = classical_mds(dist.view(), 2);
    assert!(e.stress < 1e-10, "{}", e.stress);
    for i in 0..n {
        for j in 0..n {
            let fitted = (&e.coordinates.row(i) - &e.coordinates.row(j))
                .mapv(|v| v * v)
                .sum()
                .sqrt();
            assert!((fitted - dist[[i, j]]).abs() < 1e-9);
        }
    }
}

#[test]
fn separability_scores_see_clusters_and_not_mixtures() {
    // Two tight groups far apart on a line.
    let xs: [f64; 8] = [0.0, 0.1, 0.2, 0.15, 10.0, 10.1, 10.2, 10.05];
    let n = xs.len();
    let dist = Array2::from_shape_fn((n, n), |(i, j)| (xs[i] - xs[j]).abs());
    let clustered = ["a", "a", "a", "a", "b", "b", "b", "b"];
    let mixed = ["a", "b", "a", "b", "a", "b", "a", "b"];
    assert!(silhouette(dist.view(), &clustered).unwrap() > 0.95);
    assert_eq!(knn_accuracy(dist.view(), &clustered, 3), Some(1.0));
    assert!(silhouette(dist.view(), &mixed).unwrap() < 0.1);
    assert!(knn_accuracy(dist.view(), &mixed, 3).unwrap() <= 0.5);
    assert_eq!(silhouette(dist.view(), &["a"; 8]), None);
}

/// Reduces `x` to exactly `k` components.
fn reduced(x: &Array2<f64>, k: usize) -> rnnlab::analysis::similarity::Reduction {
    let opts = ReductionOptions {
        components: Some(k),
        ..ReductionOptions::default()
    };
    reduce(x.view(), &opts).unwrap()
}

#[test]
fn angular_cca_zero_pads_unequal_widths_as_netrep_does() {
    // The formula: arccos(Σρ / √(k_a·k_b)), with ρ from the covariance CCA of the reductions.
    let x = random(300, 6, 20);
    let y = ndarray::concatenate![
        ndarray::Axis(1),
        x.slice(ndarray::s![.., ..3]).to_owned() + random(300, 3, 21) * 0.5,
        random(300, 3, 22)
    ];
    let (a, b) = (reduced(&x, 3), reduced(&y, 5));
    let rho = canonical_correlations(&a, &b);
    assert_eq!(rho.len(), 3);
    let want = (rho.iter().sum::<f64>() / 15f64.sqrt()).acos();
    let got = distances(&a, &b)[1];
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    // A subspace of another is not at distance 0 when it is narrower: widths count.
    let (wide, narrow) = (reduced(&x, 5), reduced(&x, 3));
    assert!(distances(&wide, &narrow)[1] > 0.3);
    assert!(distances(&wide, &wide)[1] < 1e-6);
}

#[test]
fn angular_cca_keeps_the_triangle_inequality_on_mixed_widths() {
    // A population of related state matrices reduced to 2..7 components, as the 95 % rule
    // does on flip-flop networks; min-width averaging broke the inequality on such sets.
    let base = random(200, 8, 30);
    let reductions: Vec<_> = (0..18)
        .map(|k| {
            let mix = random(8, 8, 100 + k as u64);
            let x = base.dot(&mix) + random(200, 8, 200 + k as u64) * (0.1 * (k % 4) as f64);
            reduced(&x, 2 + k % 6)
        })
        .collect();
    let n = reductions.len();
    let mut d = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            d[[i, j]] = distances(&reductions[i], &reductions[j])[1];
        }
    }
    let mut broken = 0;
    for i in 0..n {
        for j in 0..n {
            for k in 0..n {
                if d[[i, k]] > d[[i, j]] + d[[j, k]] + 1e-9 {
                    broken += 1;
                }
            }
        }
    }
    assert_eq!(broken, 0, "{broken} of {} triples", n * n * n);
}

#[test]
fn separability_does_not_depend_on_the_order_of_network_ids() {
    use rnnlab::analysis::similarity::separation;
    // A topology-like matrix: integer distances, a block of 20 ideal networks (distance 0
    // among themselves) of every cell, and 8 others with cell-specific scaffolds.
    let n = 28;
    let cells: Vec<usize> = (0..n).map(|i| i % 4).collect();
    let d = Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j || (i < 20 && j < 20) {
            0.0
        } else if cells[i] == cells[j] {
            2.0
        } else {
            6.0
        }
    });
    let base = separation(d.view(), &cells, 3, 1000, 7).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..5 {
        let mut order: Vec<usize> = (0..n).collect();
        use rand::seq::SliceRandom;
        order.shuffle(&mut rng);
        let shuffled = Array2::from_shape_fn((n, n), |(i, j)| d[[order[i], order[j]]]);
        let labels: Vec<usize> = order.iter().map(|&i| cells[i]).collect();
        let s = separation(shuffled.view(), &labels, 3, 1000, 7).unwrap();
        // The scores are exact; the p-values are Monte-Carlo estimates over other shuffles.
        assert_eq!(s.knn.score, base.knn.score);
        assert!((s.silhouette.score - base.silhouette.score).abs() < 1e-12);
        assert!((s.knn.p - base.knn.p).abs() < 0.05, "{s:?} {base:?}");
    }
}
