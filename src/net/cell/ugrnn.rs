//! UGRNN: g = σ(W_g[x; h] + b_g + 1), c = f(W_c[x; h] + b_c), h' = g⊙h + (1−g)⊙c.
//! Kernel blocks: [update g | candidate c].

use faer::Accum;

use super::Step;
use crate::net::matmul::{gemm, gemm_by, view, view_mut};
use crate::net::nonlinearity::Nonlinearity;
use crate::net::scalar::Scalar;

#[inline(always)]
pub(super) fn forward<T: Scalar, F: Nonlinearity>(s: Step<'_, T>, h_next: &mut [T]) {
    let (n, b) = (s.units, s.batch);
    let one = T::of(1.0);
    gemm_by(
        view_mut(s.z, b, 2 * n, 2 * n),
        view(s.h_prev, b, n, n),
        s.w_h.view(n, 2 * n, 2 * n),
    );
    for ((z, h), hn) in
        s.z.chunks_exact_mut(2 * n)
            .zip(s.h_prev.chunks_exact(n))
            .zip(h_next.chunks_exact_mut(n))
    {
        let (zg, zc) = z.split_at_mut(n);
        for i in 0..n {
            let g = (zg[i] + one).sigmoid();
            let c = F::f(zc[i]);
            zg[i] = g;
            zc[i] = c;
            hn[i] = g * h[i] + (one - g) * c;
        }
    }
}

#[inline(always)]
pub(super) fn backward<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    dh_next: &[T],
    dh_prev: &mut [T],
) {
    let (n, b) = (s.units, s.batch);
    for (((z, h), dhn), dhp) in
        s.z.chunks_exact_mut(2 * n)
            .zip(s.h_prev.chunks_exact(n))
            .zip(dh_next.chunks_exact(n))
            .zip(dh_prev.chunks_exact_mut(n))
    {
        let (zg, zc) = z.split_at_mut(n);
        super::mix_backward::<T, F>(zg, zc, h, dhn, dhp);
    }
    gemm(
        view_mut(dh_prev, b, n, n),
        Accum::Add,
        view(s.z, b, 2 * n, 2 * n),
        view(s.w_h_t, 2 * n, n, n),
    );
}
