//! Vanilla RNN: h' = f(W[x; h] + b).

use faer::Accum;

use super::Step;
use crate::net::matmul::{gemm, gemm_by, view, view_mut};
use crate::net::nonlinearity::Nonlinearity;
use crate::net::scalar::Scalar;

#[inline(always)]
pub(super) fn forward<T: Scalar, F: Nonlinearity>(s: Step<'_, T>, h_next: &mut [T]) {
    let (n, b) = (s.units, s.batch);
    gemm_by(
        view_mut(s.z, b, n, n),
        view(s.h_prev, b, n, n),
        s.w_h.view(n, n, n),
    );
    for (z, h) in s.z.iter_mut().zip(h_next.iter_mut()) {
        *z = F::f(*z);
        *h = *z;
    }
}

#[inline(always)]
pub(super) fn backward<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    dh_next: &[T],
    dh_prev: &mut [T],
) {
    let (n, b) = (s.units, s.batch);
    for (z, &dh) in s.z.iter_mut().zip(dh_next) {
        *z = dh * F::df_at_output(*z);
    }
    gemm(
        view_mut(dh_prev, b, n, n),
        Accum::Replace,
        view(s.z, b, n, n),
        view(s.w_h_t, n, n, n),
    );
}
