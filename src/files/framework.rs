//! PyTorch's and Keras's names and layouts for a one-layer RNN and its linear readout, turned
//! into rnnlab's parameters (docs/SCIENCE.md, "Networks trained elsewhere").
//!
//! | framework | cell | arrays | gate order | rnnlab cell |
//! |---|---|---|---|---|
//! | PyTorch | `nn.RNN` | `weight_ih_l0` G×I, `weight_hh_l0` G×N, `bias_ih_l0`, `bias_hh_l0` | — | vanilla |
//! | PyTorch | `nn.GRU` | as above | r, z, n | gru-torch |
//! | PyTorch | `nn.LSTM` | as above | i, f, g, o | lstm-torch |
//! | Keras | `SimpleRNN` | `kernel` I×G, `recurrent_kernel` N×G, `bias` G | — | vanilla |
//! | Keras | `GRU`, `reset_after=True` | as above, `bias` 2×G (input; recurrent) | z, r, h | gru-torch |
//! | Keras | `GRU`, `reset_after=False` | as above, `bias` G | z, r, h | gru |
//! | Keras | `LSTM` | as above | i, f, c, o | lstm-torch |
//!
//! The readout is a PyTorch `nn.Linear` (`weight` O×N, `bias` O) or a Keras `Dense` (`kernel`
//! N×O, `bias` O). Biases that only add (both of PyTorch's, outside the GRU's reset product)
//! are summed into rnnlab's one bias.

use std::str::FromStr;

use crate::files::arrays::{Array, Arrays};
use crate::net::{Activation, Arch, NetSpec, Params};
use crate::task::Task;

/// The frameworks whose parameter names rnnlab reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    /// PyTorch `state_dict()` names.
    Torch,
    /// Keras layer weight names.
    Keras,
}

impl Framework {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Torch => "torch",
            Framework::Keras => "keras",
        }
    }
}

impl FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "torch" | "pytorch" => Ok(Framework::Torch),
            "keras" | "tensorflow" | "tf" => Ok(Framework::Keras),
            _ => Err(format!(
                "unknown framework '{s}' (expected one of: torch, keras)"
            )),
        }
    }
}

/// How to read a file's arrays.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The framework; found from the names when None.
    pub framework: Option<Framework>,
    /// Prefix of the recurrent layer's arrays (`rnn.`, `gru/gru_cell/`); found when None.
    pub prefix: Option<String>,
    /// Prefix of the readout's arrays (`readout.`, `dense/`); found when None.
    pub readout_prefix: Option<String>,
    /// The nonlinearity, which no weight file records (PyTorch's GRU and LSTM are tanh only).
    pub activation: Option<Activation>,
}

/// A network read from a framework's arrays.
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    /// The framework it followed.
    pub framework: Framework,
    /// The recurrent layer's prefix.
    pub prefix: String,
    /// The readout's prefix.
    pub readout_prefix: String,
    /// Its parameters in rnnlab's layout.
    pub params: Params<f64>,
}

const SUPPORTED: &str = "rnnlab imports one-layer, unidirectional RNN, GRU or LSTM layers \
                         with a linear readout";

/// Reads a one-layer RNN and its readout from `arrays` and checks its sizes against `task`.
pub fn convert(arrays: &Arrays, task: &Task, options: &ReadOptions) -> Result<Converted, String> {
    let framework = match options.framework {
        Some(f) => f,
        None if arrays.keys().any(|k| k.ends_with("weight_hh_l0")) => Framework::Torch,
        None if arrays.keys().any(|k| k.ends_with("recurrent_kernel")) => Framework::Keras,
        None => {
            return Err(format!(
                "no recurrent layer found: expected PyTorch names (weight_ih_l0, weight_hh_l0, \
                 bias_ih_l0, bias_hh_l0) or Keras names (kernel, recurrent_kernel, bias); the \
                 file has {}",
                listed(arrays.keys())
            ))
        }
    };
    let converted = match framework {
        Framework::Torch => torch(arrays, options)?,
        Framework::Keras => keras(arrays, options)?,
    };
    check_sizes(&converted, task)?;
    Ok(converted)
}

fn listed<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    let shown = names.iter().take(8).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 8 {
        format!("{shown}, … ({} arrays)", names.len())
    } else {
        shown
    }
}

/// The one prefix under which `suffix` names an array, or the given one.
fn layer_prefix(arrays: &Arrays, suffix: &str, given: Option<&str>) -> Result<String, String> {
    if let Some(p) = given {
        let key = format!("{p}{suffix}");
        return if arrays.contains_key(&key) {
            Ok(p.to_string())
        } else {
            Err(format!(
                "--prefix {p}: no array {key}; the file has {}",
                listed(arrays.keys())
            ))
        };
    }
    let prefixes: Vec<&str> = arrays
        .keys()
        .filter_map(|k| k.strip_suffix(suffix))
        .collect();
    match prefixes.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(format!(
            "no array named *{suffix}; the file has {}",
            listed(arrays.keys())
        )),
        many => Err(format!(
            "{} recurrent layers ({}): {SUPPORTED}",
            many.len(),
            many.iter()
                .map(|p| format!("{p}{suffix}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn get<'a>(arrays: &'a Arrays, name: &str) -> Result<&'a Array, String> {
    arrays
        .get(name)
        .ok_or_else(|| format!("missing array {name}"))
}

fn matrix<'a>(arrays: &'a Arrays, name: &str) -> Result<(usize, usize, &'a Array), String> {
    let a = get(arrays, name)?;
    match a.shape.as_slice() {
        [r, c] => Ok((*r, *c, a)),
        s => Err(format!("{name} has shape {s:?}; expected a matrix")),
    }
}

fn vector<'a>(arrays: &'a Arrays, name: &str, len: usize) -> Result<Option<&'a Array>, String> {
    match arrays.get(name) {
        None => Ok(None),
        Some(a) if a.shape == [len] => Ok(Some(a)),
        Some(a) => Err(format!("{name} has shape {:?}; expected [{len}]", a.shape)),
    }
}

/// Refuses the first of `arrays` (those present) with a NaN or infinite value.
fn all_finite(arrays: &[(String, Option<&Array>)]) -> Result<(), String> {
    match arrays
        .iter()
        .find(|(_, a)| a.is_some_and(|a| a.data.iter().any(|v| !v.is_finite())))
    {
        Some((name, _)) => Err(format!("{name} holds NaN or infinite values")),
        None => Ok(()),
    }
}

/// Checks that an input and a recurrent matrix (`g_in` and `g` gate columns, `n` units) are the
/// weights of one layer of whole blocks.
fn one_layer(
    input: (&str, &Array),
    recurrent: (&str, &Array),
    n: usize,
    g: usize,
    g_in: usize,
) -> Result<(), String> {
    if n == 0 || g % n != 0 || g_in != g {
        return Err(format!(
            "{} has shape {:?} and {} has shape {:?}: not the weights of one RNN layer",
            input.0, input.1.shape, recurrent.0, recurrent.1.shape
        ));
    }
    Ok(())
}

/// The readout under `prefix`: its `suffix` matrix, O×N (`units_first`: N×O, as Keras keeps
/// it), and its bias (zeros if absent).
fn read_readout(
    arrays: &Arrays,
    prefix: &str,
    suffix: &str,
    units_first: bool,
) -> Result<Readout, String> {
    let name = format!("{prefix}{suffix}");
    let (rows, cols, w) = matrix(arrays, &name)?;
    let (o, n) = if units_first {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let bias_name = format!("{prefix}bias");
    let bias = vector(arrays, &bias_name, o)?;
    all_finite(&[(name, Some(w)), (bias_name, bias)])?;
    let weights = if units_first {
        (0..o)
            .flat_map(|c| (0..n).map(move |j| w.data[j * o + c]))
            .collect()
    } else {
        w.data.clone()
    };
    Ok(Readout {
        weights,
        bias: bias.map_or_else(|| vec![0.0; o], |b| b.data.clone()),
        outputs: o,
    })
}

/// rnnlab's block for each of the framework's gate blocks.
fn block_order(arch: Arch, framework: Framework) -> &'static [usize] {
    match (arch, framework) {
        (Arch::Vanilla, _) => &[0],
        // PyTorch r, z, n → [r | u | c].
        (Arch::GruTorch, Framework::Torch) => &[0, 1, 2],
        // Keras z, r, h → [r | u | c].
        (Arch::Gru | Arch::GruTorch, Framework::Keras) => &[1, 0, 2],
        // i, f, g (c), o → [i | j | f | o].
        _ => &[0, 2, 1, 3],
    }
}

/// The pieces of a recurrent layer, in the framework's gate order, each as a function of
/// (row of the framework's matrix or vector, column).
struct Layer<'a> {
    arch: Arch,
    inputs: usize,
    units: usize,
    /// (input i, framework column k) → weight.
    input_kernel: Box<dyn Fn(usize, usize) -> f64 + 'a>,
    /// (unit j, framework column k) → weight.
    recurrent_kernel: Box<dyn Fn(usize, usize) -> f64 + 'a>,
    /// Input-side bias per framework column.
    input_bias: Vec<f64>,
    /// Recurrent-side bias per framework column.
    recurrent_bias: Vec<f64>,
}

/// A readout as O×N weights (row o, unit j) and O biases.
struct Readout {
    weights: Vec<f64>,
    bias: Vec<f64>,
    outputs: usize,
}

fn assemble(
    framework: Framework,
    layer: Layer<'_>,
    readout: Readout,
    activation: Activation,
) -> Params<f64> {
    let (i, n, o) = (layer.inputs, layer.units, readout.outputs);
    let spec = NetSpec {
        arch: layer.arch,
        activation,
        inputs: i,
        units: n,
        outputs: o,
    };
    let mut p = Params::<f64>::zeros(spec);
    let layout = p.layout();
    let g = spec.kernel_width();
    let order = block_order(layer.arch, framework);
    let kernel = layout.kernel().start;
    let bias = layout.bias().start;
    for (fw_block, &ours) in order.iter().enumerate() {
        for k in 0..n {
            let (col, fw) = (ours * n + k, fw_block * n + k);
            for r in 0..i {
                p.data[kernel + r * g + col] = (layer.input_kernel)(r, fw);
            }
            for j in 0..n {
                p.data[kernel + (i + j) * g + col] = (layer.recurrent_kernel)(j, fw);
            }
            let candidate = ours == 2 && layer.arch == Arch::GruTorch;
            if candidate {
                // The recurrent bias sits inside the reset gate's product.
                p.data[bias + col] = layer.input_bias[fw];
                p.data[layout.recurrent_bias().start + k] = layer.recurrent_bias[fw];
            } else {
                p.data[bias + col] = layer.input_bias[fw] + layer.recurrent_bias[fw];
            }
        }
    }
    let rk = layout.readout_kernel().start;
    for j in 0..n {
        for c in 0..o {
            p.data[rk + j * o + c] = readout.weights[c * n + j];
        }
    }
    let rb = layout.readout_bias();
    p.data[rb].copy_from_slice(&readout.bias);
    p
}

fn arch_of(blocks: usize, name: &str, shape: &[usize]) -> Result<Arch, String> {
    match blocks {
        1 => Ok(Arch::Vanilla),
        3 => Ok(Arch::GruTorch),
        4 => Ok(Arch::LstmTorch),
        _ => Err(format!(
            "{name} has shape {shape:?}: not 1, 3 or 4 blocks of the hidden size ({SUPPORTED})"
        )),
    }
}

fn torch(arrays: &Arrays, options: &ReadOptions) -> Result<Converted, String> {
    let prefix = layer_prefix(arrays, "weight_hh_l0", options.prefix.as_deref())?;
    let name = |s: &str| format!("{prefix}{s}");
    for (suffix, what) in [
        (
            "weight_hh_l1",
            "is the second layer of a stacked RNN (num_layers > 1)",
        ),
        ("weight_hh_l0_reverse", "belongs to a bidirectional RNN"),
        ("weight_hr_l0", "is an LSTM projection (proj_size > 0)"),
    ] {
        if arrays.contains_key(&name(suffix)) {
            return Err(format!("{} {what}: {SUPPORTED}", name(suffix)));
        }
    }
    let (g, n, w_hh) = matrix(arrays, &name("weight_hh_l0"))?;
    let (g_in, inputs, w_ih) = matrix(arrays, &name("weight_ih_l0"))?;
    one_layer(
        (&name("weight_ih_l0"), w_ih),
        (&name("weight_hh_l0"), w_hh),
        n,
        g,
        g_in,
    )?;
    let arch = arch_of(g / n, &name("weight_hh_l0"), &w_hh.shape)?;
    let activation = match (arch, options.activation) {
        (Arch::Vanilla, a) => a.unwrap_or(Activation::Tanh),
        (_, Some(Activation::Relu)) => {
            return Err(
                "--activation relu: PyTorch's GRU and LSTM have no ReLU variant (tanh only)".into(),
            )
        }
        (_, _) => Activation::Tanh,
    };
    let b_ih = vector(arrays, &name("bias_ih_l0"), g)?;
    let b_hh = vector(arrays, &name("bias_hh_l0"), g)?;
    all_finite(&[
        (name("weight_ih_l0"), Some(w_ih)),
        (name("weight_hh_l0"), Some(w_hh)),
        (name("bias_ih_l0"), b_ih),
        (name("bias_hh_l0"), b_hh),
    ])?;
    let or_zeros = |b: Option<&Array>| b.map_or_else(|| vec![0.0; g], |a| a.data.clone());
    let layer = Layer {
        arch,
        inputs,
        units: n,
        input_kernel: Box::new(move |r, k| w_ih.data[k * inputs + r]),
        recurrent_kernel: Box::new(move |j, k| w_hh.data[k * n + j]),
        input_bias: or_zeros(b_ih),
        recurrent_bias: or_zeros(b_hh),
    };
    let (readout_prefix, readout) = torch_readout(arrays, &prefix, n, options)?;
    Ok(Converted {
        framework: Framework::Torch,
        prefix,
        readout_prefix,
        params: assemble(Framework::Torch, layer, readout, activation),
    })
}

/// The one matrix outside the recurrent layer that reads its `units` (`weight` O×N for
/// PyTorch, `kernel` N×O for Keras), or the one under the given prefix.
fn readout_prefix(
    arrays: &Arrays,
    layer: &str,
    suffix: &str,
    reads_units: impl Fn(&Array) -> bool,
    given: Option<&str>,
) -> Result<String, String> {
    if let Some(p) = given {
        let key = format!("{p}{suffix}");
        return match arrays.get(&key) {
            Some(a) if reads_units(a) => Ok(p.to_string()),
            Some(a) => Err(format!(
                "--readout-prefix {p}: {key} has shape {:?}, which does not read the hidden units",
                a.shape
            )),
            None => Err(format!(
                "--readout-prefix {p}: no array {key}; the file has {}",
                listed(arrays.keys())
            )),
        };
    }
    // The recurrent layer's own input kernel (Keras) may read as many inputs as it has units.
    let own = format!("{layer}{suffix}");
    let candidates: Vec<&str> = arrays
        .iter()
        .filter(|(k, a)| **k != own && !k.ends_with("recurrent_kernel") && reads_units(a))
        .filter_map(|(k, _)| k.strip_suffix(suffix))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(format!(
            "missing readout: no linear layer ({suffix}) reading the hidden units besides the \
             recurrent layer; the file has {}",
            listed(arrays.keys())
        )),
        many => Err(format!(
            "{} candidate readouts ({}): pass --readout-prefix",
            many.len(),
            many.join(", ")
        )),
    }
}

fn torch_readout(
    arrays: &Arrays,
    layer: &str,
    n: usize,
    options: &ReadOptions,
) -> Result<(String, Readout), String> {
    let prefix = readout_prefix(
        arrays,
        layer,
        "weight",
        |a| a.shape.len() == 2 && a.shape[1] == n,
        options.readout_prefix.as_deref(),
    )?;
    let readout = read_readout(arrays, &prefix, "weight", false)?;
    Ok((prefix, readout))
}

fn keras(arrays: &Arrays, options: &ReadOptions) -> Result<Converted, String> {
    let prefix = layer_prefix(arrays, "recurrent_kernel", options.prefix.as_deref())?;
    let name = |s: &str| format!("{prefix}{s}");
    if prefix.contains("backward") {
        return Err(format!(
            "{} belongs to a bidirectional layer: {SUPPORTED}",
            name("recurrent_kernel")
        ));
    }
    let (n, g, u) = matrix(arrays, &name("recurrent_kernel"))?;
    let (inputs, g_in, w) = matrix(arrays, &name("kernel"))?;
    one_layer(
        (&name("kernel"), w),
        (&name("recurrent_kernel"), u),
        n,
        g,
        g_in,
    )?;
    let bias = arrays.get(&name("bias"));
    let mut arch = arch_of(g / n, &name("recurrent_kernel"), &u.shape)?;
    let (input_bias, recurrent_bias) = match bias.map(|b| b.shape.as_slice()) {
        None => (vec![0.0; g], vec![0.0; g]),
        Some([len]) if *len == g => {
            if arch == Arch::GruTorch {
                arch = Arch::Gru; // reset_after=False: TensorFlow 1's GRU, rnnlab's `gru`
            }
            (bias.expect("present").data.clone(), vec![0.0; g])
        }
        Some([2, len]) if *len == g && arch == Arch::GruTorch => {
            let b = &bias.expect("present").data;
            (b[..g].to_vec(), b[g..].to_vec())
        }
        Some(s) => {
            return Err(format!(
                "{} has shape {s:?}; expected [{g}] (or [2, {g}] for a GRU with reset_after)",
                name("bias")
            ))
        }
    };
    all_finite(&[
        (name("kernel"), Some(w)),
        (name("recurrent_kernel"), Some(u)),
        (name("bias"), bias),
    ])?;
    let layer = Layer {
        arch,
        inputs,
        units: n,
        input_kernel: Box::new(move |r, k| w.data[r * g + k]),
        recurrent_kernel: Box::new(move |j, k| u.data[j * g + k]),
        input_bias,
        recurrent_bias,
    };
    let readout_prefix = readout_prefix(
        arrays,
        &prefix,
        "kernel",
        |a| a.shape.len() == 2 && a.shape[0] == n,
        options.readout_prefix.as_deref(),
    )?;
    let readout = read_readout(arrays, &readout_prefix, "kernel", true)?;
    Ok(Converted {
        framework: Framework::Keras,
        prefix,
        readout_prefix,
        params: assemble(
            Framework::Keras,
            layer,
            readout,
            options.activation.unwrap_or(Activation::Tanh),
        ),
    })
}

fn check_sizes(c: &Converted, task: &Task) -> Result<(), String> {
    let spec = c.params.spec;
    let def = task.definition();
    let (rnn_input, readout) = match c.framework {
        Framework::Torch => (
            format!("{}weight_ih_l0", c.prefix),
            format!("{}weight", c.readout_prefix),
        ),
        Framework::Keras => (
            format!("{}kernel", c.prefix),
            format!("{}kernel", c.readout_prefix),
        ),
    };
    if spec.inputs != def.inputs() {
        return Err(format!(
            "{rnn_input} reads {} inputs, but the {} task has {}",
            spec.inputs,
            task.name(),
            def.inputs()
        ));
    }
    if spec.outputs != def.outputs() {
        return Err(format!(
            "{readout} writes {} outputs, but the {} task has {}",
            spec.outputs,
            task.name(),
            def.outputs()
        ));
    }
    Ok(())
}
