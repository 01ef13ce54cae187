//! A network's parameters: one contiguous buffer with named views.
//!
//! Layout, all row-major (TensorFlow's `[x; h] → gates` convention):
//! `kernel` (I+N)×G, `bias` G, `recurrent_bias` (N for [`Arch::GruTorch`], else empty),
//! `readout_kernel` N×O, `readout_bias` O, where G = blocks·N and the kernel's column blocks are
//! the gates and candidate named by [`Arch::block_names`]. The first I rows of the kernel act on
//! the input, the next N on the recurrent h. Gradients use the same layout, so optimisers see one
//! flat vector.

use std::ops::Range;

use rand::Rng;
use rand_distr::{Distribution, Uniform};

use super::scalar::Scalar;
use super::spec::{Arch, NetSpec};

/// Offsets of the named blocks inside the flat buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    spec: NetSpec,
}

impl Layout {
    /// The layout of a network of this shape.
    pub fn new(spec: NetSpec) -> Self {
        Layout { spec }
    }
    fn kernel_len(&self) -> usize {
        (self.spec.inputs + self.spec.units) * self.spec.kernel_width()
    }
    /// The whole `[x; h]` kernel, (I+N)×G.
    pub fn kernel(&self) -> Range<usize> {
        0..self.kernel_len()
    }
    /// The rows of the kernel acting on the input, I×G.
    pub fn input_kernel(&self) -> Range<usize> {
        0..self.spec.inputs * self.spec.kernel_width()
    }
    /// The rows of the kernel acting on h, N×G.
    pub fn recurrent_kernel(&self) -> Range<usize> {
        self.input_kernel().end..self.kernel_len()
    }
    /// The cell bias, G.
    pub fn bias(&self) -> Range<usize> {
        let start = self.kernel_len();
        start..start + self.spec.kernel_width()
    }
    /// The bias inside the reset gate's product, U_c h + b_hc, N wide: only the PyTorch GRU
    /// has one (its other biases add to the input side's and live in [`Layout::bias`]).
    pub fn recurrent_bias(&self) -> Range<usize> {
        let start = self.bias().end;
        let len = match self.spec.arch {
            Arch::GruTorch => self.spec.units,
            _ => 0,
        };
        start..start + len
    }
    /// The readout kernel, N×O.
    pub fn readout_kernel(&self) -> Range<usize> {
        let start = self.recurrent_bias().end;
        start..start + self.spec.units * self.spec.outputs
    }
    /// The readout bias, O.
    pub fn readout_bias(&self) -> Range<usize> {
        let start = self.readout_kernel().end;
        start..start + self.spec.outputs
    }
    /// Total number of parameters.
    pub fn len(&self) -> usize {
        self.readout_bias().end
    }
    /// True only for a network with no parameters (never for a valid spec).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The blocks L2 regularisation applies to: the kernels, not the biases.
    pub fn kernels(&self) -> [Range<usize>; 2] {
        [self.kernel(), self.readout_kernel()]
    }
    /// Every named block with its name and shape (rows, cols), for reports and gradient checks.
    pub fn named_blocks(&self) -> Vec<(&'static str, Range<usize>, (usize, usize))> {
        let s = &self.spec;
        let g = s.kernel_width();
        let mut blocks = vec![
            ("input_kernel", self.input_kernel(), (s.inputs, g)),
            ("recurrent_kernel", self.recurrent_kernel(), (s.units, g)),
            ("bias", self.bias(), (1, g)),
        ];
        if !self.recurrent_bias().is_empty() {
            blocks.push(("recurrent_bias", self.recurrent_bias(), (1, s.units)));
        }
        blocks.extend([
            (
                "readout_kernel",
                self.readout_kernel(),
                (s.units, s.outputs),
            ),
            ("readout_bias", self.readout_bias(), (1, s.outputs)),
        ]);
        blocks
    }
}

/// The parameters of one network in precision `T`.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<T> {
    /// The network's shape.
    pub spec: NetSpec,
    /// All parameters, laid out as [`Layout`] says.
    pub data: Vec<T>,
}

impl<T: Scalar> Params<T> {
    /// All-zero parameters.
    pub fn zeros(spec: NetSpec) -> Self {
        Params {
            spec,
            data: vec![T::of(0.0); Layout::new(spec).len()],
        }
    }

    /// Glorot-uniform kernels (per N-wide column block, as TensorFlow initialises each gate),
    /// zero biases except the TensorFlow GRU's gate biases, which start at 1 (docs/SCIENCE.md).
    /// The framework variants start with every bias at zero.
    pub fn init(spec: NetSpec, rng: &mut impl Rng) -> Self {
        let mut p = Self::zeros(spec);
        let layout = p.layout();
        let (i, n, o, g) = (spec.inputs, spec.units, spec.outputs, spec.kernel_width());
        let glorot = |fan_in: usize, fan_out: usize| {
            let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
            Uniform::new_inclusive(-limit, limit).expect("finite Glorot limit")
        };
        let cell = glorot(i + n, n);
        for w in &mut p.data[layout.kernel()] {
            *w = T::of(cell.sample(rng));
        }
        let readout = glorot(n, o);
        for w in &mut p.data[layout.readout_kernel()] {
            *w = T::of(readout.sample(rng));
        }
        if spec.arch == Arch::Gru {
            let b = layout.bias().start;
            p.data[b..b + 2 * n].fill(T::of(1.0));
        }
        debug_assert_eq!(layout.bias().len(), g);
        p
    }

    /// The layout of this network's buffer.
    pub fn layout(&self) -> Layout {
        Layout::new(self.spec)
    }

    /// A named block as a slice.
    pub fn block(&self, range: Range<usize>) -> &[T] {
        &self.data[range]
    }

    /// Converts to another precision (f32 training → f64 analysis).
    pub fn cast<U: Scalar>(&self) -> Params<U> {
        Params {
            spec: self.spec,
            data: self.data.iter().map(|&x| U::of(x.to_f64())).collect(),
        }
    }
}
