//! How well a distance matrix separates labelled groups: the paper's contrast (architectures
//! cluster under CCA, not under topology) as numbers, each with its permutation null.
//!
//! Nothing here depends on the order of the items: neighbours tied at the k-th distance share
//! the remaining votes equally (on flip-flop every ideal cube is at topology distance 0 from
//! every other, so ties are the rule, and breaking them by index let the ids decide), and a
//! tied vote credits each tied label equally.

use ndarray::ArrayView2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Labels as small integers, in order of first appearance, and how many there are.
fn codes<L: PartialEq>(labels: &[L]) -> (Vec<usize>, usize) {
    let mut seen: Vec<&L> = Vec::new();
    let codes = labels
        .iter()
        .map(|l| match seen.iter().position(|s| *s == l) {
            Some(c) => c,
            None => {
                seen.push(l);
                seen.len() - 1
            }
        })
        .collect();
    (codes, seen.len())
}

/// Mean silhouette of `labels` under distances `d` (in [−1, 1]; near 1: tight, separate
/// groups; near 0: mixed). Items alone in their group count 0, as usual. None with fewer than
/// two groups.
pub fn silhouette<L: PartialEq>(d: ArrayView2<f64>, labels: &[L]) -> Option<f64> {
    let (codes, groups) = codes(labels);
    silhouette_of(d, &codes, groups)
}

fn silhouette_of(d: ArrayView2<f64>, codes: &[usize], groups: usize) -> Option<f64> {
    if groups < 2 {
        return None;
    }
    let n = codes.len();
    let mut size = vec![0usize; groups];
    for &c in codes {
        size[c] += 1;
    }
    let mut sums = vec![0.0; groups];
    let total: f64 = (0..n)
        .map(|i| {
            sums.iter_mut().for_each(|s| *s = 0.0);
            for j in (0..n).filter(|&j| j != i) {
                sums[codes[j]] += d[[i, j]];
            }
            let own = codes[i];
            if size[own] < 2 {
                return 0.0;
            }
            let a = sums[own] / (size[own] - 1) as f64;
            let b = (0..groups)
                .filter(|&g| g != own && size[g] > 0)
                .map(|g| sums[g] / size[g] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 {
                (b - a) / m
            } else {
                0.0
            }
        })
        .sum();
    Some(total / n as f64)
}

/// Each item's `k` nearest others with their vote weights: 1 for those nearer than the k-th
/// distance, and the remaining votes shared equally among all those at exactly that distance.
/// Labels do not enter, so a permutation test reuses it.
pub fn neighbours(d: ArrayView2<f64>, k: usize) -> Vec<Vec<(usize, f64)>> {
    let n = d.nrows();
    (0..n)
        .map(|i| {
            let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let k = k.min(others.len());
            if k == 0 {
                return Vec::new();
            }
            let order = |a: &usize, b: &usize| d[[i, *a]].total_cmp(&d[[i, *b]]);
            others.select_nth_unstable_by(k - 1, order);
            let radius = d[[i, others[k - 1]]];
            let nearer: Vec<usize> = others
                .iter()
                .copied()
                .filter(|&j| d[[i, j]].total_cmp(&radius).is_lt())
                .collect();
            let tied: Vec<usize> = others
                .iter()
                .copied()
                .filter(|&j| d[[i, j]].total_cmp(&radius).is_eq())
                .collect();
            let share = (k - nearer.len()) as f64 / tied.len() as f64;
            nearer
                .into_iter()
                .map(|j| (j, 1.0))
                .chain(tied.into_iter().map(|j| (j, share)))
                .collect()
        })
        .collect()
}

/// Each item's credit under the leave-one-out k-NN vote: 1 if its own label has the most
/// (weighted) votes, 1/L if it shares the most with L − 1 other labels, else 0.
fn credits_of(neighbours: &[Vec<(usize, f64)>], codes: &[usize], groups: usize) -> Vec<f64> {
    let mut votes = vec![0.0; groups];
    neighbours
        .iter()
        .enumerate()
        .map(|(i, near)| {
            votes.iter_mut().for_each(|v| *v = 0.0);
            for &(j, w) in near {
                votes[codes[j]] += w;
            }
            let best = votes.iter().copied().fold(0.0, f64::max);
            let top = |v: f64| (best - v).abs() <= 1e-9 * best.max(1.0);
            if best <= 0.0 || !top(votes[codes[i]]) {
                return 0.0;
            }
            1.0 / votes.iter().filter(|&&v| top(v)).count() as f64
        })
        .collect()
}

/// Each item's k-NN credit ([`knn_accuracy`] is their mean); None with fewer than 2 items.
pub fn knn_credits<L: PartialEq>(d: ArrayView2<f64>, labels: &[L], k: usize) -> Option<Vec<f64>> {
    if labels.len() < 2 || k == 0 {
        return None;
    }
    let (codes, groups) = codes(labels);
    Some(credits_of(&neighbours(d, k), &codes, groups))
}

/// Leave-one-out accuracy of the `k`-nearest-neighbour vote at predicting each item's label
/// from the others, with ties at the k-th distance and in the vote shared (see the module).
pub fn knn_accuracy<L: PartialEq>(d: ArrayView2<f64>, labels: &[L], k: usize) -> Option<f64> {
    let credits = knn_credits(d, labels, k)?;
    Some(credits.iter().sum::<f64>() / credits.len() as f64)
}

/// A separability score with its permutation null: the labels shuffled (group sizes kept)
/// `permutations` times.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Tested {
    /// The score.
    pub score: f64,
    /// Its mean under shuffled labels.
    pub null_mean: f64,
    /// (1 + shuffles scoring at least as high) / (1 + shuffles): one-sided.
    pub p: f64,
}

/// k-NN accuracy and silhouette of one labelling, each tested against its permutation null.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Separation {
    /// Leave-one-out k-NN accuracy.
    pub knn: Tested,
    /// Mean silhouette.
    pub silhouette: Tested,
    /// Shuffles drawn.
    pub permutations: usize,
}

/// Shuffles a permutation test draws for `n` items: `wanted`, fewer where each shuffle's
/// O(n²) silhouette would make the test slow (at least 200: p then resolves 0.005).
pub fn permutations_for(n: usize, wanted: usize) -> usize {
    let affordable = (2.0e9 / (n.max(1) as f64).powi(2)) as usize;
    wanted.min(affordable.max(200))
}

/// [`knn_accuracy`] and [`silhouette`] of `labels` under `d` with their permutation nulls, from
/// a generator seeded with `seed`. None with fewer than two groups or items.
pub fn separation<L: PartialEq>(
    d: ArrayView2<f64>,
    labels: &[L],
    k: usize,
    permutations: usize,
    seed: u64,
) -> Option<Separation> {
    let (codes, groups) = codes(labels);
    if groups < 2 || codes.len() < 2 || k == 0 {
        return None;
    }
    let near = neighbours(d, k);
    let knn = |c: &[usize]| credits_of(&near, c, groups).iter().sum::<f64>() / c.len() as f64;
    let (knn0, sil0) = (knn(&codes), silhouette_of(d, &codes, groups)?);
    let permutations = permutations_for(codes.len(), permutations);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shuffled = codes.clone();
    let (mut knn_sum, mut sil_sum, mut knn_above, mut sil_above) = (0.0, 0.0, 0usize, 0usize);
    for _ in 0..permutations {
        shuffled.shuffle(&mut rng);
        let (k, s) = (knn(&shuffled), silhouette_of(d, &shuffled, groups)?);
        knn_sum += k;
        sil_sum += s;
        knn_above += usize::from(k >= knn0 - 1e-12);
        sil_above += usize::from(s >= sil0 - 1e-12);
    }
    let b = permutations as f64;
    let tested = |score, sum: f64, above: usize| Tested {
        score,
        null_mean: sum / b.max(1.0),
        p: (1 + above) as f64 / (1.0 + b),
    };
    Some(Separation {
        knn: tested(knn0, knn_sum, knn_above),
        silhouette: tested(sil0, sil_sum, sil_above),
        permutations,
    })
}

/// One-sided paired test that `a` exceeds `b` on average (item by item, e.g. each network's
/// k-NN credit under two metrics): the differences' signs flipped at random `permutations`
/// times. Returns the mean difference and its p-value; None for no items.
pub fn paired_greater(a: &[f64], b: &[f64], permutations: usize, seed: u64) -> Option<(f64, f64)> {
    use rand::Rng;
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = diff.len() as f64;
    let observed = diff.iter().sum::<f64>() / n;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let above = (0..permutations)
        .filter(|_| {
            let m = diff
                .iter()
                .map(|&x| if rng.random_bool(0.5) { x } else { -x })
                .sum::<f64>()
                / n;
            m >= observed - 1e-12
        })
        .count();
    Some((observed, (1 + above) as f64 / (1 + permutations) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Items at positions on a line.
    fn line(x: &[f64]) -> Array2<f64> {
        Array2::from_shape_fn((x.len(), x.len()), |(i, j)| (x[i] - x[j]).abs())
    }

    #[test]
    fn tied_neighbours_share_the_vote_whatever_the_order() {
        // Item 0 sits at distance 0 from four others, two of each label: with k = 3 each gets
        // 3/4 of a vote, the labels tie, and item 0 gets half a credit.
        let d = line(&[0.0, 0.0, 0.0, 0.0, 0.0, 5.0]);
        let labels = ["a", "a", "b", "a", "b", "b"];
        let credits = knn_credits(d.view(), &labels, 3).unwrap();
        assert_eq!(credits[0], 0.5);
        // Any reordering of the items gives each item the same credit.
        let order = [3, 5, 0, 4, 1, 2];
        let permuted = Array2::from_shape_fn((6, 6), |(i, j)| d[[order[i], order[j]]]);
        let relabelled: Vec<&str> = order.iter().map(|&i| labels[i]).collect();
        let again = knn_credits(permuted.view(), &relabelled, 3).unwrap();
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(again[k], credits[i]);
        }
    }

    #[test]
    fn separated_groups_beat_their_null_and_mixed_ones_do_not() {
        let x: Vec<f64> = (0..24)
            .map(|i| (i / 6) as f64 * 10.0 + (i % 6) as f64 * 0.1)
            .collect();
        let d = line(&x);
        let grouped: Vec<usize> = (0..24).map(|i| i / 6).collect();
        let s = separation(d.view(), &grouped, 3, 1000, 1).unwrap();
        assert_eq!(s.knn.score, 1.0);
        assert!(s.knn.p < 0.01 && s.silhouette.p < 0.01, "{s:?}");
        assert!((s.knn.null_mean - 0.25).abs() < 0.1, "{s:?}");
        let mixed: Vec<usize> = (0..24).map(|i| i % 4).collect();
        let m = separation(d.view(), &mixed, 3, 1000, 1).unwrap();
        assert!(m.knn.p > 0.2 && m.silhouette.p > 0.2, "{m:?}");
    }

    #[test]
    fn the_paired_test_sees_a_consistent_difference_only() {
        let a = vec![1.0; 20];
        let b = vec![0.0; 20];
        let (mean, p) = paired_greater(&a, &b, 1000, 3).unwrap();
        assert_eq!(mean, 1.0);
        assert!(p < 0.01);
        let noise: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert!(paired_greater(&noise, &[0.0; 20], 1000, 3).unwrap().1 > 0.2);
    }
}
