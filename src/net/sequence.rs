//! Batched forward over T steps and backpropagation through time.
//!
//! Time-major buffers: row t·B + b of an input, output or state matrix is trial b at step t, so
//! the work that does not depend on the recurrence is done in one product over all T·B rows:
//! the input projection before the loop, the readout after it, and in the backward pass the
//! readout gradient and every weight gradient. Only h·W_h and its transpose stay inside the loop.

use faer::Accum;

use super::cell::{self, Backprop, Step};
use super::matmul::{gemm, view, view_mut};
use super::params::Params;
use super::scalar::Scalar;
use super::spec::{Arch, NetSpec};

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
    // Backward workspace.
    dy: Vec<T>,
    dh_readout: Vec<T>,
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
            dy: Vec::new(),
            dh_readout: Vec::new(),
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
        self.dh_readout.resize(rows * n, zero);
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

/// z[r] = b + x[r]·W_x for every row r of `x` (rows×I): the input side of the cell, for all
/// steps at once.
pub(crate) fn project_inputs<T: Scalar>(params: &Params<T>, x: &[T], rows: usize, z: &mut [T]) {
    let (spec, layout) = (params.spec, params.layout());
    let (i, g) = (spec.inputs, spec.kernel_width());
    let bias = params.block(layout.bias());
    for row in z[..rows * g].chunks_exact_mut(g) {
        row.copy_from_slice(bias);
    }
    gemm(
        view_mut(z, rows, g, g),
        Accum::Add,
        view(x, rows, i, i),
        view(params.block(layout.input_kernel()), i, g, g),
    );
}

/// Runs the network on `inputs` (T·B×I, time-major) from h_0 = 0, filling the tape.
pub fn forward<T: Scalar>(params: &Params<T>, inputs: &[T], tape: &mut Tape<T>) {
    let spec = params.spec;
    assert_eq!(spec, tape.spec, "tape was built for another network");
    let (b, steps) = (tape.batch, tape.steps);
    let (s, n, g, o) = (
        spec.state_dim(),
        spec.units,
        spec.kernel_width(),
        spec.outputs,
    );
    let layout = params.layout();
    assert_eq!(
        inputs.len(),
        steps * b * spec.inputs,
        "inputs must be T·B×I"
    );

    project_inputs(params, inputs, steps * b, &mut tape.z);
    tape.states[..b * s].fill(T::of(0.0));
    let w_h = params.block(layout.recurrent_kernel());
    let b_h = params.block(layout.recurrent_bias());
    super::profile::recurrence(|| {
        for t in 0..steps {
            let (before, after) = tape.states.split_at_mut((t + 1) * b * s);
            let step = Step {
                units: n,
                batch: b,
                w_h,
                b_h,
                h_prev: &before[t * b * s..],
                z: &mut tape.z[t * b * g..(t + 1) * b * g],
                aux: &mut tape.aux[t * b * n..(t + 1) * b * n],
            };
            cell::forward(spec.arch, spec.activation, step, &mut after[..b * s]);
        }
    });

    let readout_bias = params.block(layout.readout_bias());
    for row in tape.outputs.chunks_exact_mut(o) {
        row.copy_from_slice(readout_bias);
    }
    gemm(
        view_mut(&mut tape.outputs, steps * b, o, o),
        Accum::Add,
        view(&tape.states[b * s + (s - n)..], steps * b, n, s),
        view(params.block(layout.readout_kernel()), n, o, o),
    );
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
    let h_all = view(&tape.states[b * s + (s - n)..], rows, n, s);
    gemm(
        view_mut(&mut grad[layout.readout_kernel()], n, o, o),
        Accum::Replace,
        h_all.transpose(),
        view(&tape.dy, rows, o, o),
    );
    column_sums(&tape.dy, o, &mut grad[layout.readout_bias()]);
    gemm(
        view_mut(&mut tape.dh_readout, rows, n, n),
        Accum::Replace,
        view(&tape.dy, rows, o, o),
        view(params.block(layout.readout_kernel()), n, o, o).transpose(),
    );

    // The recurrence, backwards.
    let w_h = params.block(layout.recurrent_kernel());
    let b_h = params.block(layout.recurrent_bias());
    tape.dh_next.fill(T::of(0.0));
    super::profile::recurrence(|| {
        for t in (0..steps).rev() {
            for (dh_row, dr_row) in tape
                .dh_next
                .chunks_exact_mut(s)
                .zip(tape.dh_readout[t * b * n..(t + 1) * b * n].chunks_exact(n))
            {
                for (d, &r) in dh_row[s - n..].iter_mut().zip(dr_row) {
                    *d += r;
                }
            }
            let step = Step {
                units: n,
                batch: b,
                w_h,
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
            std::mem::swap(&mut tape.dh_next, &mut tape.dh_prev);
        }
    });

    // Weight gradients over all stacked steps: tape.z now holds ∂L/∂(pre-activation).
    let dz = view(&tape.z, rows, g, g);
    gemm(
        view_mut(&mut grad[layout.input_kernel()], i, g, g),
        Accum::Replace,
        view(inputs, rows, i, i).transpose(),
        dz,
    );
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
    column_sums(&tape.z, g, &mut grad[layout.bias()]);
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
