//! A task given as arrays (`[task] kind = "arrays"`): a 2-bit flip-flop written by the test as
//! an `.npz` trains, and the analysis, knowing nothing of flip-flops, finds its four attractors
//! and reports how often the scaffold recurs; a network of the shipped Romo example has the
//! scaffold NumPy and SciPy find; malformed files and changed files are refused in one line
//! with nothing written.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rnnlab::files::npz::{f32_npy, f64_npy, ints_npy, Npz};
use rnnlab::task::{FlipFlop, TaskDefinition};

use crate::common::{rnnlab, run_ok, s, stderr};

/// An array to write: name, shape, values.
type Named = (&'static str, Vec<usize>, Vec<f32>);

/// Writes `arrays` as an `.npz` at `path`.
fn write_npz(path: &Path, arrays: &[Named]) {
    let mut npz = Npz::create(path).unwrap();
    for (name, shape, values) in arrays {
        npz.add(name, &f32_npy(values, shape)).unwrap();
    }
    npz.finish().unwrap();
}

/// `trials` trials of a 2-bit flip-flop of `steps` steps, as a task file holds them:
/// inputs and targets (trials, T, 2), and each trial's first target pattern as its condition.
fn flip_flop_arrays(trials: usize, steps: usize) -> (Vec<f32>, Vec<f32>, Vec<i64>) {
    let task = FlipFlop {
        bits: 2,
        time_steps: steps,
        pulse_probability: 0.1,
    };
    let batch = task.batch(trials, &mut ChaCha8Rng::seed_from_u64(3));
    let trial_major = |a: &ndarray::Array3<f32>| {
        let mut out = Vec::with_capacity(a.len());
        for b in 0..trials {
            for t in 0..steps {
                out.extend(a.slice(ndarray::s![t, b, ..]).iter());
            }
        }
        out
    };
    let conditions = (0..trials)
        .map(|b| {
            i64::from(batch.targets[[0, b, 0]] > 0.0) * 2
                + i64::from(batch.targets[[0, b, 1]] > 0.0)
        })
        .collect();
    (
        trial_major(&batch.inputs),
        trial_major(&batch.targets),
        conditions,
    )
}

/// An experiment of `archs` on the task file `file` (beside it), `steps` training steps.
fn experiment(dir: &Path, name: &str, file: &str, archs: &str, steps: usize) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"{name}\"\nseeds = 2\n\n[task]\nkind = \"arrays\"\nfile = \"{file}\"\n\
             score = \"sign\"\n\n[grid]\narch = [{archs}]\nactivation = [\"tanh\"]\n\
             units = [16]\n\n[train]\nsteps = {steps}\nbatch = 32\ntarget_loss = 1e-3\n\n\
             [analysis]\nstarts = 256\n"
        ),
    )
    .unwrap();
    path
}

/// The flip-flop's file: 400 trials of 30 steps, the zero input to hold networks at.
fn flip_flop_file(dir: &Path) -> PathBuf {
    let (inputs, targets, conditions) = flip_flop_arrays(400, 30);
    let path = dir.join("ff2.npz");
    let mut npz = Npz::create(&path).unwrap();
    npz.add("inputs", &f32_npy(&inputs, &[400, 30, 2])).unwrap();
    npz.add("targets", &f32_npy(&targets, &[400, 30, 2]))
        .unwrap();
    npz.add("conditions", &ints_npy(&conditions, &[400]))
        .unwrap();
    npz.add("constant_inputs", &f64_npy(&[0.0, 0.0], &[1, 2]))
        .unwrap();
    npz.finish().unwrap();
    path
}

#[test]
fn a_flip_flop_given_as_arrays_trains_and_its_networks_hold_four_attractors() {
    let dir = tempfile::tempdir().unwrap();
    flip_flop_file(dir.path());
    let exp = experiment(dir.path(), "ff2", "ff2.npz", "\"gru\"", 2000);
    let db = dir.path().join("nb.db");
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    assert_eq!(summary["analysed"], 2, "{summary}");

    let ls = run_ok(&["ls", "--db", s(&db), "--json"]);
    for n in ls.as_array().unwrap() {
        assert!(n["score"].as_f64().unwrap() > 0.99, "sign accuracy: {n}");
        let id = n["id"].as_i64().unwrap().to_string();
        let t = run_ok(&["topology", "--db", s(&db), "--network", &id, "--json"]);
        // One graph, at the zero input: the four corners of the square, each a stable point
        // whose readout holds one of the four sign patterns.
        let graph = &t["topology"]["inputs"][0];
        let mut corners: Vec<String> = graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["unstable"] == 0)
            .map(|n| n["pattern"].as_str().unwrap().to_string())
            .collect();
        corners.sort();
        assert_eq!(corners, ["++", "+-", "-+", "--"], "network {id}: {graph}");
        // Saddles between corners lead to the corners they separate.
        assert!(!graph["edges"].as_array().unwrap().is_empty(), "{graph}");
        // The slowest stable mode's time constant is recorded (a corner is an attractor: its
        // modes all decay, τ finite and positive).
        let memory = graph["memory_steps"]
            .as_f64()
            .expect("a stable point's slowest mode");
        assert!(
            memory > 0.0 && memory.is_finite(),
            "network {id}: τ = {memory} steps"
        );
    }

    // The report asks the study's question without an ideal: how often the scaffold recurs.
    let out = dir.path().join("report");
    let report = run_ok(&["report", "--db", s(&db), "--out", s(&out), "--json"]);
    let check = &report["numbers"]["task_check"];
    assert_eq!(check["task"], "arrays");
    let recurrence = &check["recurrence"];
    assert_eq!(recurrence["networks"], 2);
    assert!(
        recurrence["common"].as_str().unwrap().contains("0:++"),
        "{recurrence}"
    );
    assert!(out.join("common-scaffold.svg").is_file());
    let claims = report["numbers"]["claims"].as_array().unwrap();
    assert!(claims[3]["claim"]
        .as_str()
        .unwrap()
        .contains("most common scaffold"));

    // A network trained elsewhere (a PyTorch GRU's state_dict, random weights of the task's
    // sizes) joins the experiment: its task is the experiment's, arrays and all.
    let (n, g) = (8, 24);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut random = |len: usize| -> Vec<f64> {
        (0..len)
            .map(|_| rand::Rng::random_range(&mut rng, -0.3..0.3))
            .collect()
    };
    let torch = dir.path().join("torch-gru.npz");
    let mut npz = Npz::create(&torch).unwrap();
    for (name, shape) in [
        ("rnn.weight_ih_l0", vec![g, 2]),
        ("rnn.weight_hh_l0", vec![g, n]),
        ("rnn.bias_ih_l0", vec![g]),
        ("rnn.bias_hh_l0", vec![g]),
        ("readout.weight", vec![2, n]),
        ("readout.bias", vec![2]),
    ] {
        let values = random(shape.iter().product());
        npz.add(name, &f64_npy(&values, &shape)).unwrap();
    }
    npz.finish().unwrap();
    let without = rnnlab(&["import", s(&torch), "--task", "arrays", "--db", s(&db)]);
    assert_eq!(without.status.code(), Some(2));
    assert!(
        stderr(&without).contains("--experiment"),
        "{}",
        stderr(&without)
    );
    let imported = run_ok(&[
        "import",
        s(&torch),
        "--task",
        "arrays",
        "--experiment",
        "ff2",
        "--db",
        s(&db),
        "--json",
    ]);
    assert_eq!(imported["experiment"], "ff2", "{imported}");
    let t = run_ok(&["topology", "--db", s(&db), "--network", "3", "--json"]);
    assert_eq!(t["topology"]["inputs"].as_array().unwrap().len(), 1, "{t}");
}

#[test]
fn malformed_task_files_are_refused_in_one_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = |trials: usize| {
        let (inputs, targets, _) = flip_flop_arrays(trials, 4);
        (inputs, targets)
    };
    let (inputs, targets) = good(10);
    let cases: Vec<(&str, Vec<Named>, &str)> = vec![
        (
            "rank",
            vec![
                ("inputs", vec![10, 8], inputs.clone()),
                ("targets", vec![10, 4, 2], targets.clone()),
            ],
            "array inputs: shape [10, 8]",
        ),
        (
            "trials",
            vec![
                ("inputs", vec![10, 4, 2], inputs.clone()),
                ("targets", vec![5, 8, 2], targets.clone()),
            ],
            "array targets: shape [5, 8, 2], but inputs has 10 trials",
        ),
        (
            "nan",
            vec![
                ("inputs", vec![10, 4, 2], {
                    let mut v = inputs.clone();
                    v[7] = f32::NAN;
                    v
                }),
                ("targets", vec![10, 4, 2], targets.clone()),
            ],
            "array inputs: value 7 is NaN",
        ),
        (
            "mask",
            vec![
                ("inputs", vec![10, 4, 2], inputs.clone()),
                ("targets", vec![10, 4, 2], targets.clone()),
                ("mask", vec![10, 4, 2], vec![2.0; 80]),
            ],
            "array mask: value 0 is 2",
        ),
        (
            "held-out",
            vec![
                ("inputs", vec![4, 4, 2], good(4).0),
                ("targets", vec![4, 4, 2], good(4).1),
            ],
            "at least 5 are needed",
        ),
        (
            "missing",
            vec![("inputs", vec![10, 4, 2], inputs.clone())],
            "no array 'targets'",
        ),
        (
            "unknown",
            vec![
                ("inputs", vec![10, 4, 2], inputs.clone()),
                ("targets", vec![10, 4, 2], targets.clone()),
                ("target", vec![10, 4, 2], targets.clone()),
            ],
            "array target: not one a task file holds",
        ),
    ];
    for (name, arrays, says) in cases {
        write_npz(&dir.path().join(format!("{name}.npz")), &arrays);
        let exp = experiment(dir.path(), name, &format!("{name}.npz"), "\"gru\"", 5);
        let db = dir.path().join(format!("{name}.db"));
        let out = rnnlab(&["run", s(&exp), "--db", s(&db)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}.npz")),
            "{name}: names the file: {err}"
        );
        assert!(!db.exists(), "{name}: a notebook was written");
    }
    let exp = experiment(dir.path(), "absent", "absent.npz", "\"gru\"", 5);
    let out = rnnlab(&["run", s(&exp), "--db", s(&dir.path().join("absent.db"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("absent.npz"), "{}", stderr(&out));
}

#[test]
fn a_task_file_changed_under_its_experiment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = flip_flop_file(dir.path());
    let exp = experiment(dir.path(), "moving", "ff2.npz", "\"vanilla\"", 5);
    let db = dir.path().join("nb.db");
    run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    // Rewritten with other trials: running the experiment again is a different experiment
    // under the same name, and what the notebook holds refuses the new file.
    let (inputs, targets, _) = flip_flop_arrays(50, 30);
    write_npz(
        &file,
        &[
            ("inputs", vec![50, 30, 2], inputs),
            ("targets", vec![50, 30, 2], targets),
        ],
    );
    let again = rnnlab(&["run", s(&exp), "--db", s(&db)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("different specification"),
        "{}",
        stderr(&again)
    );
    // What is stored stays readable; what would compute from the file refuses the new one: a
    // comparison under another reduction runs the networks on their probe trials again.
    let compare = rnnlab(&["compare", "--db", s(&db), "--components", "3"]);
    assert_eq!(compare.status.code(), Some(2));
    let err = stderr(&compare);
    assert!(
        err.contains("changed since its experiment was planned"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// A NeuroGym task: tests/fixtures/arrays/perceptual.npz, 200 trials of
/// PerceptualDecisionMaking-v0 (neurogym 2.3.1, dt = 100 ms) written by
/// `scripts/neurogym_to_npz.py PerceptualDecisionMaking-v0 perceptual.npz --trials 200`.
#[test]
fn a_neurogym_task_trains_three_networks_and_analyses_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arrays/perceptual.npz");
    let shown = run_ok(&["tasks", "show", s(&file), "--json"]);
    assert_eq!(shown["trials"], 200);
    assert_eq!(shown["inputs"], 3);
    assert_eq!(shown["outputs"], 3);
    assert_eq!(shown["held_out"], 40);
    assert_eq!(shown["constant_inputs"].as_array().unwrap().len(), 2);
    let exp = dir.path().join("pdm.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"pdm\"\nseeds = 1\n[task]\nkind = \"arrays\"\nfile = \"{}\"\nscore = \
             \"sign\"\n[grid]\narch = [\"vanilla\", \"gru\", \"lstm\"]\nunits = [16]\n\
             [train]\nsteps = 300\n[analysis]\nstarts = 128\n",
            file.display()
        ),
    )
    .unwrap();
    let db = dir.path().join("nb.db");
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    assert_eq!(summary["analysed"], 3, "{summary}");
    for id in ["1", "2", "3"] {
        let t = run_ok(&["topology", "--db", s(&db), "--network", id, "--json"]);
        let graphs = t["topology"]["inputs"].as_array().unwrap();
        assert_eq!(graphs.len(), 2, "a graph per constant input: {t}");
        let points = run_ok(&["fixed-points", "--db", s(&db), "--network", id, "--json"]);
        assert!(
            points["points"].as_array().is_some_and(|p| !p.is_empty()),
            "{points}"
        );
    }
}

/// Romo's delayed discrimination (the shipped example's task file): one vanilla/tanh network
/// trained by rnnlab (seed 2 of a 24-unit population), imported from PyTorch names, has at the
/// delay's input exactly the fixed points SciPy finds from 1024 starts near its trajectories,
/// each with NumPy's eigenvalues; its slow points (the line holding f1) have NumPy's q and
/// spectrum, the memory the scaffold reports is NumPy's slowest decaying mode, and the line's
/// shape NumPy's principal axis. Fixture:
/// `scripts/make_romo_fixture.py`.
#[test]
fn the_romo_scaffold_is_the_one_numpy_finds() {
    use rnnlab::files::arrays::read_arrays;
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/romo");
    let task = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/tasks/romo.npz");
    let exp = dir.path().join("romo.toml");
    std::fs::write(
        &exp,
        format!(
            "name = \"romo\"\nseeds = 1\n[task]\nkind = \"arrays\"\nfile = \"{}\"\n\
             [grid]\narch = [\"vanilla\"]\nactivation = [\"tanh\"]\nunits = [24]\n\
             [train]\nsteps = 1\n",
            task.display()
        ),
    )
    .unwrap();
    let db = dir.path().join("romo.db");
    run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    let torch = fixtures.join("vanilla-torch.npz");
    run_ok(&[
        "import",
        s(&torch),
        "--task",
        "arrays",
        "--experiment",
        "romo",
        "--db",
        s(&db),
        "--json",
    ]);
    let ours = run_ok(&["fixed-points", "--db", s(&db), "--network", "2", "--json"]);
    let expected = read_arrays(&fixtures.join("vanilla-expected.npz")).unwrap();
    let rows = |name: &str| -> Vec<Vec<f64>> {
        let a = &expected[name];
        a.data.chunks(a.shape[1]).map(<[f64]>::to_vec).collect()
    };
    let spectra = |prefix: &str| -> Vec<Vec<(f64, f64)>> {
        rows(&format!("{prefix}_re"))
            .into_iter()
            .zip(rows(&format!("{prefix}_im")))
            .map(|(re, im)| re.into_iter().zip(im).collect())
            .collect()
    };
    let points = ours["points"].as_array().unwrap();
    let state = |p: &serde_json::Value| -> Vec<f64> {
        p["state"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let distance = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    // Eigenvalues in the same order (largest modulus first; a conjugate pair either way round).
    let same_spectrum = |p: &serde_json::Value, theirs: &[(f64, f64)]| {
        let mine = p["eigenvalues"].as_array().unwrap();
        assert_eq!(mine.len(), theirs.len());
        for (l, (re, im)) in mine.iter().zip(theirs) {
            let (a, b) = (l[0].as_f64().unwrap(), l[1].as_f64().unwrap());
            assert!(
                (a - re).abs() < 1e-8 && (b.abs() - im.abs()).abs() < 1e-8,
                "λ ({a}, {b}) against NumPy's ({re}, {im})"
            );
        }
    };
    let check = |kind: &str, converged: bool| -> usize {
        let theirs = rows(&format!("{kind}_states"));
        let spectra = spectra(&format!("{kind}_eigenvalues"));
        let mine: Vec<&serde_json::Value> = points
            .iter()
            .filter(|p| p["converged"] == converged)
            .collect();
        assert_eq!(mine.len(), theirs.len(), "{kind} points: {ours}");
        for (h, spectrum) in theirs.iter().zip(&spectra) {
            let p = mine
                .iter()
                .min_by(|a, b| distance(&state(a), h).total_cmp(&distance(&state(b), h)))
                .unwrap();
            assert!(distance(&state(p), h) < 1e-8, "{kind} point not matched");
            same_spectrum(p, spectrum);
        }
        theirs.len()
    };
    assert_eq!(check("fixed", true), 3);
    assert_eq!(check("slow", false), 6);
    // NumPy's q at the slow points: the same within rounding.
    for (h, q) in rows("slow_states").iter().zip(&expected["slow_q"].data) {
        let p = points
            .iter()
            .find(|p| distance(&state(p), h) < 1e-8)
            .unwrap();
        let mine = p["q"].as_f64().unwrap();
        assert!((mine - q).abs() <= 1e-6 * q, "q {mine} against NumPy's {q}");
    }
    let topology = run_ok(&["topology", "--db", s(&db), "--network", "2", "--json"]);
    let memory = topology["topology"]["inputs"][0]["memory_steps"]
        .as_f64()
        .unwrap();
    let numpy = expected["memory_steps"].data[0];
    assert!(
        (memory - numpy).abs() < 1e-6 * numpy,
        "{memory} against {numpy}"
    );
    // The line f1 is held along: 9 points, straight, orthogonal to the readout (the delay's
    // memory is not shown until the answer), its shape NumPy's.
    let line = &topology["topology"]["inputs"][0]["line"];
    assert_eq!(line["points"], 9, "{line}");
    for (k, name) in ["length", "straightness", "readout_alignment"]
        .into_iter()
        .enumerate()
    {
        let (mine, numpy) = (line[name].as_f64().unwrap(), expected["line_shape"].data[k]);
        assert!(
            (mine - numpy).abs() < 1e-6,
            "{name}: {mine} against NumPy's {numpy}"
        );
    }
}
