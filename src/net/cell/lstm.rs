//! LSTM (TensorFlow's BasicLSTMCell): i, j, f, o = W[x; h] + b;
//! c' = c⊙σ(f + 1) + σ(i)⊙f(j); h' = f(c')⊙σ(o). State rows are [c | h] (2N); only h feeds
//! the kernel and the readout. Kernel blocks: [i | j | f | o]. PyTorch's and Keras's LSTM is the
//! same cell with no offset on the forget gate (their two biases add into one).

use faer::Accum;

use super::Step;
use crate::net::matmul::{gemm, gemm_by, view, view_mut};
use crate::net::nonlinearity::{dsigmoid_at_output, Nonlinearity};
use crate::net::scalar::Scalar;

/// The constant TensorFlow's BasicLSTMCell adds to the forget gate's pre-activation.
pub(super) const TENSORFLOW_FORGET_OFFSET: f64 = 1.0;

#[inline(always)]
pub(super) fn forward<T: Scalar, F: Nonlinearity>(
    s: Step<'_, T>,
    state_next: &mut [T],
    forget_offset: f64,
) {
    let (n, b, g) = (s.units, s.batch, 4 * s.units);
    let offset = T::of(forget_offset);
    // h is the strided half of each state row; a contiguous copy (in aux, which the loop below
    // overwrites) keeps the product on faer's fast path.
    for (h, prev) in s.aux.chunks_exact_mut(n).zip(s.h_prev.chunks_exact(2 * n)) {
        h.copy_from_slice(&prev[n..]);
    }
    gemm_by(
        view_mut(s.z, b, g, g),
        view(s.aux, b, n, n),
        s.w_h.view(n, g, g),
    );
    for (((z, prev), next), fc_out) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(2 * n))
            .zip(state_next.chunks_exact_mut(2 * n))
            .zip(s.aux.chunks_exact_mut(n))
    {
        let (zi, rest) = z.split_at_mut(n);
        let (zj, rest) = rest.split_at_mut(n);
        let (zf, zo) = rest.split_at_mut(n);
        // One simple pass per gate keeps every loop vectorisable.
        zi.iter_mut().for_each(|v| *v = v.sigmoid());
        zj.iter_mut().for_each(|v| *v = F::f(*v));
        zf.iter_mut().for_each(|v| *v = (*v + offset).sigmoid());
        zo.iter_mut().for_each(|v| *v = v.sigmoid());
        let (c_next, h_next) = next.split_at_mut(n);
        forward_row::<T, F>(zi, zj, zf, zo, &prev[..n], c_next, h_next, fc_out);
    }
}

/// c' = c⊙f + i⊙j, h' = f(c')⊙o on one row: a function of its own for the reason
/// [`super::mix_backward`] gives.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_row<T: Scalar, F: Nonlinearity>(
    zi: &[T],
    zj: &[T],
    zf: &[T],
    zo: &[T],
    c_prev: &[T],
    c_next: &mut [T],
    h_next: &mut [T],
    fc_out: &mut [T],
) {
    let n = fc_out.len();
    let (zi, zj, zf, zo, c_prev) = (&zi[..n], &zj[..n], &zf[..n], &zo[..n], &c_prev[..n]);
    let (c_next, h_next) = (&mut c_next[..n], &mut h_next[..n]);
    for k in 0..n {
        c_next[k] = c_prev[k] * zf[k] + zi[k] * zj[k];
    }
    for k in 0..n {
        let fc = F::f(c_next[k]);
        fc_out[k] = fc;
        h_next[k] = fc * zo[k];
    }
}

#[inline(always)]
pub(super) fn backward<T: Scalar, F: Nonlinearity>(s: Step<'_, T>, d_next: &[T], d_prev: &mut [T]) {
    let (n, b, g) = (s.units, s.batch, 4 * s.units);
    for ((((z, prev), dn), dp), fc_row) in
        s.z.chunks_exact_mut(g)
            .zip(s.h_prev.chunks_exact(2 * n))
            .zip(d_next.chunks_exact(2 * n))
            .zip(d_prev.chunks_exact_mut(2 * n))
            .zip(s.aux.chunks_exact(n))
    {
        let (zi, rest) = z.split_at_mut(n);
        let (zj, rest) = rest.split_at_mut(n);
        let (zf, zo) = rest.split_at_mut(n);
        let (dc_next, dh_next) = dn.split_at(n);
        backward_row::<T, F>(
            zi,
            zj,
            zf,
            zo,
            &mut dp[..n],
            &prev[..n],
            dc_next,
            dh_next,
            fc_row,
        );
    }
    gemm(
        view_mut(&mut d_prev[n..], b, n, 2 * n),
        Accum::Replace,
        view(s.z, b, g, g),
        view(s.w_h_t, g, n, n),
    );
}

/// One state row of [`backward`]. Its own function so that the gate blocks, which the caller
/// cuts from one buffer, reach the loop as separate `&mut` arguments: the compiler then knows
/// they do not overlap and vectorises the loop (inline, it kept it scalar). Only reference
/// arguments carry that promise, hence one argument per slice.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_row<T: Scalar, F: Nonlinearity>(
    zi: &mut [T],
    zj: &mut [T],
    zf: &mut [T],
    zo: &mut [T],
    dc_prev: &mut [T],
    c_prev: &[T],
    dc_next: &[T],
    dh_next: &[T],
    fc_row: &[T],
) {
    let n = fc_row.len();
    let (zi, zj, zf, zo) = (&mut zi[..n], &mut zj[..n], &mut zf[..n], &mut zo[..n]);
    let (c_prev, dc_next, dh_next, dc_prev) = (
        &c_prev[..n],
        &dc_next[..n],
        &dh_next[..n],
        &mut dc_prev[..n],
    );
    for k in 0..n {
        let (i, j, f, o, fc) = (zi[k], zj[k], zf[k], zo[k], fc_row[k]);
        let dh = dh_next[k];
        let dc = dc_next[k] + dh * o * F::df_at_output(fc);
        zi[k] = dc * j * dsigmoid_at_output(i);
        zj[k] = dc * i * F::df_at_output(j);
        zf[k] = dc * c_prev[k] * dsigmoid_at_output(f);
        zo[k] = dh * fc * dsigmoid_at_output(o);
        dc_prev[k] = dc * f;
    }
}
