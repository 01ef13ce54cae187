//! GRU, PyTorch's variant (also Keras's with `reset_after=True`): r, u = σ(W_g[x; h] + b_g),
//! c = f(W_c x + b_c + r⊙(U_c h + b_hc)), h' = u⊙h + (1−u)⊙c. The reset gate multiplies the
//! recurrent product instead of h, so the candidate's recurrent part needs its own bias b_hc
//! (kept in `aux` for the backward pass). Kernel blocks: [r | u | c]; PyTorch's z is u.

use faer::Accum;

use super::Step;
use crate::net::matmul::{gemm, gemm_by, view, view_mut};
use crate::net::nonlinearity::{dsigmoid_at_output, Nonlinearity};
use crate::net::scalar::Scalar;

#[inline(always)]
pub(super) fn forward<T: Scalar, F: Nonlinearity>(s: Step<'_, T>, h_next: &mut [T]) {
    let (n, b, g) = (s.units, s.batch, 3 * s.units);
    gemm_by(
        view_mut(s.z, b, 2 * n, g),
        view(s.h_prev, b, n, n),
        s.w_h.view(n, 2 * n, g),
    );
    for row in s.aux.chunks_exact_mut(n) {
        row.copy_from_slice(s.b_h);
    }
    gemm_by(
        view_mut(s.aux, b, n, n),
        view(s.h_prev, b, n, n),
        s.w_h.columns_from(2 * n).view(n, n, g),
    );
    for (((z, h), recurrent), hn) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(s.aux.chunks_exact(n))
            .zip(h_next.chunks_exact_mut(n))
    {
        let (zr, rest) = z.split_at_mut(n);
        let (zu, zc) = rest.split_at_mut(n);
        zr.iter_mut().for_each(|v| *v = v.sigmoid());
        zu.iter_mut().for_each(|v| *v = v.sigmoid());
        reset_candidate(zc, zr, recurrent);
        super::mix_forward::<T, F>(zc, zu, h, hn);
    }
}

/// z_c + r⊙(U_c h + b_hc) on one row (see [`super::mix_backward`] for why a function of its own).
#[inline(always)]
fn reset_candidate<T: Scalar>(zc: &mut [T], zr: &[T], recurrent: &[T]) {
    let n = zc.len();
    let (zr, recurrent) = (&zr[..n], &recurrent[..n]);
    for i in 0..n {
        zc[i] += zr[i] * recurrent[i];
    }
}

/// Leaves ∂L/∂(U_c h + b_hc) in `aux`: the candidate's recurrent weights and b_hc take their
/// gradients from it, the input side from the candidate's pre-activation gradient in `z`.
#[inline(always)]
pub(super) fn backward<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    dh_next: &[T],
    dh_prev: &mut [T],
) {
    let (n, b, g) = (s.units, s.batch, 3 * s.units);
    for ((((z, h), recurrent), dhn), dhp) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(s.aux.chunks_exact_mut(n))
            .zip(dh_next.chunks_exact(n))
            .zip(dh_prev.chunks_exact_mut(n))
    {
        let (zr, rest) = z.split_at_mut(n);
        let (zu, zc) = rest.split_at_mut(n);
        super::mix_backward::<T, F>(zu, zc, h, dhn, dhp);
        reset_backward(zr, zc, recurrent);
    }
    gemm(
        view_mut(dh_prev, b, n, n),
        Accum::Add,
        view(s.z, b, 2 * n, g),
        view(s.w_h_t, 2 * n, n, n),
    );
    gemm(
        view_mut(dh_prev, b, n, n),
        Accum::Add,
        view(s.aux, b, n, n),
        view(&s.w_h_t[2 * n * n..], n, n, n),
    );
}

/// The reset gate's gradient on one row from the candidate's (`dc`, as [`super::mix_backward`]
/// leaves it); `recurrent` becomes ∂L/∂(U_c h + b_hc).
#[inline(always)]
fn reset_backward<T: Scalar>(zr: &mut [T], dc: &[T], recurrent: &mut [T]) {
    let n = zr.len();
    let (dc, recurrent) = (&dc[..n], &mut recurrent[..n]);
    for i in 0..n {
        let r = zr[i];
        zr[i] = dc[i] * recurrent[i] * dsigmoid_at_output(r);
        recurrent[i] = dc[i] * r;
    }
}
