//! How well a distance matrix separates labelled groups: the paper's contrast (architectures
//! cluster under CCA, not under topology) as numbers.

use ndarray::ArrayView2;

/// Mean silhouette of `labels` under distances `d` (in [−1, 1]; near 1: tight, separate
/// groups; near 0: mixed). Items alone in their group count 0, as usual. None with fewer than
/// two groups.
pub fn silhouette<L: PartialEq>(d: ArrayView2<f64>, labels: &[L]) -> Option<f64> {
    let n = labels.len();
    let groups: Vec<&L> = labels.iter().fold(Vec::new(), |mut g, l| {
        if !g.contains(&l) {
            g.push(l);
        }
        g
    });
    if groups.len() < 2 {
        return None;
    }
    let mean_to = |i: usize, g: &L| -> Option<f64> {
        let (sum, count) = (0..n)
            .filter(|&j| j != i && &labels[j] == g)
            .fold((0.0, 0), |(s, c), j| (s + d[[i, j]], c + 1));
        (count > 0).then(|| sum / count as f64)
    };
    let total: f64 = (0..n)
        .map(|i| {
            let Some(a) = mean_to(i, &labels[i]) else {
                return 0.0;
            };
            let b = groups
                .iter()
                .filter(|g| ***g != labels[i])
                .filter_map(|g| mean_to(i, g))
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

/// Leave-one-out accuracy of the `k`-nearest-neighbour vote (ties: the nearer neighbour's label)
/// at predicting each item's label from the others.
pub fn knn_accuracy<L: PartialEq>(d: ArrayView2<f64>, labels: &[L], k: usize) -> Option<f64> {
    let n = labels.len();
    if n < 2 || k == 0 {
        return None;
    }
    let correct = (0..n)
        .filter(|&i| {
            let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let order = |a: &usize, b: &usize| d[[i, *a]].total_cmp(&d[[i, *b]]).then(a.cmp(b));
            // The k nearest in O(n), then only they sorted (the whole row: O(n log n)).
            let k = k.min(others.len());
            if k < others.len() {
                others.select_nth_unstable_by(k - 1, order);
            }
            let near = &mut others[..k];
            near.sort_by(order);
            // Votes per label, in order of first (nearest) appearance.
            let mut votes: Vec<(&L, usize)> = Vec::new();
            for &j in near.iter() {
                match votes.iter_mut().find(|(l, _)| *l == &labels[j]) {
                    Some(v) => v.1 += 1,
                    None => votes.push((&labels[j], 1)),
                }
            }
            let best = votes.iter().map(|v| v.1).max().unwrap_or(0);
            votes
                .iter()
                .find(|v| v.1 == best)
                .is_some_and(|v| *v.0 == labels[i])
        })
        .count();
    Some(correct as f64 / n as f64)
}
