//! The network as a dynamical system for the analyses: F(h, x) on one f64 state, its readout,
//! and the Jacobians ∂F/∂h and ∂F/∂x.
//!
//! The Jacobians are exact, not numerical: the batch is S copies of (h, x) and the cell's own
//! backward step is run with the identity as ∂L/∂h', so row k of the result is eᵀ_k·∂F/∂h, i.e.
//! row k of the Jacobian. This reuses the hand-written, gradient-checked backward pass instead of
//! a second copy of the cell equations.

use faer::Accum;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::cell::{self, Backprop, Step};
use super::matmul::{gemm, view, view_mut};
use super::params::Params;
use super::sequence::project_inputs;
use super::spec::NetSpec;

/// A trained network's update map in f64.
#[derive(Clone, Debug)]
pub struct CellMap {
    params: Params<f64>,
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
    pub fn new<T: super::scalar::Scalar>(params: &Params<T>) -> Self {
        CellMap {
            params: params.cast(),
        }
    }

    /// The network's shape.
    pub fn spec(&self) -> NetSpec {
        self.params.spec
    }

    /// One step of `rows` states at once; returns (z, aux, next states).
    fn run(&self, h: &[f64], x: &[f64], rows: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let spec = self.params.spec;
        let (s, n, g) = (spec.state_dim(), spec.units, spec.kernel_width());
        let mut z = vec![0.0; rows * g];
        let mut aux = vec![0.0; rows * n];
        let mut next = vec![0.0; rows * s];
        project_inputs(&self.params, x, rows, &mut z);
        let step = Step {
            units: n,
            batch: rows,
            w_h: self.params.block(self.params.layout().recurrent_kernel()),
            h_prev: h,
            z: &mut z,
            aux: &mut aux,
        };
        cell::forward(spec.arch, spec.activation, step, &mut next);
        (z, aux, next)
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

    /// The readout y = W_out·h + b_out of a state (the h part for an LSTM).
    pub fn readout(&self, h: ArrayView1<f64>) -> Array1<f64> {
        let spec = self.params.spec;
        let layout = self.params.layout();
        let (n, o) = (spec.units, spec.outputs);
        let hh = h.to_vec();
        let mut y = self.params.block(layout.readout_bias()).to_vec();
        gemm(
            view_mut(&mut y, 1, o, o),
            Accum::Add,
            view(&hh[spec.state_dim() - n..], 1, n, n),
            view(self.params.block(layout.readout_kernel()), n, o, o),
        );
        Array1::from(y)
    }

    /// The cell's backward step on `rows` rows of tape: row r of the result is
    /// cot[r]·∂F/∂h at row r's (h, x), and `z` is left holding ∂L/∂z (for ∂F/∂x).
    fn pull_back(
        &self,
        hs: &[f64],
        z: &mut [f64],
        aux: &mut [f64],
        cot: &[f64],
        rows: usize,
    ) -> Vec<f64> {
        let spec = self.params.spec;
        let mut dh = vec![0.0; rows * spec.state_dim()];
        let mut scratch = vec![0.0; rows * spec.units];
        let step = Step {
            units: spec.units,
            batch: rows,
            w_h: self.params.block(self.params.layout().recurrent_kernel()),
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

    /// F at every row of `h` (one state per row), all at input `x`.
    pub fn step_rows(&self, h: ArrayView2<f64>, x: ArrayView1<f64>) -> Array2<f64> {
        let rows = h.nrows();
        let hs: Vec<f64> = h.iter().copied().collect();
        let xs: Vec<f64> = (0..rows).flat_map(|_| x.iter().copied()).collect();
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
        let dh = self.pull_back(&hs, &mut z, &mut aux, &cot, rows);
        Array2::from_shape_vec(h.raw_dim(), dh).expect("rows×S")
    }

    /// ∂F/∂h and ∂F/∂x at (h, x).
    pub fn jacobians(&self, h: ArrayView1<f64>, x: ArrayView1<f64>) -> Jacobians {
        self.check(&h, &x);
        let spec = self.params.spec;
        let layout = self.params.layout();
        let (s, g, i) = (spec.state_dim(), spec.kernel_width(), spec.inputs);
        // One forward step, its tape tiled S times: every row of the batch is the same (h, x).
        let h1 = h.to_vec();
        let (z1, aux1, _) = self.run(&h1, &x.to_vec(), 1);
        let tile = |v: &[f64]| -> Vec<f64> { (0..s).flat_map(|_| v.iter().copied()).collect() };
        let (hs, mut z, mut aux) = (tile(&h1), tile(&z1), tile(&aux1));
        let mut identity = vec![0.0; s * s];
        for k in 0..s {
            identity[k * s + k] = 1.0;
        }
        let dh = self.pull_back(&hs, &mut z, &mut aux, &identity, s);
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
}
