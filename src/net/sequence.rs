//! Batched forward over T steps and backpropagation through time.
//!
//! Time-major buffers: row t·B + b of an input, output or state matrix is trial b at step t, so
//! the recurrent kernel's gradient is one product over all T·B rows after the loop. Inside the
//! loop: h·W_h and its transpose, and the thin products with the task's few inputs and outputs
//! (the input projection, the readout and their gradients, see [`super::thin`]), which run on
//! each step's rows while they are in cache.

use faer::Accum;

use super::cell::{self, Backprop, Step};
use super::matmul::{gemm, view, view_mut, Weights};
use super::params::Params;
use super::scalar::Scalar;
use super::spec::{Arch, NetSpec};
use super::thin;

/// Everything the forward pass keeps for the backward pass; reused across iterations so the
/// training loop allocates nothing.
#[derive(Clone, Debug)]
pub struct Tape<T> {
    spec: NetSpec,
    batch: usize,
    steps: usize,
    /// States h_0..h_T, (T+1)·B×S; h_0 = 0.
    pub(crate) states: Vec<T>,
    /// Per-step gate buffers, T·B×G (see [`cell`]).
    z: Vec<T>,
    /// Per-step extra tape, T·B×N.
    aux: Vec<T>,
    /// Readout y_1..y_T, T·B×O.
    pub(crate) outputs: Vec<T>,
    /// The readout kernel transposed, O×N (its rows are what each output dots h with).
    w_out_t: Vec<T>,
    /// The recurrent kernel transposed, G×N (see [`Step::w_h_t`]).
    w_h_t: Vec<T>,
    // Backward workspace.
    dy: Vec<T>,
    d_w_out_t: Vec<T>,
    dh_next: Vec<T>,
    dh_prev: Vec<T>,
    scratch: Vec<T>,
}

impl<T: Scalar> Tape<T> {
    /// Buffers for `batch` trials of `steps` steps of a network shaped `spec`.
    pub fn new(spec: NetSpec, batch: usize, steps: usize) -> Self {
        let mut tape = Tape {
            spec,
            batch,
            steps: 0,
            states: Vec::new(),
            z: Vec::new(),
            aux: Vec::new(),
            outputs: Vec::new(),
            w_out_t: vec![T::of(0.0); spec.outputs * spec.units],
            w_h_t: vec![T::of(0.0); spec.units * spec.kernel_width()],
            dy: Vec::new(),
            d_w_out_t: vec![T::of(0.0); spec.outputs * spec.units],
            dh_next: Vec::new(),
            dh_prev: Vec::new(),
            scratch: Vec::new(),
        };
        tape.set_steps(steps);
        tape
    }

    /// Resizes the buffers for trials of `steps` steps (a training curriculum changes T).
    /// Shrinking keeps the allocations, so returning to a length seen before allocates nothing.
    pub fn set_steps(&mut self, steps: usize) {
        let spec = self.spec;
        let (s, n, g, o) = (
            spec.state_dim(),
            spec.units,
            spec.kernel_width(),
            spec.outputs,
        );
        let (b, rows) = (self.batch, steps * self.batch);
        let zero = T::of(0.0);
        self.steps = steps;
        self.states.resize((steps + 1) * b * s, zero);
        self.z.resize(rows * g, zero);
        self.aux.resize(rows * n, zero);
        self.outputs.resize(rows * o, zero);
        self.dy.resize(rows * o, zero);
        self.dh_next.resize(b * s, zero);
        self.dh_prev.resize(b * s, zero);
        self.scratch.resize(b * n, zero);
    }

    /// The readout of the last forward pass, T·B×O, time-major.
    pub fn outputs(&self) -> &[T] {
        &self.outputs
    }
    /// The network shape the tape is for.
    pub fn spec(&self) -> NetSpec {
        self.spec
    }

    /// The states h_1..h_T of the last forward pass, T·B×S, time-major.
    pub fn states(&self) -> &[T] {
        &self.states[self.batch * self.spec.state_dim()..]
    }
}

/// z[r] = b + x[r]·W_x for every row r of `x` (rows×I): the input side of the cell.
pub(crate) fn project_inputs<T: Scalar>(params: &Params<T>, x: &[T], z: &mut [T]) {
    let layout = params.layout();
    thin::project(
        x,
        params.block(layout.input_kernel()),
        params.block(layout.bias()),
        z,
    );
}

/// `t` (C×R) = `w` (R×C, `cols` = C) transposed.
pub(crate) fn transpose_into<T: Scalar>(w: &[T], cols: usize, t: &mut [T]) {
    let rows = w.len() / cols;
    for (r, row) in w.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            t[c * rows + r] = v;
        }
    }
}

/// Runs the network on `inputs` (T·B×I, time-major) from h_0 = 0, filling the tape.
pub fn forward<T: Scalar>(params: &Params<T>, inputs: &[T], tape: &mut Tape<T>) {
    let spec = params.spec;
    assert_eq!(spec, tape.spec, "tape was built for another network");
    let (b, steps) = (tape.batch, tape.steps);
    let (s, n, g, o, i) = (
        spec.state_dim(),
        spec.units,
        spec.kernel_width(),
        spec.outputs,
        spec.inputs,
    );
    let layout = params.layout();
    assert_eq!(inputs.len(), steps * b * i, "inputs must be T·B×I");

    tape.states[..b * s].fill(T::of(0.0));
    transpose_into(params.block(layout.readout_kernel()), o, &mut tape.w_out_t);
    let w_h = params.block(layout.recurrent_kernel());
    let b_h = params.block(layout.recurrent_bias());
    let readout_bias = params.block(layout.readout_bias());
    super::profile::recurrence(|| {
        for t in 0..steps {
            let z = &mut tape.z[t * b * g..(t + 1) * b * g];
            project_inputs(params, &inputs[t * b * i..(t + 1) * b * i], z);
            let (before, after) = tape.states.split_at_mut((t + 1) * b * s);
            let step = Step {
                units: n,
                batch: b,
                w_h: Weights::new(w_h),
                w_h_t: &[],
                b_h,
                h_prev: &before[t * b * s..],
                z,
                aux: &mut tape.aux[t * b * n..(t + 1) * b * n],
            };
            let h_next = &mut after[..b * s];
            cell::forward(spec.arch, spec.activation, step, h_next);
            let y = &mut tape.outputs[t * b * o..(t + 1) * b * o];
            thin::read_out(h_next, s, &tape.w_out_t, readout_bias, y);
        }
    });
}

/// Mean squared error of the last forward pass against `targets` (T·B×O), over all steps,
/// trials and outputs, accumulated in f64; with a `mask` (T·B×O), each squared error is
/// weighted by it and the sum divided by the mask's (a mask of all zeros scores nothing: 0).
pub fn mse<T: Scalar>(tape: &Tape<T>, targets: &[T], mask: Option<&[T]>) -> f64 {
    assert_eq!(targets.len(), tape.outputs.len(), "targets must be T·B×O");
    if let Some(mask) = mask {
        assert_eq!(mask.len(), targets.len(), "the mask must be T·B×O");
        let (sum, weight) = tape.outputs.iter().zip(targets).zip(mask).fold(
            (0.0, 0.0),
            |(sum, weight), ((&y, &t), &m)| {
                let (e, m) = ((y - t).to_f64(), m.to_f64());
                (sum + m * e * e, weight + m)
            },
        );
        return if weight > 0.0 { sum / weight } else { 0.0 };
    }
    let sum: f64 = tape
        .outputs
        .iter()
        .zip(targets)
        .map(|(&y, &t)| {
            let e = (y - t).to_f64();
            e * e
        })
        .sum();
    sum / targets.len() as f64
}

/// Backpropagation through time of the (masked) MSE loss of the last [`forward`] on
/// `inputs`; writes ∂MSE/∂θ into `grad` (same layout as the parameters) and returns the MSE.
pub fn backward<T: Scalar>(
    params: &Params<T>,
    inputs: &[T],
    targets: &[T],
    mask: Option<&[T]>,
    tape: &mut Tape<T>,
    grad: &mut [T],
) -> f64 {
    let spec = params.spec;
    let layout = params.layout();
    let (b, steps) = (tape.batch, tape.steps);
    let (s, n, g, o, i) = (
        spec.state_dim(),
        spec.units,
        spec.kernel_width(),
        spec.outputs,
        spec.inputs,
    );
    let rows = steps * b;
    assert_eq!(
        grad.len(),
        layout.len(),
        "gradient buffer has the wrong length"
    );
    let loss = mse(tape, targets, mask);

    // Readout: dy = 2(y − target)/count (masked: 2·m·(y − target)/Σm); its weight gradients
    // and ∂L/∂h in one product each.
    match mask {
        None => {
            let scale = T::of(2.0 / targets.len() as f64);
            for ((d, &y), &t) in tape.dy.iter_mut().zip(&tape.outputs).zip(targets) {
                *d = scale * (y - t);
            }
        }
        Some(mask) => {
            let weight: f64 = mask.iter().map(|m| m.to_f64()).sum();
            let scale = T::of(if weight > 0.0 { 2.0 / weight } else { 0.0 });
            for (((d, &y), &t), &m) in tape.dy.iter_mut().zip(&tape.outputs).zip(targets).zip(mask)
            {
                *d = scale * m * (y - t);
            }
        }
    }
    column_sums(&tape.dy, o, &mut grad[layout.readout_bias()]);

    // The recurrence, backwards, with the thin products of each step: the readout's gradients
    // before the cell's step, the input kernel's and the bias's after it.
    let w_h = params.block(layout.recurrent_kernel());
    let b_h = params.block(layout.recurrent_bias());
    let (before_bias, from_bias) = grad.split_at_mut(layout.bias().start);
    let d_w_x = &mut before_bias[layout.input_kernel()];
    let d_bias = &mut from_bias[..g];
    d_w_x.fill(T::of(0.0));
    d_bias.fill(T::of(0.0));
    transpose_into(w_h, g, &mut tape.w_h_t);
    tape.d_w_out_t.fill(T::of(0.0));
    tape.dh_next.fill(T::of(0.0));
    super::profile::recurrence(|| {
        for t in (0..steps).rev() {
            thin::read_out_backward(
                &tape.dy[t * b * o..(t + 1) * b * o],
                &tape.w_out_t,
                &tape.states[(t + 1) * b * s..(t + 2) * b * s],
                s,
                &mut tape.dh_next,
                &mut tape.d_w_out_t,
            );
            let step = Step {
                units: n,
                batch: b,
                w_h: Weights::new(w_h),
                w_h_t: &tape.w_h_t,
                b_h,
                h_prev: &tape.states[t * b * s..(t + 1) * b * s],
                z: &mut tape.z[t * b * g..(t + 1) * b * g],
                aux: &mut tape.aux[t * b * n..(t + 1) * b * n],
            };
            let bp = Backprop {
                dh_next: &tape.dh_next,
                dh_prev: &mut tape.dh_prev,
                scratch: &mut tape.scratch,
            };
            cell::backward(spec.arch, spec.activation, step, bp);
            let dz = &tape.z[t * b * g..(t + 1) * b * g];
            thin::project_backward(&inputs[t * b * i..(t + 1) * b * i], dz, d_w_x, d_bias);
            std::mem::swap(&mut tape.dh_next, &mut tape.dh_prev);
        }
    });
    transpose_into(&tape.d_w_out_t, n, &mut grad[layout.readout_kernel()]);

    // The recurrent kernel's gradient over all stacked steps: tape.z now holds ∂L/∂z.
    let dz = view(&tape.z, rows, g, g);
    let h_prev_all = view(&tape.states[s - n..], rows, n, s);
    let recurrent = &mut grad[layout.recurrent_kernel()];
    match spec.arch {
        // The GRU candidate sees r⊙h (kept in aux), not h; PyTorch's sees h through the reset
        // gate, and its recurrent gradient (∂L/∂(U_c h + b_hc)) is in aux.
        Arch::Gru | Arch::GruTorch => {
            gemm(
                view_mut(recurrent, n, 2 * n, g),
                Accum::Replace,
                h_prev_all.transpose(),
                view(&tape.z, rows, 2 * n, g),
            );
            let (seen, gradient) = if spec.arch == Arch::Gru {
                (
                    view(&tape.aux, rows, n, n),
                    view(&tape.z[2 * n..], rows, n, g),
                )
            } else {
                (h_prev_all, view(&tape.aux, rows, n, n))
            };
            gemm(
                view_mut(&mut recurrent[2 * n..], n, n, g),
                Accum::Replace,
                seen.transpose(),
                gradient,
            );
            if spec.arch == Arch::GruTorch {
                column_sums(&tape.aux, n, &mut grad[layout.recurrent_bias()]);
            }
        }
        _ => gemm(
            view_mut(recurrent, n, g, g),
            Accum::Replace,
            h_prev_all.transpose(),
            dz,
        ),
    }
    loss
}

fn column_sums<T: Scalar>(m: &[T], cols: usize, out: &mut [T]) {
    out.fill(T::of(0.0));
    for row in m.chunks_exact(cols) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// Floating-point operations in the matrix products of one training iteration (forward and
/// BPTT) on `batch` trials of `steps` steps: what the benchmark's GFLOP/s counts.
pub fn matmul_flops_per_iteration(spec: NetSpec, batch: usize, steps: usize) -> f64 {
    let (i, n, o, g) = (
        spec.inputs as f64,
        spec.units as f64,
        spec.outputs as f64,
        spec.kernel_width() as f64,
    );
    let rows = (batch * steps) as f64;
    // Forward: input projection, recurrence, readout.
    let forward = (i + n) * g + n * o;
    // Backward: readout weights and ∂L/∂h, ∂L/∂h through the recurrence, kernel weights.
    let backward = 2.0 * n * o + g * n + (i + n) * g;
    2.0 * rows * (forward + backward)
}
