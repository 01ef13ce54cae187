//! GRU, TensorFlow's variant: r, u = σ(W_g[x; h] + b_g) (gate biases start at 1),
//! c = f(W_c[x; r⊙h] + b_c), h' = u⊙h + (1−u)⊙c. The reset gate acts *before* the candidate's
//! matmul, so the candidate needs a second product after the gates. Kernel blocks: [r | u | c].

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
    for ((z, h), rh) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(s.aux.chunks_exact_mut(n))
    {
        let gates = &mut z[..2 * n];
        for zi in gates.iter_mut() {
            *zi = zi.sigmoid();
        }
        for ((rhi, &r), &hi) in rh.iter_mut().zip(&gates[..n]).zip(h) {
            *rhi = r * hi;
        }
    }
    gemm_by(
        view_mut(&mut s.z[2 * n..], b, n, g),
        view(s.aux, b, n, n),
        s.w_h.columns_from(2 * n).view(n, n, g),
    );
    for ((z, h), hn) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(h_next.chunks_exact_mut(n))
    {
        let (zu, zc) = z[n..].split_at_mut(n);
        super::mix_forward::<T, F>(zc, zu, h, hn);
    }
}

#[inline(always)]
pub(super) fn backward<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    dh_next: &[T],
    dh_prev: &mut [T],
    d_rh: &mut [T],
) {
    let (n, b, g) = (s.units, s.batch, 3 * s.units);
    // Update gate and candidate first: the candidate's gradient feeds the reset gate.
    for (((z, h), dhn), dhp) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(dh_next.chunks_exact(n))
            .zip(dh_prev.chunks_exact_mut(n))
    {
        let (zu, zc) = z[n..].split_at_mut(n);
        super::mix_backward::<T, F>(zu, zc, h, dhn, dhp);
    }
    // ∂L/∂(r⊙h) = dc · W_hcᵀ
    gemm(
        view_mut(d_rh, b, n, n),
        Accum::Replace,
        view(&s.z[2 * n..], b, n, g),
        view(&s.w_h_t[2 * n * n..], n, n, n),
    );
    for (((z, h), drh), dhp) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(n))
            .zip(d_rh.chunks_exact(n))
            .zip(dh_prev.chunks_exact_mut(n))
    {
        reset_backward(&mut z[..n], h, drh, dhp);
    }
    gemm(
        view_mut(dh_prev, b, n, n),
        Accum::Add,
        view(s.z, b, 2 * n, g),
        view(s.w_h_t, 2 * n, n, n),
    );
}

/// The reset gate's gradient on one row, from ∂L/∂(r⊙h): a function of its own for the reason
/// [`super::mix_backward`] gives.
#[inline(always)]
fn reset_backward<T: Scalar>(zr: &mut [T], h: &[T], d_rh: &[T], dh_prev: &mut [T]) {
    let n = zr.len();
    let (h, d_rh, dh_prev) = (&h[..n], &d_rh[..n], &mut dh_prev[..n]);
    for i in 0..n {
        let r = zr[i];
        zr[i] = d_rh[i] * h[i] * dsigmoid_at_output(r);
        dh_prev[i] += d_rh[i] * r;
    }
}

/// ∂F/∂h at one state, row-major N×N (row k is e_kᵀ·∂F/∂h), from the tape `s` of its forward
/// step (batch 1): [`backward`] with the identity as ∂L/∂h', its products of diagonal matrices
/// done as row scalings. Only the reset gate's path, W_hc then W_hr, stays a full product: one
/// N³ product where the identity run through [`backward`] costs three.
pub(super) fn state_jacobian<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    jacobian: &mut [T],
    d_rh: &mut [T],
) {
    let n = s.units;
    let one = T::of(1.0);
    let (r, u, c) = (&s.z[..n], &s.z[n..2 * n], &s.z[2 * n..3 * n]);
    let h = &s.h_prev[..n];
    let (w_r_t, w_u_t, w_c_t) = (
        &s.w_h_t[..n * n],
        &s.w_h_t[n * n..2 * n * n],
        &s.w_h_t[2 * n * n..3 * n * n],
    );
    for k in 0..n {
        // Row k of backward's dz_u, dz_c and dh_prev each hold one entry, at k.
        let du = (h[k] - c[k]) * dsigmoid_at_output(u[k]);
        let dc = (one - u[k]) * F::df_at_output(c[k]);
        let row = k * n..(k + 1) * n;
        let (drh, jac) = (&mut d_rh[row.clone()], &mut jacobian[row.clone()]);
        for (i, (drh, jac)) in drh.iter_mut().zip(jac.iter_mut()).enumerate() {
            let d = dc * w_c_t[k * n + i];
            *jac = d * r[i] + du * w_u_t[k * n + i];
            // d_rh becomes dz_r, the reset gate's gradient, for the product below.
            *drh = d * h[i] * dsigmoid_at_output(r[i]);
        }
        jac[k] += u[k];
    }
    gemm(
        view_mut(jacobian, n, n, n),
        Accum::Add,
        view(d_rh, n, n, n),
        view(w_r_t, n, n, n),
    );
}
