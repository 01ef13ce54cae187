//! The network as a dynamical system for the analyses: F(h, x) on one f64 state, its readout,
//! and the Jacobians ∂F/∂h and ∂F/∂x.
//!
//! The Jacobians are exact, not numerical: the batch is S copies of (h, x) and the cell's own
//! backward step is run with the identity as ∂L/∂h', so row k of the result is eᵀ_k·∂F/∂h, i.e.
//! row k of the Jacobian. This reuses the hand-written, gradient-checked backward pass instead of
//! a second copy of the cell equations.

use faer::Accum;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::cell::{self, Backprop, GateFree, Step};
use super::matmul::{gemm, view, view_mut, Weights};
use super::params::Params;
use super::scalar::Scalar;
use super::sequence::{project_inputs, transpose_into};
use super::spec::NetSpec;
use super::thin;
use super::widening;

/// A trained network's update map in f64 (with an f32 copy for approximate Jacobians).
#[derive(Clone, Debug)]
pub struct CellMap {
    params: Params<f64>,
    params32: Params<f32>,
    /// The recurrent kernels transposed (see `Step::w_h_t`), made once: the fixed-point
    /// search asks for thousands of Jacobians of one map.
    w_h_t: Vec<f64>,
    w_h_t32: Vec<f32>,
    /// The readout kernel transposed, O×N, as [`thin::read_out`] reads it.
    w_out_t: Vec<f64>,
    /// The f64 steps of one state read W_h from its f32 copy (see `widening.rs`): the copy
    /// holds it exactly (an f32-trained network) and this CPU runs the widening product.
    narrow: bool,
}

/// One precision's parameters as the map's steps read them.
struct Precision<'a, T> {
    params: &'a Params<T>,
    w_h: Weights<'a, T>,
    w_h_t: &'a [T],
}

/// ∂F/∂h (S×S) and ∂F/∂x (S×I) at one (h, x).
#[derive(Clone, Debug, PartialEq)]
pub struct Jacobians {
    /// ∂F_i/∂h_j.
    pub state: Array2<f64>,
    /// ∂F_i/∂x_j.
    pub input: Array2<f64>,
}

impl CellMap {
    /// The map of a network (f32 parameters are widened exactly).
    pub fn new<T: Scalar>(params: &Params<T>) -> Self {
        let (params, params32): (Params<f64>, Params<f32>) = (params.cast(), params.cast());
        let w_out = params.block(params.layout().readout_kernel());
        let mut w_out_t = vec![0.0; w_out.len()];
        transpose_into(w_out, params.spec.outputs, &mut w_out_t);
        let kernel = params.layout().recurrent_kernel();
        let (wide, narrow) = (params.block(kernel.clone()), params32.block(kernel));
        let exact = wide.iter().zip(narrow).all(|(&w, &n)| w == f64::from(n));
        CellMap {
            w_out_t,
            w_h_t: transposed_recurrent_kernel(&params),
            w_h_t32: transposed_recurrent_kernel(&params32),
            narrow: exact && widening::available(),
            params,
            params32,
        }
    }

    /// The f64 parameters, W_h with its f32 copy where the widening product applies.
    fn exact(&self) -> Precision<'_, f64> {
        let kernel = self.params.layout().recurrent_kernel();
        let w_h = self.params.block(kernel.clone());
        Precision {
            params: &self.params,
            w_h: if self.narrow {
                Weights::with_f32_copy(w_h, self.params32.block(kernel))
            } else {
                Weights::new(w_h)
            },
            w_h_t: &self.w_h_t,
        }
    }

    /// The f32 parameters (for approximate Jacobians).
    fn approximate(&self) -> Precision<'_, f32> {
        let params = &self.params32;
        Precision {
            params,
            w_h: Weights::new(params.block(params.layout().recurrent_kernel())),
            w_h_t: &self.w_h_t32,
        }
    }

    /// The network's shape.
    pub fn spec(&self) -> NetSpec {
        self.params.spec
    }

    /// One step of `rows` states at once; returns (z, aux, next states).
    fn run(&self, h: &[f64], x: &[f64], rows: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        run(&self.exact(), h, x, rows)
    }

    fn check(&self, h: &ArrayView1<f64>, x: &ArrayView1<f64>) {
        let spec = self.params.spec;
        assert_eq!(h.len(), spec.state_dim(), "state has the wrong dimension");
        assert_eq!(x.len(), spec.inputs, "input has the wrong dimension");
    }

    /// F(h, x): the next state.
    pub fn step(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Array1<f64> {
        self.check(&h, &x);
        let (h, x) = (h.to_vec(), x.to_vec());
        Array1::from(self.run(&h, &x, 1).2)
    }

    /// The gate-free residual at (h, x) (see the cells) and the units shut gates hold: F(h, x)
    /// − h with the gates that can hold a unit divided out, on the units whose gates are open.
    /// It is small at a true fixed point, and large at a pseudo fixed point where a saturated
    /// gate makes F(h) ≈ h on some units while others are far from what they would settle to.
    pub fn gate_free(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> GateFree {
        self.check(&h, &x);
        let (h, x) = (h.to_vec(), x.to_vec());
        let (z, _, next) = self.run(&h, &x, 1);
        let spec = self.params.spec;
        cell::gate_free_residual(spec.arch, spec.units, &z, &h, &next)
    }

    /// The readout y = W_out·h + b_out of a state (the h part for an LSTM).
    pub fn readout(&self, h: ArrayView1<f64>) -> Array1<f64> {
        let bias = self.params.block(self.params.layout().readout_bias());
        let mut y = vec![0.0; bias.len()];
        let state = h.to_vec();
        thin::read_out(&state, state.len(), &self.w_out_t, bias, &mut y);
        Array1::from(y)
    }

    /// F at every row of `h` (one state per row), all at input `x`.
    pub fn step_rows(&self, h: ArrayView2<f64>, x: ArrayView1<f64>) -> Array2<f64> {
        let xs = x
            .broadcast((h.nrows(), x.len()))
            .expect("one input for every row");
        self.step_each(h, xs)
    }

    /// F at every row of `h` with the same row of `x`: a batch of trials one step on.
    pub fn step_each(&self, h: ArrayView2<f64>, x: ArrayView2<f64>) -> Array2<f64> {
        let rows = h.nrows();
        assert_eq!(x.nrows(), rows, "one input row per state row");
        let hs: Vec<f64> = h.iter().copied().collect();
        let xs: Vec<f64> = x.iter().copied().collect();
        let next = self.run(&hs, &xs, rows).2;
        Array2::from_shape_vec(h.raw_dim(), next).expect("rows×S")
    }

    /// Row r: cot[r]·∂F/∂h at (h[r], x), for every row at once (the gradient of a loss on
    /// F(h) with respect to h, batched).
    pub fn pullback_rows(
        &self,
        h: ArrayView2<f64>,
        x: ArrayView1<f64>,
        cot: ArrayView2<f64>,
    ) -> Array2<f64> {
        let rows = h.nrows();
        let hs: Vec<f64> = h.iter().copied().collect();
        let xs: Vec<f64> = (0..rows).flat_map(|_| x.iter().copied()).collect();
        let (mut z, mut aux, _) = self.run(&hs, &xs, rows);
        let cot: Vec<f64> = cot.iter().copied().collect();
        let dh = pull_back(&self.exact(), &hs, &mut z, &mut aux, &cot, rows);
        Array2::from_shape_vec(h.raw_dim(), dh).expect("rows×S")
    }

    /// ∂F/∂h and ∂F/∂x at (h, x).
    pub fn jacobians(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Jacobians {
        self.check(&h, &x);
        let spec = self.params.spec;
        let layout = self.params.layout();
        let (s, g, i) = (spec.state_dim(), spec.kernel_width(), spec.inputs);
        let (dh, z) = state_jacobian(&self.exact(), &h.to_vec(), &x.to_vec());
        let mut dx = vec![0.0; s * i];
        gemm(
            view_mut(&mut dx, s, i, i),
            Accum::Replace,
            view(&z, s, g, g),
            view(self.params.block(layout.input_kernel()), i, g, g).transpose(),
        );
        Jacobians {
            state: Array2::from_shape_vec((s, s), dh).expect("S×S"),
            input: Array2::from_shape_vec((s, i), dx).expect("S×I"),
        }
    }

    /// ∂F/∂h at (h, x), exact: [`CellMap::jacobians`]' state part, made without ∂F/∂x and, for
    /// the cells that allow it, with products of diagonal matrices done as row scalings.
    pub fn state_jacobian(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Array2<f64> {
        self.check(&h, &x);
        let s = self.params.spec.state_dim();
        let j = structured_state_jacobian(&self.exact(), &h.to_vec(), &x.to_vec());
        Array2::from_shape_vec((s, s), j).expect("S×S")
    }

    /// ∂F/∂h at (h, x) computed in f32, row-major S×S (the same equations at half the cost):
    /// relative error about 1e-6, good enough to steer Newton's method, whose residual stays
    /// f64.
    pub fn approximate_state_jacobian(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Vec<f32> {
        self.check(&h, &x);
        let (h32, x32): (Vec<f32>, Vec<f32>) = (
            h.iter().map(|&v| v as f32).collect(),
            x.iter().map(|&v| v as f32).collect(),
        );
        structured_state_jacobian(&self.approximate(), &h32, &x32)
    }
}

fn transposed_recurrent_kernel<T: Scalar>(params: &Params<T>) -> Vec<T> {
    let w_h = params.block(params.layout().recurrent_kernel());
    let mut w_h_t = vec![T::default(); w_h.len()];
    transpose_into(w_h, params.spec.kernel_width(), &mut w_h_t);
    w_h_t
}

/// One step of `rows` states at once under `p`; returns (z, aux, next states).
fn run<T: Scalar>(p: &Precision<T>, h: &[T], x: &[T], rows: usize) -> (Vec<T>, Vec<T>, Vec<T>) {
    let params = p.params;
    let spec = params.spec;
    let (s, n, g) = (spec.state_dim(), spec.units, spec.kernel_width());
    let mut z = vec![T::default(); rows * g];
    let mut aux = vec![T::default(); rows * n];
    let mut next = vec![T::default(); rows * s];
    project_inputs(params, x, &mut z);
    let step = Step {
        units: n,
        batch: rows,
        w_h: p.w_h,
        w_h_t: &[],
        b_h: params.block(params.layout().recurrent_bias()),
        h_prev: h,
        z: &mut z,
        aux: &mut aux,
    };
    cell::forward(spec.arch, spec.activation, step, &mut next);
    (z, aux, next)
}

/// The cell's backward step on `rows` rows of tape: row r of the result is cot[r]·∂F/∂h at
/// row r's (h, x), and `z` is left holding ∂L/∂z (for ∂F/∂x).
fn pull_back<T: Scalar>(
    p: &Precision<T>,
    hs: &[T],
    z: &mut [T],
    aux: &mut [T],
    cot: &[T],
    rows: usize,
) -> Vec<T> {
    let (params, spec) = (p.params, p.params.spec);
    let mut dh = vec![T::default(); rows * spec.state_dim()];
    let mut scratch = vec![T::default(); rows * spec.units];
    let step = Step {
        units: spec.units,
        batch: rows,
        w_h: p.w_h,
        w_h_t: p.w_h_t,
        b_h: params.block(params.layout().recurrent_bias()),
        h_prev: hs,
        z,
        aux,
    };
    let bp = Backprop {
        dh_next: cot,
        dh_prev: &mut dh,
        scratch: &mut scratch,
    };
    cell::backward(spec.arch, spec.activation, step, bp);
    dh
}

/// ∂F/∂h at one (h, x), row-major S×S: by the cell's structured Jacobian where it has one (its
/// products with diagonal matrices done as row scalings), else as [`state_jacobian`] makes it.
fn structured_state_jacobian<T: Scalar>(p: &Precision<T>, h: &[T], x: &[T]) -> Vec<T> {
    let (params, spec) = (p.params, p.params.spec);
    let (mut z, mut aux, _) = run(p, h, x, 1);
    let step = Step {
        units: spec.units,
        batch: 1,
        w_h: p.w_h,
        w_h_t: p.w_h_t,
        b_h: params.block(params.layout().recurrent_bias()),
        h_prev: h,
        z: &mut z,
        aux: &mut aux,
    };
    cell::structured_state_jacobian(spec.arch, spec.activation, step)
        .unwrap_or_else(|| identity_pull_back(p, h, &z, &aux).0)
}

/// ∂F/∂h at one (h, x), row-major S×S, and ∂L/∂z of its S rows (for ∂F/∂x): one forward step,
/// its tape tiled S times, then the backward step applied to the identity.
fn state_jacobian<T: Scalar>(p: &Precision<T>, h: &[T], x: &[T]) -> (Vec<T>, Vec<T>) {
    let (z1, aux1, _) = run(p, h, x, 1);
    identity_pull_back(p, h, &z1, &aux1)
}

/// [`state_jacobian`] from the tape (z, aux) of the forward step at h.
fn identity_pull_back<T: Scalar>(
    p: &Precision<T>,
    h: &[T],
    z1: &[T],
    aux1: &[T],
) -> (Vec<T>, Vec<T>) {
    let s = p.params.spec.state_dim();
    let (hs, mut z, mut aux) = (h.repeat(s), z1.repeat(s), aux1.repeat(s));
    let mut identity = vec![T::default(); s * s];
    for k in 0..s {
        identity[k * s + k] = T::of(1.0);
    }
    let dh = pull_back(p, &hs, &mut z, &mut aux, &identity, s);
    (dh, z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::spec::{Activation, Arch};
    use rand::SeedableRng;

    /// A map of f32-trained weights reads W_h from its f32 copy (where the CPU runs the widening
    /// product) and steps every cell to the same bits as the f64 product; a map of weights f32
    /// cannot hold keeps the f64 product.
    #[test]
    fn the_f32_copy_changes_no_bit_and_is_kept_only_when_exact() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for arch in Arch::ALL {
            let spec = NetSpec {
                arch,
                activation: Activation::Tanh,
                inputs: 3,
                units: 37,
                outputs: 2,
            };
            let trained = Params::<f32>::init(spec, &mut rng);
            let map = CellMap::new(&trained);
            assert_eq!(map.narrow, widening::available(), "{arch:?}");
            let s = spec.state_dim();
            let h: Vec<f64> = (0..s).map(|i| (i as f64 * 0.7).sin() * 0.9).collect();
            let x = [0.5, -1.0, 0.25];
            let wide = Precision {
                w_h: Weights::new(map.params.block(map.params.layout().recurrent_kernel())),
                ..map.exact()
            };
            let (want, got) = (run(&wide, &h, &x, 1), run(&map.exact(), &h, &x, 1));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.2), bits(&want.2), "{arch:?}: next state");
            assert_eq!(bits(&got.0), bits(&want.0), "{arch:?}: gates");

            let mut precise = Params::<f64>::init(spec, &mut rng);
            precise.data.iter_mut().for_each(|w| *w += 1e-12);
            assert!(
                !CellMap::new(&precise).narrow,
                "{arch:?}: an inexact copy was kept"
            );
        }
    }
}
