//! Networks trained elsewhere: the framework cells against step-by-step references written from
//! PyTorch's and Keras's documented equations (in f64, here), real PyTorch files against
//! PyTorch's own outputs, and `rnnlab import` end to end, including its refusals.
//!
//! The files in tests/fixtures/import/ were made by `scripts/make_import_fixtures.py` (PyTorch
//! 2.x, CPU) and `scripts/make_keras_fixtures.py` (Keras 3.15 on TensorFlow 2.21, CPU).

use crate::common;

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnnlab::files::arrays::{read_arrays, Array, Arrays};
use rnnlab::files::framework::{convert, Framework, ReadOptions};
use rnnlab::net::{forward, Activation, Arch, Params, Tape};
use rnnlab::task::TaskKind;

const I: usize = 3;
const N: usize = 4;
const O: usize = 3;
const T: usize = 7;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Random values for a framework array of `shape`.
fn random(shape: &[usize], rng: &mut ChaCha8Rng) -> Array {
    let len = shape.iter().product();
    Array {
        shape: shape.to_vec(),
        data: (0..len).map(|_| rng.random_range(-0.8..0.8)).collect(),
    }
}

/// Row-major matrix–vector product: m is rows×cols.
fn mat_vec(m: &Array, v: &[f64]) -> Vec<f64> {
    let cols = m.shape[1];
    m.data
        .chunks(cols)
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// vᵀ·m for m rows×cols (Keras's x·W).
fn vec_mat(v: &[f64], m: &Array) -> Vec<f64> {
    let cols = m.shape[1];
    (0..cols)
        .map(|c| {
            v.iter()
                .enumerate()
                .map(|(r, x)| x * m.data[r * cols + c])
                .sum()
        })
        .collect()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn inputs(rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    (0..T)
        .map(|_| (0..I).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect()
}

/// rnnlab's outputs for `params` on `xs` (one trial), in f64.
fn rnnlab_outputs(params: &Params<f64>, xs: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = xs.iter().flatten().copied().collect();
    let mut tape = Tape::new(params.spec, 1, T);
    forward(params, &flat, &mut tape);
    tape.outputs().chunks(O).map(<[f64]>::to_vec).collect()
}

fn assert_close(ours: &[Vec<f64>], reference: &[Vec<f64>], what: &str) {
    for (t, (a, b)) in ours.iter().zip(reference).enumerate() {
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() < 1e-12,
                "{what}: step {t}: rnnlab {x} vs reference {y}"
            );
        }
    }
}

fn convert_arrays(arrays: &Arrays, activation: Option<Activation>) -> Params<f64> {
    let options = ReadOptions {
        activation,
        ..ReadOptions::default()
    };
    convert(
        arrays,
        &TaskKind::FlipFlop.with_defaults().unwrap(),
        &options,
    )
    .unwrap()
    .params
}

/// A PyTorch state_dict: the layer's four arrays (G = blocks·N) and a Linear readout.
fn torch_arrays(blocks: usize, rng: &mut ChaCha8Rng) -> Arrays {
    let g = blocks * N;
    Arrays::from([
        ("rnn.weight_ih_l0".to_string(), random(&[g, I], rng)),
        ("rnn.weight_hh_l0".to_string(), random(&[g, N], rng)),
        ("rnn.bias_ih_l0".to_string(), random(&[g], rng)),
        ("rnn.bias_hh_l0".to_string(), random(&[g], rng)),
        ("readout.weight".to_string(), random(&[O, N], rng)),
        ("readout.bias".to_string(), random(&[O], rng)),
    ])
}

fn torch_readout(a: &Arrays, h: &[f64]) -> Vec<f64> {
    add(&mat_vec(&a["readout.weight"], h), &a["readout.bias"].data)
}

/// Block k (N rows) of a PyTorch matrix applied to v, plus block k of a bias.
fn torch_gate(a: &Arrays, w: &str, b: &str, k: usize, v: &[f64]) -> Vec<f64> {
    let full = mat_vec(&a[w], v);
    add(&full[k * N..(k + 1) * N], &a[b].data[k * N..(k + 1) * N])
}

/// Block k of both sides' pre-activations: W_i x + b_i + W_h h + b_h.
fn torch_pre(a: &Arrays, k: usize, x: &[f64], h: &[f64]) -> Vec<f64> {
    add(
        &torch_gate(a, "rnn.weight_ih_l0", "rnn.bias_ih_l0", k, x),
        &torch_gate(a, "rnn.weight_hh_l0", "rnn.bias_hh_l0", k, h),
    )
}

/// Converts `arrays` with `activation` (tanh if None), checks the cell it became, and compares
/// rnnlab's outputs on fixed inputs with the reference `step`, which takes one input, advances
/// its own state and returns the readout.
fn assert_follows(
    arrays: &Arrays,
    activation: Option<Activation>,
    arch: Arch,
    rng: &mut ChaCha8Rng,
    what: &str,
    step: impl FnMut(&Vec<f64>) -> Vec<f64>,
) {
    let params = convert_arrays(arrays, activation);
    let expected = (arch, activation.unwrap_or(Activation::Tanh));
    assert_eq!(
        (params.spec.arch, params.spec.activation),
        expected,
        "{what}"
    );
    let xs = inputs(rng);
    let reference: Vec<Vec<f64>> = xs.iter().map(step).collect();
    assert_close(&rnnlab_outputs(&params, &xs), &reference, what);
}

#[test]
fn pytorch_gru_follows_pytorchs_equations() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let a = torch_arrays(3, &mut rng);
    let mut h = vec![0.0; N];
    assert_follows(&a, None, Arch::GruTorch, &mut rng, "PyTorch GRU", |x| {
        let gi = |k| torch_gate(&a, "rnn.weight_ih_l0", "rnn.bias_ih_l0", k, x);
        let gh = |k| torch_gate(&a, "rnn.weight_hh_l0", "rnn.bias_hh_l0", k, &h);
        let r: Vec<f64> = add(&gi(0), &gh(0)).into_iter().map(sigmoid).collect();
        let z: Vec<f64> = add(&gi(1), &gh(1)).into_iter().map(sigmoid).collect();
        let (xn, hn) = (gi(2), gh(2));
        let n: Vec<f64> = (0..N).map(|j| (xn[j] + r[j] * hn[j]).tanh()).collect();
        h = (0..N).map(|j| (1.0 - z[j]) * n[j] + z[j] * h[j]).collect();
        torch_readout(&a, &h)
    });
}

#[test]
fn pytorch_lstm_follows_pytorchs_equations() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let a = torch_arrays(4, &mut rng);
    let (mut h, mut c) = (vec![0.0; N], vec![0.0; N]);
    assert_follows(&a, None, Arch::LstmTorch, &mut rng, "PyTorch LSTM", |x| {
        let pre = |k| torch_pre(&a, k, x, &h);
        let (i, f, g, o) = (pre(0), pre(1), pre(2), pre(3));
        c = (0..N)
            .map(|j| sigmoid(f[j]) * c[j] + sigmoid(i[j]) * g[j].tanh())
            .collect();
        h = (0..N).map(|j| sigmoid(o[j]) * c[j].tanh()).collect();
        torch_readout(&a, &h)
    });
}

#[test]
fn pytorch_relu_rnn_follows_pytorchs_equations() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let a = torch_arrays(1, &mut rng);
    let relu = Some(Activation::Relu);
    let mut h = vec![0.0; N];
    assert_follows(&a, relu, Arch::Vanilla, &mut rng, "PyTorch RNN", |x| {
        h = torch_pre(&a, 0, x, &h)
            .into_iter()
            .map(|v| v.max(0.0))
            .collect();
        torch_readout(&a, &h)
    });
}

/// Keras arrays: kernel I×G, recurrent_kernel N×G, bias of `bias_shape`, a Dense readout.
fn keras_arrays(blocks: usize, bias_shape: &[usize], rng: &mut ChaCha8Rng) -> Arrays {
    let g = blocks * N;
    Arrays::from([
        ("gru/cell/kernel".to_string(), random(&[I, g], rng)),
        (
            "gru/cell/recurrent_kernel".to_string(),
            random(&[N, g], rng),
        ),
        ("gru/cell/bias".to_string(), random(bias_shape, rng)),
        ("dense/kernel".to_string(), random(&[N, O], rng)),
        ("dense/bias".to_string(), random(&[O], rng)),
    ])
}

fn keras_readout(a: &Arrays, h: &[f64]) -> Vec<f64> {
    add(&vec_mat(h, &a["dense/kernel"]), &a["dense/bias"].data)
}

/// A one-bias Keras layer's pre-activations: x·W + h·U + b.
fn keras_pre(a: &Arrays, x: &[f64], h: &[f64]) -> Vec<f64> {
    add(
        &add(
            &vec_mat(x, &a["gru/cell/kernel"]),
            &vec_mat(h, &a["gru/cell/recurrent_kernel"]),
        ),
        &a["gru/cell/bias"].data,
    )
}

fn block(v: &[f64], k: usize) -> Vec<f64> {
    v[k * N..(k + 1) * N].to_vec()
}

#[test]
fn keras_grus_follow_keras_equations_with_and_without_reset_after() {
    for reset_after in [true, false] {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let bias_shape: &[usize] = if reset_after { &[2, 3 * N] } else { &[3 * N] };
        let a = keras_arrays(3, bias_shape, &mut rng);
        let arch = if reset_after {
            Arch::GruTorch
        } else {
            Arch::Gru
        };
        let bias = &a["gru/cell/bias"].data;
        let (b_in, b_rec) = if reset_after {
            (bias[..3 * N].to_vec(), bias[3 * N..].to_vec())
        } else {
            (bias.clone(), vec![0.0; 3 * N])
        };
        let what = format!("Keras GRU reset_after={reset_after}");
        let mut h = vec![0.0; N];
        assert_follows(&a, Some(Activation::Relu), arch, &mut rng, &what, |x| {
            let xw = add(&vec_mat(x, &a["gru/cell/kernel"]), &b_in);
            let u = &a["gru/cell/recurrent_kernel"];
            let hu = add(&vec_mat(&h, u), &b_rec);
            // Keras order z, r, h.
            let gate = |k| -> Vec<f64> {
                add(&block(&xw, k), &block(&hu, k))
                    .into_iter()
                    .map(sigmoid)
                    .collect()
            };
            let (z, r) = (gate(0), gate(1));
            let candidate_pre: Vec<f64> = if reset_after {
                let (xh, rh) = (block(&xw, 2), block(&hu, 2));
                (0..N).map(|j| xh[j] + r[j] * rh[j]).collect()
            } else {
                let rh: Vec<f64> = (0..N).map(|j| r[j] * h[j]).collect();
                add(&block(&xw, 2), &block(&vec_mat(&rh, u), 2))
            };
            let hh: Vec<f64> = candidate_pre.into_iter().map(|v| v.max(0.0)).collect();
            h = (0..N).map(|j| z[j] * h[j] + (1.0 - z[j]) * hh[j]).collect();
            keras_readout(&a, &h)
        });
    }
}

#[test]
fn keras_lstm_and_simple_rnn_follow_keras_equations() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let a = keras_arrays(4, &[4 * N], &mut rng);
    let (mut h, mut c) = (vec![0.0; N], vec![0.0; N]);
    assert_follows(&a, None, Arch::LstmTorch, &mut rng, "Keras LSTM", |x| {
        let pre = keras_pre(&a, x, &h);
        // Keras order i, f, c, o.
        let (i, f, g, o) = (
            block(&pre, 0),
            block(&pre, 1),
            block(&pre, 2),
            block(&pre, 3),
        );
        c = (0..N)
            .map(|j| sigmoid(f[j]) * c[j] + sigmoid(i[j]) * g[j].tanh())
            .collect();
        h = (0..N).map(|j| sigmoid(o[j]) * c[j].tanh()).collect();
        keras_readout(&a, &h)
    });

    let a = keras_arrays(1, &[N], &mut rng);
    let mut h = vec![0.0; N];
    assert_follows(&a, None, Arch::Vanilla, &mut rng, "Keras SimpleRNN", |x| {
        h = keras_pre(&a, x, &h).into_iter().map(f64::tanh).collect();
        keras_readout(&a, &h)
    });
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

#[test]
fn real_pytorch_and_keras_files_reproduce_the_frameworks_outputs() {
    let relu = Some(Activation::Relu);
    type Case = (
        &'static str,
        &'static [&'static str],
        Option<Activation>,
        Framework,
        Arch,
    );
    let cases: [Case; 7] = [
        (
            "tiny-rnn",
            &["npz", "safetensors"],
            relu,
            Framework::Torch,
            Arch::Vanilla,
        ),
        (
            "tiny-gru",
            &["npz", "safetensors"],
            None,
            Framework::Torch,
            Arch::GruTorch,
        ),
        (
            "tiny-lstm",
            &["npz", "safetensors"],
            None,
            Framework::Torch,
            Arch::LstmTorch,
        ),
        (
            "keras-simplernn",
            &["npz"],
            relu,
            Framework::Keras,
            Arch::Vanilla,
        ),
        (
            "keras-gru",
            &["npz"],
            None,
            Framework::Keras,
            Arch::GruTorch,
        ),
        ("keras-gru-v1", &["npz"], None, Framework::Keras, Arch::Gru),
        (
            "keras-lstm",
            &["npz"],
            None,
            Framework::Keras,
            Arch::LstmTorch,
        ),
    ];
    for (stem, extensions, activation, framework, arch) in cases {
        let expected = read_arrays(&fixture(&format!("{stem}-expected.npz"))).unwrap();
        let (x, y) = (&expected["input"], &expected["output"]);
        let (steps, batch) = (x.shape[0], x.shape[1]);
        for ext in extensions {
            let arrays = read_arrays(&fixture(&format!("{stem}.{ext}"))).unwrap();
            let options = ReadOptions {
                activation,
                ..ReadOptions::default()
            };
            let converted = convert(
                &arrays,
                &TaskKind::FlipFlop.with_defaults().unwrap(),
                &options,
            )
            .unwrap_or_else(|e| panic!("{stem}.{ext}: {e}"));
            assert_eq!(converted.framework, framework, "{stem}");
            assert_eq!(converted.params.spec.arch, arch, "{stem}");
            let params: Params<f32> = converted.params.cast();
            let input: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
            let mut tape = Tape::new(params.spec, batch, steps);
            forward(&params, &input, &mut tape);
            let worst = tape
                .outputs()
                .iter()
                .zip(&y.data)
                .map(|(&a, &b)| (f64::from(a) - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst < 1e-5,
                "{stem}.{ext}: largest difference from the framework {worst:e}"
            );
        }
    }
}

/// Writes `arrays` as a .safetensors file (f32) at `path`.
fn write_safetensors(path: &Path, arrays: &Arrays) {
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = arrays
        .iter()
        .map(|(k, a)| {
            let data = a
                .data
                .iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect();
            (k.clone(), data, a.shape.clone())
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = bytes
        .iter()
        .map(|(k, data, shape)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .unwrap();
            (k.clone(), view)
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn a_pytorch_gru_trained_on_the_flip_flop_imports_with_its_cube() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let db = db.to_str().unwrap();
    let npz = fixture("flipflop-gru.npz");
    let out = common::run_ok(&[
        "import",
        npz.to_str().unwrap(),
        "--task",
        "flipflop",
        "--db",
        db,
        "--json",
    ]);
    let net = &out["networks"][0];
    assert_eq!(net["arch"], "gru-torch");
    assert_eq!(net["framework"], "torch");
    assert_eq!(net["units"], 64);
    assert_eq!(net["new"], true);
    assert!(net["held_out_loss"].as_f64().unwrap() < 1e-3, "{net}");
    assert_eq!(net["ideal_scaffold"], true, "{net}");
    let id = net["network"].as_i64().unwrap().to_string();

    // The cube: 8 stable points with all 8 sign patterns of the readout, and the saddles.
    let points = common::run_ok(&["fixed-points", "--network", &id, "--db", db, "--json"]);
    let points = points["points"].as_array().expect("points");
    let stable: Vec<&serde_json::Value> = points
        .iter()
        .filter(|p| p["converged"] == true && p["unstable"] == 0)
        .collect();
    assert_eq!(stable.len(), 8, "{points:?}");
    let mut patterns: Vec<Vec<bool>> = stable
        .iter()
        .map(|p| {
            p["readout"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() > 0.0)
                .collect()
        })
        .collect();
    patterns.sort();
    patterns.dedup();
    assert_eq!(patterns.len(), 8);
    for k in 1..=3 {
        assert!(
            points
                .iter()
                .any(|p| p["converged"] == true && p["unstable"] == k),
            "no saddle with {k} unstable modes"
        );
    }

    // The same weights as .safetensors are the same network: stored once.
    let again = common::run_ok(&[
        "import",
        fixture("flipflop-gru.safetensors").to_str().unwrap(),
        "--task",
        "flipflop",
        "--db",
        db,
        "--json",
    ]);
    assert_eq!(
        again["networks"][0]["network"]
            .as_i64()
            .unwrap()
            .to_string(),
        id
    );
    assert_eq!(again["networks"][0]["new"], false);
    let ls = common::run_ok(&["ls", "--db", db, "--json"]);
    assert_eq!(ls.as_array().map(Vec::len), Some(1), "{ls}");
}

/// Runs `rnnlab import FILE --task TASK` on a fresh notebook; asserts exit 2, one line on
/// stderr containing `expected`, and no notebook written.
fn refused(file: &Path, task: &str, extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--task",
        task,
        "--db",
        db.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = common::rnnlab(&args);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(expected), "{args:?}: {err}");
    assert!(!db.exists(), "{args:?}: a notebook was written");
}

#[test]
fn bad_files_are_refused_in_one_line_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let write = |name: &str, arrays: &Arrays| {
        let path = dir.path().join(name);
        write_safetensors(&path, arrays);
        path
    };
    let good = torch_arrays(3, &mut rng);

    // The task's sizes: flip-flop has 3 inputs and 3 outputs, sine 1 and 1.
    let gru = write("gru.safetensors", &good);
    refused(
        &gru,
        "sine",
        &[],
        "rnn.weight_ih_l0 reads 3 inputs, but the sine task has 1",
    );

    let mut two_layers = good.clone();
    two_layers.insert("rnn.weight_hh_l1".into(), random(&[3 * N, N], &mut rng));
    refused(
        &write("two.safetensors", &two_layers),
        "flipflop",
        &[],
        "num_layers > 1",
    );

    let mut bidirectional = good.clone();
    bidirectional.insert(
        "rnn.weight_hh_l0_reverse".into(),
        random(&[3 * N, N], &mut rng),
    );
    refused(
        &write("bi.safetensors", &bidirectional),
        "flipflop",
        &[],
        "bidirectional",
    );

    let mut no_readout = good.clone();
    no_readout.remove("readout.weight");
    no_readout.remove("readout.bias");
    refused(
        &write("noreadout.safetensors", &no_readout),
        "flipflop",
        &[],
        "missing readout",
    );

    let mut nan = good.clone();
    nan.get_mut("rnn.weight_hh_l0").unwrap().data[5] = f64::NAN;
    refused(
        &write("nan.safetensors", &nan),
        "flipflop",
        &[],
        "rnn.weight_hh_l0 holds NaN",
    );

    let mut odd = good.clone();
    odd.insert("rnn.weight_hh_l0".into(), random(&[2 * N, N], &mut rng));
    odd.insert("rnn.weight_ih_l0".into(), random(&[2 * N, I], &mut rng));
    refused(
        &write("odd.safetensors", &odd),
        "flipflop",
        &[],
        "not 1, 3 or 4 blocks",
    );

    refused(
        &gru,
        "flipflop",
        &["--activation", "relu"],
        "no ReLU variant",
    );
    refused(
        &gru,
        "flipflop",
        &["--prefix", "encoder."],
        "--prefix encoder.: no array",
    );
    refused(&gru, "maze", &[], "--task maze: unknown task");

    let text = dir.path().join("weights.txt");
    std::fs::write(&text, "hello").unwrap();
    refused(&text, "flipflop", &[], "not an .npz or .safetensors file");
    let broken = dir.path().join("broken.npz");
    std::fs::write(&broken, "not a zip").unwrap();
    refused(&broken, "flipflop", &[], "not a readable .npz");

    // One bad file among good ones: nothing stored.
    let db = dir.path().join("nb.db");
    let nan_file = dir.path().join("nan.safetensors");
    let out = common::rnnlab(&[
        "import",
        gru.to_str().unwrap(),
        nan_file.to_str().unwrap(),
        "--task",
        "flipflop",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!db.exists());
}

#[test]
fn imported_networks_join_a_population_and_run_refuses_their_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let db = db.to_str().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let folder = dir.path().join("models");
    std::fs::create_dir(&folder).unwrap();
    for (name, blocks) in [("a-gru.safetensors", 3), ("b-lstm.safetensors", 4)] {
        write_safetensors(&folder.join(name), &torch_arrays(blocks, &mut rng));
    }
    // A folder: both files, in name order, into the default experiment; similarity computed.
    let out = common::run_ok(&[
        "import",
        folder.to_str().unwrap(),
        "--task",
        "flipflop",
        "--db",
        db,
        "--json",
    ]);
    assert_eq!(out["experiment"], "imported-flipflop");
    let archs: Vec<&str> = out["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["arch"].as_str().unwrap())
        .collect();
    assert_eq!(archs, ["gru-torch", "lstm-torch"]);
    assert_eq!(out["analysis"]["analysed"], 2);
    assert_eq!(out["analysis"]["compared_pairs"], 1);
    let ls = common::run_ok(&["ls", "--db", db, "--where", "arch = gru-torch", "--json"]);
    assert_eq!(ls.as_array().map(Vec::len), Some(1));

    // A different task into the same experiment is refused; `run` refuses the experiment.
    let sine = dir.path().join("sine.safetensors");
    let mut one_in = torch_arrays(3, &mut rng);
    one_in.insert("rnn.weight_ih_l0".into(), random(&[3 * N, 1], &mut rng));
    one_in.insert("readout.weight".into(), random(&[1, N], &mut rng));
    one_in.insert("readout.bias".into(), random(&[1], &mut rng));
    write_safetensors(&sine, &one_in);
    let out = common::rnnlab(&[
        "import",
        sine.to_str().unwrap(),
        "--task",
        "sine",
        "--experiment",
        "imported-flipflop",
        "--db",
        db,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("is on the flipflop task"));
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"imported-flipflop\"\nimported = true\n[task]\nkind = \"flipflop\"\n",
    )
    .unwrap();
    let out = common::rnnlab(&["run", spec.to_str().unwrap(), "--db", db]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("nothing to train"),
        "{}",
        common::stderr(&out)
    );
}
