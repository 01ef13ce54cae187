//! What a network is: its architecture, nonlinearity and sizes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The recurrent cells: the study's four (TensorFlow conventions, docs/SCIENCE.md) and the
/// variants PyTorch and Keras use, so that networks trained there can be imported and the same
/// cells trained here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arch {
    /// h' = f(W[x; h] + b)
    Vanilla,
    /// Update-gate RNN: h' = g⊙h + (1−g)⊙f(W_c[x; h] + b_c), g = σ(W_g[x; h] + b_g + 1)
    Ugrnn,
    /// Gated recurrent unit with the reset gate applied before the candidate's matmul.
    Gru,
    /// Long short-term memory; its state for analysis is [c; h].
    Lstm,
    /// PyTorch's GRU (also Keras's with `reset_after=True`): the reset gate multiplies the
    /// recurrent product, c = f(W_c x + b_c + r⊙(U_c h + b_hc)), and no bias is offset.
    GruTorch,
    /// PyTorch's and Keras's LSTM: as [`Arch::Lstm`] without the +1 on the forget gate.
    LstmTorch,
}

impl Arch {
    /// Every architecture: the study's four in the paper's order, then the framework variants.
    pub const ALL: [Arch; 6] = [
        Arch::Vanilla,
        Arch::Ugrnn,
        Arch::Gru,
        Arch::Lstm,
        Arch::GruTorch,
        Arch::LstmTorch,
    ];

    /// The study's four cells, in the paper's order.
    pub const STUDY: [Arch; 4] = [Arch::Vanilla, Arch::Ugrnn, Arch::Gru, Arch::Lstm];

    /// Number of N-wide column blocks in the kernel: the gates and the candidate.
    pub fn blocks(self) -> usize {
        match self {
            Arch::Vanilla => 1,
            Arch::Ugrnn => 2,
            Arch::Gru | Arch::GruTorch => 3,
            Arch::Lstm | Arch::LstmTorch => 4,
        }
    }

    /// The names of the kernel's column blocks, in storage order.
    pub fn block_names(self) -> &'static [&'static str] {
        match self {
            Arch::Vanilla => &["hidden"],
            Arch::Ugrnn => &["update", "candidate"],
            Arch::Gru | Arch::GruTorch => &["reset", "update", "candidate"],
            Arch::Lstm | Arch::LstmTorch => &["input", "candidate", "forget", "output"],
        }
    }

    /// Dimension of the state the dynamics act on: N, or 2N for the LSTM's [c; h].
    pub fn state_dim(self, units: usize) -> usize {
        match self {
            Arch::Lstm | Arch::LstmTorch => 2 * units,
            _ => units,
        }
    }

    /// Canonical lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Vanilla => "vanilla",
            Arch::Ugrnn => "ugrnn",
            Arch::Gru => "gru",
            Arch::Lstm => "lstm",
            Arch::GruTorch => "gru-torch",
            Arch::LstmTorch => "lstm-torch",
        }
    }

    /// The letter a network of this cell is drawn with on a map: the cell's initial, upper case
    /// for the framework variants.
    pub fn letter(self) -> char {
        match self {
            Arch::Vanilla => 'v',
            Arch::Ugrnn => 'u',
            Arch::Gru => 'g',
            Arch::Lstm => 'l',
            Arch::GruTorch => 'G',
            Arch::LstmTorch => 'L',
        }
    }

    /// True for the LSTM variants, whose state is [c; h].
    pub fn is_lstm(self) -> bool {
        matches!(self, Arch::Lstm | Arch::LstmTorch)
    }
}

/// The nonlinearity f on the non-gate path (gates always use the logistic σ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
}

impl Activation {
    /// Both activations.
    pub const ALL: [Activation; 2] = [Activation::Tanh, Activation::Relu];

    /// Canonical lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

/// A cell of the population: an architecture with its activation, shown `arch/activation`.
/// Groups sort by that name, as tables and reports list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Group {
    /// The cell.
    pub arch: Arch,
    /// Its nonlinearity.
    pub activation: Activation,
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Padded as a whole, so tables can align a group like any other name.
        f.pad(&format!("{}/{}", self.arch, self.activation))
    }
}

impl Group {
    /// The group of a network of `arch` with `activation`.
    pub fn new(arch: Arch, activation: Activation) -> Group {
        Group { arch, activation }
    }
}

impl Ord for Group {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.arch.name(), self.activation.name())
            .cmp(&(other.arch.name(), other.activation.name()))
    }
}

impl PartialOrd for Group {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Group {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The full description of a network's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NetSpec {
    /// Cell architecture.
    pub arch: Arch,
    /// Nonlinearity on the non-gate path.
    pub activation: Activation,
    /// Number of input channels.
    pub inputs: usize,
    /// Number of hidden units N.
    pub units: usize,
    /// Number of readout channels.
    pub outputs: usize,
}

impl NetSpec {
    /// The network shape a task implies for a cell: the task's inputs and outputs, `units` wide.
    pub fn for_task(
        task: &crate::task::Task,
        arch: Arch,
        activation: Activation,
        units: usize,
    ) -> NetSpec {
        let def = task.definition();
        NetSpec {
            arch,
            activation,
            inputs: def.inputs(),
            units,
            outputs: def.outputs(),
        }
    }

    /// Dimension of the dynamical state (N, or 2N for the LSTM).
    pub fn state_dim(&self) -> usize {
        self.arch.state_dim(self.units)
    }

    /// Width G of the kernel: blocks × N.
    pub fn kernel_width(&self) -> usize {
        self.arch.blocks() * self.units
    }
}

crate::named!(Arch, "architecture");
crate::named!(Activation, "activation");
