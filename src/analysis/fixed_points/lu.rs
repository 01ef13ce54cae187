//! An LU factorisation with partial pivoting kept packed in one matrix (L's unit-diagonal
//! lower part below the diagonal, U on and above it), as LAPACK keeps it. faer's
//! `PartialPivLu` copies the factors out into two new matrices after factorising; a search
//! factorises thousands of Jacobians and keeps one per fixed point found, so here they stay
//! where they were computed: one S×S matrix per factorisation instead of three (the matrix, L
//! and U), the same factors to the bit.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::{factor, solve};
use faer::perm::Perm;
use faer::traits::ComplexField;
use faer::{Mat, MatMut, Par};

/// P·A = L·U of a square matrix A, packed.
pub(super) struct PackedLu<T: ComplexField> {
    lu: Mat<T>,
    permutation: Perm<usize>,
}

impl<T: ComplexField> PackedLu<T> {
    /// Factorises `a` in place (single-threaded: a search runs one network per core).
    pub(super) fn new(mut a: Mat<T>) -> Self {
        let n = a.nrows();
        assert_eq!(n, a.ncols(), "LU of a square matrix");
        let (mut forward, mut inverse) = (vec![0usize; n], vec![0usize; n]);
        let scratch = factor::lu_in_place_scratch::<usize, T>(n, n, Par::Seq, Default::default());
        factor::lu_in_place(
            a.as_mut(),
            &mut forward,
            &mut inverse,
            Par::Seq,
            MemStack::new(&mut MemBuffer::new(scratch)),
            Default::default(),
        );
        let permutation = Perm::new_checked(forward.into(), inverse.into(), n);
        PackedLu { lu: a, permutation }
    }

    /// Overwrites `rhs` with A⁻¹·rhs.
    pub(super) fn solve_in_place(&self, rhs: MatMut<'_, T>) {
        self.solve(rhs, false);
    }

    /// Overwrites `rhs` with A⁻ᵀ·rhs.
    pub(super) fn solve_transpose_in_place(&self, rhs: MatMut<'_, T>) {
        self.solve(rhs, true);
    }

    fn solve(&self, rhs: MatMut<'_, T>, transpose: bool) {
        let (n, k) = (self.lu.nrows(), rhs.ncols());
        let scratch = if transpose {
            solve::solve_transpose_in_place_scratch::<usize, T>(n, k, Par::Seq)
        } else {
            solve::solve_in_place_scratch::<usize, T>(n, k, Par::Seq)
        };
        let mut buffer = MemBuffer::new(scratch);
        let stack = MemStack::new(&mut buffer);
        let (lu, permutation) = (self.lu.as_ref(), self.permutation.as_ref());
        if transpose {
            solve::solve_transpose_in_place(lu, lu, permutation, rhs, Par::Seq, stack);
        } else {
            solve::solve_in_place(lu, lu, permutation, rhs, Par::Seq, stack);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random matrix whose diagonal is tiny, so that every column needs a row exchange.
    fn matrix(n: usize) -> Mat<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        Mat::from_fn(n, n, |i, j| {
            if i == j {
                1e-6
            } else {
                rng.random_range(-1.0..1.0)
            }
        })
    }

    #[test]
    fn solves_against_the_matrix_and_its_transpose() {
        for n in [1, 2, 17, 70] {
            let a = matrix(n);
            let lu = PackedLu::new(a.clone());
            let b = Mat::from_fn(n, 2, |i, j| (i + 3 * j) as f64 - 4.0);
            let mut x = b.clone();
            lu.solve_in_place(x.as_mut());
            let mut y = b.clone();
            lu.solve_transpose_in_place(y.as_mut());
            let scale = b.norm_max();
            assert!((&a * &x - &b).norm_max() < 1e-9 * scale, "n = {n}: A x = b");
            assert!(
                (a.transpose() * &y - &b).norm_max() < 1e-9 * scale,
                "n = {n}: Aᵀ y = b"
            );
        }
    }

    #[test]
    fn matches_faer_s_own_factorisation() {
        // 300: past faer's recursion and block sizes, as a search's Jacobians are.
        for n in [40, 300] {
            let a = matrix(n);
            let b = Mat::from_fn(n, 1, |i, _| (i as f64).sin());
            let mut x = b.clone();
            PackedLu::new(a.clone()).solve_in_place(x.as_mut());
            let reference = faer::linalg::solvers::Solve::solve(&a.partial_piv_lu(), &b);
            assert!(
                x == reference,
                "n = {n}: the same factors, so the same solution to the bit"
            );
        }
    }
}
