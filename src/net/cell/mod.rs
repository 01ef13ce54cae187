//! The cell equations, each written once, for a batch of B states at one time step.
//!
//! A step works on the kernel-wide buffer `z` (B×G): on entry to [`forward`] it holds the input
//! projection x·W_x + b of this step; the cell adds the recurrent product and replaces it by the
//! activated gates, which the backward pass reads and replaces by ∂L/∂(pre-activation). `aux` (B×N)
//! keeps what else the backward pass needs (GRU: r⊙h; PyTorch GRU: U_c h + b_hc; LSTM: f(c')). Training (f32, B = batch),
//! the analysis map F(h, x) (f64, B = 1) and its Jacobians (f64, B = state dim, one unit vector per
//! row through [`backward`]) all run these same functions.

mod gru;
mod gru_torch;
mod lstm;
mod ugrnn;
mod vanilla;

use super::matmul::Weights;
use super::nonlinearity::{dsigmoid_at_output, Nonlinearity, Relu, Tanh};
use super::scalar::Scalar;
use super::simd;
use super::spec::{Activation, Arch};

/// A gate shut this far (1 − g below it) holds its unit for more than 10³ steps, longer than
/// any trial of the tasks: the unit is *held*, a memory the gate keeps, not judged by the
/// gate-free relation.
pub const HELD_GATE: f64 = 1e-3;

/// The gate-free residual of one state and the units their gates hold.
pub struct GateFree {
    /// F(h) − h with the gates that can hold a unit divided out; 0 on held units.
    pub residual: Vec<f64>,
    /// Per state coordinate: its gate is shut (1 − g < [`HELD_GATE`]).
    pub held: Vec<bool>,
}

/// The gate-free residual of one state: what F(h) − h is once the gates that can hold a unit
/// still are divided out. `z` holds one step's activations (as [`forward`] leaves them), `state`
/// the state before it and `next` the state after.
///
/// A gated cell keeps a unit with its update gate: h'ᵢ = gᵢhᵢ + (1 − gᵢ)cᵢ (UGRNN, GRU), so
/// F(h) − h = (1 − g)⊙(c − h), which vanishes wherever the gate saturates (g → 1) whatever hᵢ
/// is. A true fixed point satisfies the gate-free relation h = c on every unit whose gate is
/// open; a unit whose gate is shut holds whatever value it has, and whether that value is one
/// the network really holds is a question of where it is (the visited region), not of c. The
/// LSTM's cell state is the analogue: c' − c = (1 − σ_f)⊙(c* − c) with c* = σ_i⊙f(j) / (1 − σ_f);
/// its h has no such gate. A vanilla cell has none, and its residual is F(h) − h.
pub(crate) fn gate_free_residual(
    arch: Arch,
    units: usize,
    z: &[f64],
    state: &[f64],
    next: &[f64],
) -> GateFree {
    let n = units;
    let open = |g: f64| 1.0 - g >= HELD_GATE;
    match arch {
        Arch::Vanilla => GateFree {
            residual: next.iter().zip(state).map(|(a, b)| a - b).collect(),
            held: vec![false; n],
        },
        // z = [g | c] (UGRNN), [r | u | c] (GRUs): the update gate is the block before the
        // candidate, the candidate the last.
        Arch::Ugrnn | Arch::Gru | Arch::GruTorch => {
            let (gate, c) = (&z[z.len() - 2 * n..z.len() - n], &z[z.len() - n..]);
            let held: Vec<bool> = gate.iter().map(|&g| !open(g)).collect();
            let residual = (0..n)
                .map(|i| if held[i] { 0.0 } else { c[i] - state[i] })
                .collect();
            GateFree { residual, held }
        }
        // z = [σ(i) | f(j) | σ(f + offset) | σ(o)], state = [c | h].
        Arch::Lstm | Arch::LstmTorch => {
            let (zi, zj, zf) = (&z[..n], &z[n..2 * n], &z[2 * n..3 * n]);
            let mut held: Vec<bool> = zf.iter().map(|&f| !open(f)).collect();
            let cell = (0..n).map(|k| {
                if held[k] {
                    0.0
                } else {
                    zi[k] * zj[k] / (1.0 - zf[k]) - state[k]
                }
            });
            let h = (n..2 * n).map(|k| next[k] - state[k]);
            let residual = cell.chain(h).collect();
            held.extend(std::iter::repeat_n(false, n));
            GateFree { residual, held }
        }
    }
}

/// The buffers of one step of a batch.
pub(crate) struct Step<'a, T> {
    /// Hidden units N.
    pub units: usize,
    /// Batch rows B.
    pub batch: usize,
    /// Recurrent kernel, N×G.
    pub w_h: Weights<'a, T>,
    /// The recurrent kernel transposed, G×N, for the backward product (empty going forward):
    /// laid out as that product reads it, so faer does not repack W_h at every step.
    pub w_h_t: &'a [T],
    /// The recurrent candidate bias b_hc, N ([`Arch::GruTorch`]; empty for the other cells).
    pub b_h: &'a [T],
    /// State before the step, B×S.
    pub h_prev: &'a [T],
    /// Pre-activations → activations (forward) → pre-activation gradients (backward), B×G.
    pub z: &'a mut [T],
    /// Extra tape, B×N.
    pub aux: &'a mut [T],
}

/// Runs one step forward: fills `z` with activations and `h_next` (B×S) with the new state.
pub(crate) fn forward<T: Scalar>(arch: Arch, act: Activation, step: Step<'_, T>, h_next: &mut [T]) {
    simd::dispatch(Forward {
        arch,
        act,
        step,
        h_next,
    })
}

/// [`forward`] as work for [`simd::dispatch`]: the elementwise loops are most of a step's
/// non-product time, and run on as many lanes as the CPU has.
struct Forward<'a, 'b, T> {
    arch: Arch,
    act: Activation,
    step: Step<'a, T>,
    h_next: &'b mut [T],
}

impl<T: Scalar> simd::Kernel for Forward<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        forward_portable(self.arch, self.act, self.step, self.h_next)
    }
}

#[inline(always)]
fn forward_portable<T: Scalar>(arch: Arch, act: Activation, step: Step<'_, T>, h_next: &mut [T]) {
    match act {
        Activation::Tanh => forward_with::<T, Tanh>(arch, step, h_next),
        Activation::Relu => forward_with::<T, Relu>(arch, step, h_next),
    }
}

#[inline(always)]
fn forward_with<T: Scalar, F: Nonlinearity>(arch: Arch, step: Step<'_, T>, h_next: &mut [T]) {
    match arch {
        Arch::Vanilla => vanilla::forward::<T, F>(step, h_next),
        Arch::Ugrnn => ugrnn::forward::<T, F>(step, h_next),
        Arch::Gru => gru::forward::<T, F>(step, h_next),
        Arch::GruTorch => gru_torch::forward::<T, F>(step, h_next),
        Arch::Lstm => lstm::forward::<T, F>(step, h_next, lstm::TENSORFLOW_FORGET_OFFSET),
        Arch::LstmTorch => lstm::forward::<T, F>(step, h_next, 0.0),
    }
}

/// ∂F/∂h at one state (row-major S×S, row k = e_kᵀ·∂F/∂h) from the tape of its forward step
/// (batch 1), for the cells whose identity-cotangent [`backward`] is mostly products with
/// diagonal matrices; None for the others, whose Jacobian [`backward`] makes as it is.
pub(crate) fn structured_state_jacobian<T: Scalar>(
    arch: Arch,
    act: Activation,
    step: Step<'_, T>,
) -> Option<Vec<T>> {
    if arch != Arch::Gru {
        return None;
    }
    let n = step.units;
    let (mut jacobian, mut scratch) = (vec![T::default(); n * n], vec![T::default(); n * n]);
    match act {
        Activation::Tanh => gru::state_jacobian::<T, Tanh>(step, &mut jacobian, &mut scratch),
        Activation::Relu => gru::state_jacobian::<T, Relu>(step, &mut jacobian, &mut scratch),
    }
    Some(jacobian)
}

/// The gradient buffers of one backward step.
pub(crate) struct Backprop<'a, T> {
    /// ∂L/∂h_next, B×S.
    pub dh_next: &'a [T],
    /// ∂L/∂h_prev (written), B×S.
    pub dh_prev: &'a mut [T],
    /// Workspace, B×N.
    pub scratch: &'a mut [T],
}

/// Runs one step backward: given ∂L/∂h_next and the tape left by [`forward`], replaces `z` by
/// ∂L/∂(pre-activation) and writes ∂L/∂h_prev.
pub(crate) fn backward<T: Scalar>(
    arch: Arch,
    act: Activation,
    step: Step<'_, T>,
    bp: Backprop<'_, T>,
) {
    simd::dispatch(Backward {
        arch,
        act,
        step,
        bp,
    })
}

/// [`backward`] as work for [`simd::dispatch`].
struct Backward<'a, T> {
    arch: Arch,
    act: Activation,
    step: Step<'a, T>,
    bp: Backprop<'a, T>,
}

impl<T: Scalar> simd::Kernel for Backward<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        backward_portable(self.arch, self.act, self.step, self.bp)
    }
}

#[inline(always)]
fn backward_portable<T: Scalar>(
    arch: Arch,
    act: Activation,
    step: Step<'_, T>,
    bp: Backprop<'_, T>,
) {
    match act {
        Activation::Tanh => backward_with::<T, Tanh>(arch, step, bp),
        Activation::Relu => backward_with::<T, Relu>(arch, step, bp),
    }
}

#[inline(always)]
fn backward_with<T: Scalar, F: Nonlinearity>(arch: Arch, step: Step<'_, T>, bp: Backprop<'_, T>) {
    match arch {
        Arch::Vanilla => vanilla::backward::<T, F>(step, bp.dh_next, bp.dh_prev),
        Arch::Ugrnn => ugrnn::backward::<T, F>(step, bp.dh_next, bp.dh_prev),
        Arch::Gru => gru::backward::<T, F>(step, bp.dh_next, bp.dh_prev, bp.scratch),
        Arch::GruTorch => gru_torch::backward::<T, F>(step, bp.dh_next, bp.dh_prev),
        Arch::Lstm | Arch::LstmTorch => lstm::backward::<T, F>(step, bp.dh_next, bp.dh_prev),
    }
}

/// c = f(z_c) and h' = u⊙h + (1−u)⊙c on one row (GRU's candidate and update gate; see
/// [`mix_backward`] for why a function of its own): `zc` is left holding c.
#[inline(always)]
pub(super) fn mix_forward<T: Scalar, F: Nonlinearity>(
    zc: &mut [T],
    zu: &[T],
    h: &[T],
    h_next: &mut [T],
) {
    let one = T::of(1.0);
    let n = zc.len();
    let (zu, h, h_next) = (&zu[..n], &h[..n], &mut h_next[..n]);
    for i in 0..n {
        let c = F::f(zc[i]);
        zc[i] = c;
        h_next[i] = zu[i] * h[i] + (one - zu[i]) * c;
    }
}

/// The backward step of h' = u⊙h + (1−u)⊙c (GRU's update gate, UGRNN's gate) on one row: `zu`
/// and `zc` hold u and c and are left holding their pre-activations' gradients, `dh_prev` gets
/// u⊙∂L/∂h'. The cells' per-row loops are functions of their own taking each row as a separate
/// reference: the compiler then knows the rows do not overlap and vectorises the loop in
/// whichever codegen unit it lands (inlined into the cell, with the rows cut from one buffer,
/// it kept several loops scalar once rnnlab was built in more than one unit).
#[inline(always)]
pub(super) fn mix_backward<T: Scalar, F: Nonlinearity>(
    zu: &mut [T],
    zc: &mut [T],
    h: &[T],
    dh_next: &[T],
    dh_prev: &mut [T],
) {
    let one = T::of(1.0);
    let n = zu.len();
    let (zc, h, dh_next, dh_prev) = (&mut zc[..n], &h[..n], &dh_next[..n], &mut dh_prev[..n]);
    for i in 0..n {
        let (u, c, dh) = (zu[i], zc[i], dh_next[i]);
        zu[i] = dh * (h[i] - c) * dsigmoid_at_output(u);
        zc[i] = dh * (one - u) * F::df_at_output(c);
        dh_prev[i] = dh * u;
    }
}
