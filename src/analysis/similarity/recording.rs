//! Recorded activity against a network: the same five distances as between networks (SVCCA,
//! angular CCA, Procrustes on the reduced states; DSA and its spectral score on the dynamics),
//! computed on condition-averaged trajectories (T, conditions, units) of both sides, with
//!
//! - a bootstrap over conditions (and over each condition's trials, where single trials are
//!   given): the same resample for the recording and the network, the 2.5 and 97.5 percentiles;
//! - the data's own ceiling, where single trials are given: the distance between the means of
//!   two random halves of the trials (no network can be expected closer);
//! - a neuron-subsampling control: the network's units cut to the recording's neuron count (a
//!   recording sees some neurons of a circuit, a network shows all of its units).

use ndarray::{Array2, Array3, ArrayView3, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::dsa::{self, DsaOptions};
use super::{distances, reduce, ReductionOptions};

/// The metrics, in the order every result here lists them.
pub const METRICS: [&str; 5] = ["svcca", "cca-angular", "procrustes", "dsa", "dsa-spectral"];

/// How a recording is compared.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingOptions {
    /// The reduction of both sides before the geometry metrics.
    pub reduction: ReductionOptions,
    /// How DSA embeds and fits both sides.
    pub dsa: DsaOptions,
    /// Bootstrap resamples (0: no interval).
    pub resamples: usize,
    /// Seed of the resamples, the halves and the subsampled units.
    pub seed: u64,
    /// Which of [`METRICS`] to compute (the others come out NaN): one asked for costs only
    /// its own family — the reduction for the three geometry metrics, the operator fit for
    /// DSA's two, the orthogonal search for `dsa` alone.
    pub metrics: [bool; 5],
}

/// One recording's data: condition means (T, C, M) and, when given, the single trials
/// (T, trials, M) with each trial's condition.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Condition means, time-major.
    pub means: Array3<f64>,
    /// Single trials, time-major, and their conditions (indices into the means' conditions).
    pub trials: Option<(Array3<f64>, Vec<usize>)>,
}

/// The five distances of trajectories `a` and `b` (T, C, units each), NaN for those not in
/// `options.metrics`; None where a side has no variance or is not finite.
pub fn distances_between(
    a: ArrayView3<f64>,
    b: ArrayView3<f64>,
    options: &RecordingOptions,
) -> Option<[f64; 5]> {
    let flat = |x: ArrayView3<f64>| {
        let (t, c, n) = x.dim();
        x.as_standard_layout()
            .into_owned()
            .into_shape_with_order((t * c, n))
            .ok()
    };
    let asked = options.metrics;
    let mut out = [f64::NAN; 5];
    if asked[..3].contains(&true) {
        let (fa, fb) = (flat(a)?, flat(b)?);
        let ra = reduce(fa.view(), &options.reduction)?;
        let rb = reduce(fb.view(), &options.reduction)?;
        out[..3].copy_from_slice(&distances(&ra, &rb));
    }
    if asked[3] || asked[4] {
        let oa = dsa::fit(a, &options.dsa)?;
        let ob = dsa::fit(b, &options.dsa)?;
        if asked[3] {
            out[3] = dsa::procrustes_angle(&oa, &ob, options.dsa.random_starts).angle;
        }
        out[4] = dsa::spectral_distance(&oa, &ob);
    }
    for (v, asked) in out.iter_mut().zip(asked) {
        if !asked {
            *v = f64::NAN;
        }
    }
    Some(out)
}

/// The mean over trials `picked` of single trials (T, trials, M): (T, M).
fn mean_of(trials: ArrayView3<f64>, picked: &[usize]) -> Array2<f64> {
    trials
        .select(Axis(1), picked)
        .mean_axis(Axis(1))
        .expect("at least one trial")
}

/// Each condition's trials, by index.
fn by_condition(labels: &[usize], conditions: usize) -> Vec<Vec<usize>> {
    let mut own = vec![Vec::new(); conditions];
    for (i, &c) in labels.iter().enumerate() {
        own[c].push(i);
    }
    own
}

/// The condition means of a resample: conditions drawn with replacement and, with single
/// trials (`own`: each condition's), each drawn condition's trials drawn with replacement from
/// its own.
fn resample(
    recorded: &Recorded,
    own: &[Vec<usize>],
    conditions: &[usize],
    rng: &mut ChaCha8Rng,
) -> Array3<f64> {
    match &recorded.trials {
        None => recorded.means.select(Axis(1), conditions),
        Some((trials, _)) => {
            let (t, _, m) = trials.dim();
            let mut out = Array3::zeros((t, conditions.len(), m));
            for (k, &c) in conditions.iter().enumerate() {
                let drawn: Vec<usize> = (0..own[c].len())
                    .map(|_| own[c][rng.random_range(0..own[c].len())])
                    .collect();
                out.index_axis_mut(Axis(1), k)
                    .assign(&mean_of(trials.view(), &drawn));
            }
            out
        }
    }
}

/// The bootstrap intervals of the five distances of `recorded` and the network trajectories
/// `network` (`full`: their distances on all the data), over `options.resamples` resamples:
/// the resamples' 2.5 and 97.5 percentiles moved by the bootstrap's bias (their mean minus
/// `full`), floored at 0. Resampled trials make noisier condition means than the data's, and
/// noisier means are farther from any network: uncorrected, the interval can lie wholly above
/// the distance it is for. None for a metric no resample could compute or not asked for.
pub fn bootstrap(
    recorded: &Recorded,
    network: ArrayView3<f64>,
    full: [f64; 5],
    options: &RecordingOptions,
) -> [Option<(f64, f64)>; 5] {
    let conditions = recorded.means.dim().1;
    let own = recorded
        .trials
        .as_ref()
        .map_or_else(Vec::new, |(_, labels)| by_condition(labels, conditions));
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut samples: [Vec<f64>; 5] = Default::default();
    for _ in 0..options.resamples {
        let drawn: Vec<usize> = (0..conditions)
            .map(|_| rng.random_range(0..conditions))
            .collect();
        let ours = resample(recorded, &own, &drawn, &mut rng);
        let theirs = network.select(Axis(1), &drawn);
        if let Some(d) = distances_between(ours.view(), theirs.view(), options) {
            for (s, v) in samples.iter_mut().zip(d).filter(|(_, v)| !v.is_nan()) {
                s.push(v);
            }
        }
    }
    let mut k = 0;
    samples.map(|mut s| {
        let at = full[k];
        k += 1;
        (!s.is_empty()).then(|| {
            let bias = s.iter().sum::<f64>() / s.len() as f64 - at;
            s.sort_by(f64::total_cmp);
            (
                (percentile(&s, 0.025) - bias).max(0.0),
                (percentile(&s, 0.975) - bias).max(0.0),
            )
        })
    })
}

/// Linear interpolation between order statistics of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let r = p * (sorted.len() - 1) as f64;
    let (k, f) = (r.floor() as usize, r - r.floor());
    sorted[k] + f * (sorted[(k + 1).min(sorted.len() - 1)] - sorted[k])
}

/// The data's own ceiling: the mean over `splits` random halvings of each condition's trials
/// of the five distances between the two halves' means. None without single trials, or with a
/// condition of fewer than two trials.
pub fn split_half_ceiling(
    recorded: &Recorded,
    splits: usize,
    options: &RecordingOptions,
) -> Option<[f64; 5]> {
    let (trials, labels) = recorded.trials.as_ref()?;
    let (t, _, m) = trials.dim();
    let conditions = recorded.means.dim().1;
    let own_trials = by_condition(labels, conditions);
    if own_trials.iter().any(|own| own.len() < 2) {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5EED);
    let mut sums = [0.0; 5];
    let mut counted = 0;
    for _ in 0..splits {
        let mut halves = [
            Array3::zeros((t, conditions, m)),
            Array3::zeros((t, conditions, m)),
        ];
        for (c, own) in own_trials.iter().enumerate() {
            let mut own = own.clone();
            own.shuffle(&mut rng);
            let half = own.len() / 2;
            for (h, part) in [&own[..half], &own[half..]].into_iter().enumerate() {
                halves[h]
                    .index_axis_mut(Axis(1), c)
                    .assign(&mean_of(trials.view(), part));
            }
        }
        if let Some(d) = distances_between(halves[0].view(), halves[1].view(), options) {
            for (s, v) in sums.iter_mut().zip(d) {
                *s += v;
            }
            counted += 1;
        }
    }
    (counted > 0).then(|| sums.map(|s| s / counted as f64))
}

/// `network` with `neurons` of its units, drawn without replacement (all if it has no more).
pub fn subsampled(network: ArrayView3<f64>, neurons: usize, seed: u64) -> Array3<f64> {
    let units = network.dim().2;
    let mut order: Vec<usize> = (0..units).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order.truncate(neurons.min(units));
    order.sort_unstable();
    network.select(Axis(2), &order)
}

/// Condition means of single trials (T, trials, M) with each trial's condition in
/// `0..conditions`: (T, conditions, M); None if a condition has no trial.
pub fn condition_means(
    trials: ArrayView3<f64>,
    labels: &[usize],
    conditions: usize,
) -> Option<Array3<f64>> {
    let (t, _, m) = trials.dim();
    let mut out = Array3::zeros((t, conditions, m));
    for (c, own) in by_condition(labels, conditions).iter().enumerate() {
        if own.is_empty() {
            return None;
        }
        out.index_axis_mut(Axis(1), c).assign(&mean_of(trials, own));
    }
    Some(out)
}

/// The Kruskal–Wallis H of `values` in `groups` (labels), ties given their mean rank, its
/// p-value against `permutations` shuffles of the labels (one-sided: H at least as large), and
/// the effect size ε² = H / (n − 1). None with fewer than two groups.
pub fn kruskal_wallis(
    values: &[f64],
    groups: &[usize],
    permutations: usize,
    seed: u64,
) -> Option<(f64, f64, f64)> {
    let n = values.len();
    let count = groups.iter().max().map_or(0, |&g| g + 1);
    let present = (0..count).filter(|g| groups.contains(g)).count();
    if present < 2 || n < 3 {
        return None;
    }
    // Mean ranks, 1-based.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut rank = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            rank[k] = mean;
        }
        i = j + 1;
    }
    let h_of = |labels: &[usize]| {
        let mut sums = vec![0.0; count];
        let mut sizes = vec![0usize; count];
        for (k, &g) in labels.iter().enumerate() {
            sums[g] += rank[k];
            sizes[g] += 1;
        }
        let nf = n as f64;
        let spread: f64 = sums
            .iter()
            .zip(&sizes)
            .filter(|(_, &s)| s > 0)
            .map(|(r, &s)| r * r / s as f64)
            .sum();
        12.0 / (nf * (nf + 1.0)) * spread - 3.0 * (nf + 1.0)
    };
    let h = h_of(groups);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shuffled = groups.to_vec();
    let mut at_least = 0;
    for _ in 0..permutations {
        shuffled.shuffle(&mut rng);
        if h_of(&shuffled) >= h - 1e-12 {
            at_least += 1;
        }
    }
    let p = (1 + at_least) as f64 / (1 + permutations) as f64;
    Some((h, p, h / (n as f64 - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kruskal_wallis_matches_the_formula_and_sees_separated_groups() {
        // Three groups of three, fully separated: ranks 1-3, 4-6, 7-9; H = 7.2.
        let values = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 20.0, 21.0, 22.0];
        let groups = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let (h, p, e) = kruskal_wallis(&values, &groups, 999, 1).unwrap();
        assert!((h - 7.2).abs() < 1e-12, "{h}");
        assert!(p < 0.01, "{p}");
        assert!((e - 0.9).abs() < 1e-12, "{e}");
        // Interleaved: rank sums 12, 15, 18, H = 12/90 · (144 + 225 + 324)/3 − 30 = 0.8.
        let mixed = [1.0, 10.0, 20.0, 2.0, 11.0, 21.0, 3.0, 12.0, 22.0];
        let (h, p, _) = kruskal_wallis(&mixed, &groups, 999, 1).unwrap();
        assert!((h - 0.8).abs() < 1e-12 && p > 0.5, "{h} {p}");
    }

    /// Trajectories (T = 20, C conditions, 6 units) of a fixed random linear system driven from
    /// each condition's own start, and a "recording" of them through a random map to 9
    /// "neurons" with noise.
    fn system(conditions: usize, seed: u64) -> (Array3<f64>, Array3<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a = Array2::from_shape_fn((6, 6), |(i, j)| {
            if i == j {
                0.9
            } else {
                rng.random_range(-0.15..0.15)
            }
        });
        let map = Array2::from_shape_fn((6, 9), |_| rng.random_range(-1.0..1.0));
        let mut net = Array3::zeros((20, conditions, 6));
        for c in 0..conditions {
            let mut h = ndarray::Array1::from_shape_fn(6, |_| rng.random_range(-1.0..1.0));
            for t in 0..20 {
                net.slice_mut(ndarray::s![t, c, ..]).assign(&h);
                h = ndarray::Array1::from_shape_fn(6, |i| (0..6).map(|j| a[[i, j]] * h[j]).sum());
            }
        }
        let mut rec = Array3::zeros((20, conditions, 9));
        for t in 0..20 {
            for c in 0..conditions {
                for m in 0..9 {
                    let y: f64 = (0..6).map(|u| net[[t, c, u]] * map[[u, m]]).sum();
                    rec[[t, c, m]] = y + rng.random_range(-0.05..0.05);
                }
            }
        }
        (net, rec)
    }

    #[test]
    fn the_bootstrap_interval_holds_the_full_data_distance() {
        let options = RecordingOptions {
            reduction: ReductionOptions {
                components: Some(4),
                ..ReductionOptions::default()
            },
            dsa: DsaOptions {
                components: 4,
                delays: 4,
                rank: 4,
                ..DsaOptions::default()
            },
            resamples: 200,
            seed: 3,
            metrics: [true; 5],
        };
        let (net, rec) = system(12, 1);
        let recorded = Recorded {
            means: rec.clone(),
            trials: None,
        };
        let full = distances_between(rec.view(), net.view(), &options).unwrap();
        let intervals = bootstrap(&recorded, net.view(), full, &options);
        let (low, high) = intervals[0].unwrap();
        assert!(
            low <= full[0] && full[0] <= high,
            "{low} {} {high}",
            full[0]
        );
    }

    #[test]
    fn condition_means_average_each_conditions_trials() {
        let trials = Array3::from_shape_fn((2, 4, 1), |(t, i, _)| (t * 10 + i) as f64);
        let means = condition_means(trials.view(), &[0, 1, 0, 1], 2).unwrap();
        assert_eq!(means[[0, 0, 0]], 1.0);
        assert_eq!(means[[1, 1, 0]], 12.0);
        assert!(condition_means(trials.view(), &[0, 0, 0, 0], 2).is_none());
    }
}
