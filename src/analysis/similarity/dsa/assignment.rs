//! The optimal assignment (Hungarian method with potentials, O(n³)): the matching of the
//! spectral DSA score.

/// The assignment of rows to columns minimising the total cost of a square `cost` matrix
/// (n × n, row-major): `(column of each row, total cost)`.
pub fn min_cost_assignment(cost: &[f64], n: usize) -> (Vec<usize>, f64) {
    assert_eq!(cost.len(), n * n, "a square cost matrix");
    // Potentials u (rows) and v (columns), 1-based with a virtual column 0 (the classic
    // formulation: each row enters through column 0 and a shortest augmenting path).
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut row_of = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut column = 0;
        let mut least = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[column] = true;
            let row = row_of[column];
            let mut delta = f64::INFINITY;
            let mut next = 0;
            for j in 1..=n {
                if !used[j] {
                    let reduced = cost[(row - 1) * n + (j - 1)] - u[row] - v[j];
                    if reduced < least[j] {
                        least[j] = reduced;
                        way[j] = column;
                    }
                    if least[j] < delta {
                        delta = least[j];
                        next = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    least[j] -= delta;
                }
            }
            column = next;
            if row_of[column] == 0 {
                break;
            }
        }
        loop {
            let previous = way[column];
            row_of[column] = row_of[previous];
            column = previous;
            if column == 0 {
                break;
            }
        }
    }
    let mut assigned = vec![0usize; n];
    for j in 1..=n {
        if row_of[j] > 0 {
            assigned[row_of[j] - 1] = j - 1;
        }
    }
    let total = (0..n).map(|i| cost[i * n + assigned[i]]).sum();
    (assigned, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Every permutation, for the reference.
    fn brute_force(cost: &[f64], n: usize) -> f64 {
        fn go(cost: &[f64], n: usize, row: usize, used: &mut Vec<bool>, acc: f64, best: &mut f64) {
            if row == n {
                *best = best.min(acc);
                return;
            }
            for j in 0..n {
                if !used[j] {
                    used[j] = true;
                    go(cost, n, row + 1, used, acc + cost[row * n + j], best);
                    used[j] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        go(cost, n, 0, &mut vec![false; n], 0.0, &mut best);
        best
    }

    #[test]
    fn matches_every_permutation_on_random_costs() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in 1..=7 {
            for _ in 0..20 {
                let cost: Vec<f64> = (0..n * n).map(|_| rng.random_range(-3.0..5.0)).collect();
                let (assigned, total) = min_cost_assignment(&cost, n);
                let mut seen = assigned.clone();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "a permutation");
                assert!((total - brute_force(&cost, n)).abs() < 1e-9);
            }
        }
    }
}
