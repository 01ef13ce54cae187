//! Recordings placed among a population (`rnnlab data add`, `rnnlab compare --data`): a
//! "recording" made from one network's own probe states through a random linear map to more
//! neurons is nearest that network under the CCA metrics; single trials and their condition means
//! give the same distances; noise raises the data's ceiling and blurs the nearest; malformed
//! files are refused in one line with nothing stored.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnnlab::analysis::similarity::{Metric, StateProbe};
use rnnlab::files::npz::{f64_npy, ints_npy, Npz};
use rnnlab::lab::compare::CompareMetric;
use rnnlab::lab::notebook::stored_network;
use rnnlab::store::Notebook;
use rnnlab::tui::snapshot::{poll, ComparisonCache, Request};

use crate::common::{rnnlab, run_ok, s, stderr};

/// A flip-flop population of the four cells, two seeds each, trained once for every test here
/// (each test adds its own recordings under names of its own).
struct Population {
    db: PathBuf,
    dir: PathBuf,
}

fn population() -> &'static Population {
    static POPULATION: OnceLock<Population> = OnceLock::new();
    POPULATION.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("recordings-population");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let exp = dir.join("ff.toml");
        std::fs::write(
            &exp,
            "name = \"ff\"\nseeds = 2\n[task]\nkind = \"flipflop\"\ntime_steps = 30\n\
             [grid]\narch = [\"vanilla\", \"ugrnn\", \"gru\", \"lstm\"]\nunits = [16]\n\
             [train]\nsteps = 400\nbatch = 32\n[analysis]\nstarts = 64\n",
        )
        .unwrap();
        let db = dir.join("nb.db");
        let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
        assert_eq!(summary["trained"], 8, "{summary}");
        Population { db, dir }
    })
}

/// Network `id`'s probe states (T, 64 trials, units) through a random map to `neurons`
/// "neurons" (drawn from `seed`), plus uniform noise of std `noise` relative to the states'
/// spread (drawn from `seed` and `draw`), as (trials, T, neurons) in C order.
fn recorded_from(
    id: i64,
    neurons: usize,
    noise: f64,
    seed: u64,
    draw: u64,
) -> (Vec<f64>, [usize; 3]) {
    let nb = Notebook::open(&population().db).unwrap();
    let row = nb.network(id).unwrap();
    let (experiment, params) = stored_network(&nb, &row).unwrap().unwrap();
    let mut probe = StateProbe::new(&experiment.task);
    let states = probe.states(&params, false).unwrap().to_owned();
    let (rows, units) = states.dim();
    let steps = probe.steps();
    let trials = rows / steps;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let map: Vec<f64> = (0..units * neurons)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let spread = states.std(0.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1000).wrapping_add(draw));
    let mut out = vec![0.0; trials * steps * neurons];
    for t in 0..steps {
        for b in 0..trials {
            for m in 0..neurons {
                let v: f64 = (0..units)
                    .map(|u| states[[t * trials + b, u]] * map[u * neurons + m])
                    .sum();
                let e: f64 = rng.random_range(-1.0..1.0) * noise * spread * 3f64.sqrt();
                out[(b * steps + t) * neurons + m] = v + e;
            }
        }
    }
    (out, [trials, steps, neurons])
}

/// An array to write: name, values, shape.
type Named = (&'static str, Vec<f64>, Vec<usize>);

/// A malformed file: its name, arrays, condition labels, and what the refusal says.
type Case = (&'static str, Vec<Named>, Option<Vec<i64>>, &'static str);

fn write(path: &Path, arrays: &[Named], labels: Option<&[i64]>) {
    let mut npz = Npz::create(path).unwrap();
    for (name, values, shape) in arrays {
        npz.add(name, &f64_npy(values, shape)).unwrap();
    }
    if let Some(l) = labels {
        npz.add("conditions", &ints_npy(l, &[l.len()])).unwrap();
    }
    npz.finish().unwrap();
}

fn add(file: &Path, name: &str) -> serde_json::Value {
    let db = &population().db;
    run_ok(&[
        "data",
        "add",
        s(file),
        "--db",
        s(db),
        "--name",
        name,
        "--json",
    ])
}

fn placed(name: &str, metric: &str) -> serde_json::Value {
    placed_with(name, metric, &[])
}

fn placed_with(name: &str, metric: &str, extra: &[&str]) -> serde_json::Value {
    let db = &population().db;
    let mut args = vec![
        "compare",
        "--db",
        s(db),
        "--data",
        name,
        "--metric",
        metric,
        "--resamples",
        "30",
        "--json",
    ];
    args.extend_from_slice(extra);
    run_ok(&args)
}

#[test]
fn a_recording_of_a_networks_own_states_is_nearest_that_network() {
    let p = population();
    let (values, shape) = recorded_from(3, 40, 0.01, 1, 0);
    let file = p.dir.join("of-3.npz");
    write(&file, &[("responses", values, shape.to_vec())], None);
    let added = add(&file, "of-3");
    assert_eq!(added["recording"]["conditions"], 64);
    assert_eq!(added["recording"]["neurons"], 40);
    // Keeping all 16 of the network's dimensions, CCA sees through the map: the distance is
    // the noise's (bounds: SVCCA 0.02, 1 − mean ρ; angular CCA 0.05, whose arccos turns
    // 1 − cos 0.05 = 0.0013 into 0.05). With the default top 10 components it is not 0 — a map that is
    // not a rotation changes which components are on top — but well below the next network's
    // (bound: 0.6 of it; measured 0.09 against 0.30 under SVCCA, 0.42 against 0.79 under
    // angular CCA), beyond both bootstrap intervals.
    for (metric, bound) in [("svcca", 0.02), ("cca-angular", 0.05)] {
        let full = placed_with("of-3", metric, &["--components", "16"]);
        assert_eq!(full["nearest"][0]["network"], 3, "{metric}: {full}");
        let d = full["nearest"][0]["distance"].as_f64().unwrap();
        assert!(d < bound, "{metric}, 16 components: distance {d}");
        let placement = placed("of-3", metric);
        let nearest = &placement["nearest"][0];
        assert_eq!(nearest["network"], 3, "{metric}: {placement}");
        let d = nearest["distance"].as_f64().unwrap();
        let next = placement["nearest"][1]["distance"].as_f64().unwrap();
        assert!(d < 0.6 * next, "{metric}: distance {d}, next {next}");
        // The interval holds the full-data distance, and every network is listed.
        let (low, high) = (
            nearest["low"].as_f64().unwrap(),
            nearest["high"].as_f64().unwrap(),
        );
        assert!(
            low <= d + 1e-9 && d <= high + 1e-9,
            "{metric}: {low} {d} {high}"
        );
        assert_eq!(placement["networks"].as_array().unwrap().len(), 8);
        assert_eq!(
            placement["nearest_distinguished"], true,
            "{metric}: {placement}"
        );
    }
    // The report places it on the maps, near network 3, and draws where it sits.
    let out = p.dir.join("report-of-3");
    // (A loss limit no network reaches: these short-trained networks are all on the maps.)
    let report = run_ok(&[
        "report",
        "--db",
        s(&p.db),
        "--out",
        s(&out),
        "--max-loss",
        "1e9",
        "--json",
    ]);
    let recording = report["numbers"]["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["comparison"]["recording"]["name"] == "of-3")
        .expect("the recording is in the report")
        .clone();
    let svcca = recording["on_maps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m[0] == "svcca")
        .expect("placed on the SVCCA map")
        .clone();
    // The map keeps the near distances: the star is as far from network 3 on the page as the
    // recording is from it (within 0.05; the map of 8 networks has a stress of about 0.4, so
    // the far ones cannot all be kept).
    let map = report["numbers"]["svcca"]["map"].as_array().unwrap();
    let three = map.iter().find(|p| p["network"] == 3).unwrap();
    let on_page = (three["x"].as_f64().unwrap() - svcca[1].as_f64().unwrap())
        .hypot(three["y"].as_f64().unwrap() - svcca[2].as_f64().unwrap());
    let placement = &recording["comparison"]["placements"][0];
    assert_eq!(placement["metric"], "svcca");
    let true_distance = placement["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["network"] == 3)
        .unwrap()["distance"]
        .as_f64()
        .unwrap();
    assert!(
        (on_page - true_distance).abs() < 0.05,
        "the star is {on_page:.3} from network 3 on the map, {true_distance:.3} in SVCCA"
    );
    assert!(out.join("recording-of-3.svg").is_file());
    // The terminal notebook's map shows it too, from the distances the report stored.
    let request = Request {
        experiment: Some("ff".into()),
        limit: 10,
        similarity: Some(CompareMetric::Geometry(Metric::Svcca)),
        ..Request::default()
    };
    let snapshot = poll(&p.db, &request, &ComparisonCache::default()).unwrap();
    let mark = snapshot
        .recordings
        .iter()
        .find(|m| m.name == "of-3")
        .expect("the recording is on the pane's map");
    assert_eq!(mark.nearest, Some(3));
    // And `export distances` carries its rows.
    let csv = crate::common::stdout(&rnnlab(&["export", "distances", "--db", s(&p.db)]));
    assert!(
        csv.contains("svcca,recording:of-3,3,"),
        "{}",
        &csv[..csv.len().min(300)]
    );
    // Through a map to 5 neurons, fewer than the 10 components the reduction keeps: the
    // networks cut to 5 units are compared too.
    let (few, shape) = recorded_from(3, 5, 0.01, 2, 0);
    let file = p.dir.join("few.npz");
    write(&file, &[("responses", few, shape.to_vec())], None);
    add(&file, "few");
    let placement = placed("few", "svcca");
    assert!(
        placement["networks"][0]["subsampled"].is_number(),
        "{placement}"
    );
    assert!(placement["nearest_subsampled"].is_number(), "{placement}");
}

#[test]
fn single_trials_give_their_condition_means_distances_and_noise_sets_a_ceiling() {
    let p = population();
    let (means, [conditions, steps, neurons]) = recorded_from(6, 30, 0.01, 3, 0);
    // Three trials per condition whose mean is the condition mean exactly: +e, −e, 0.
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let trials = 3 * conditions;
    let per = steps * neurons;
    let mut single = vec![0.0; trials * per];
    let mut labels = Vec::with_capacity(trials);
    for c in 0..conditions {
        let e: Vec<f64> = (0..per).map(|_| rng.random_range(-0.01..0.01)).collect();
        for (k, sign) in [1.0, -1.0, 0.0].into_iter().enumerate() {
            let b = c * 3 + k;
            labels.push(c as i64);
            for i in 0..per {
                single[b * per + i] = means[c * per + i] + sign * e[i];
            }
        }
    }
    let as_means = p.dir.join("means.npz");
    write(
        &as_means,
        &[("responses", means.clone(), vec![conditions, steps, neurons])],
        None,
    );
    add(&as_means, "means");
    let as_trials = p.dir.join("trials.npz");
    write(
        &as_trials,
        &[("responses", single, vec![trials, steps, neurons])],
        Some(&labels),
    );
    let added = add(&as_trials, "trials");
    assert_eq!(added["recording"]["trials"], trials);
    let (a, b) = (
        placed("means", "procrustes"),
        placed("trials", "procrustes"),
    );
    for (x, y) in a["networks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(b["networks"].as_array().unwrap())
    {
        assert_eq!(x["network"], y["network"]);
        let (dx, dy) = (
            x["distance"].as_f64().unwrap(),
            y["distance"].as_f64().unwrap(),
        );
        assert!((dx - dy).abs() < 1e-9, "{dx} {dy}");
    }
    assert!(a["ceiling"].is_null(), "no trials, no ceiling");
    let low_ceiling = b["ceiling"].as_f64().unwrap();

    // The same trials with noise as large as the signal: the halves disagree, the ceiling rises.
    let (noisy, [n, t, m]) = recorded_from(6, 30, 1.5, 5, 0);
    let mut trials_noisy = Vec::new();
    let mut noisy_labels = Vec::new();
    for rep in 0..3u64 {
        let (again, _) = recorded_from(6, 30, 1.5, 5, 1 + rep);
        trials_noisy.extend(again);
        noisy_labels.extend(0..n as i64);
    }
    trials_noisy.extend(noisy);
    noisy_labels.extend(0..n as i64);
    let file = p.dir.join("noisy.npz");
    write(
        &file,
        &[("responses", trials_noisy, vec![4 * n, t, m])],
        Some(&noisy_labels),
    );
    add(&file, "noisy");
    let c = placed("noisy", "procrustes");
    let high_ceiling = c["ceiling"].as_f64().unwrap();
    // With noisy single trials the resampled means are noisier than the data's: the interval,
    // moved by the bootstrap's bias, still holds the distance it is for.
    let nearest = &c["nearest"][0];
    let (d, low, high) = (
        nearest["distance"].as_f64().unwrap(),
        nearest["low"].as_f64().unwrap(),
        nearest["high"].as_f64().unwrap(),
    );
    assert!(low <= d && d <= high, "{low} {d} {high}");
    assert!(
        high_ceiling > 2.0 * low_ceiling,
        "ceiling {low_ceiling} → {high_ceiling}"
    );
}

#[test]
fn malformed_recordings_are_refused_in_one_line_and_nothing_is_stored() {
    let p = population();
    let db = &p.db;
    let ok = vec![0.5; 64 * 30 * 3];
    let cases: Vec<Case> = vec![
        (
            "steps",
            vec![("responses", vec![0.5; 64 * 20 * 3], vec![64, 20, 3])],
            None,
            "20 time bins",
        ),
        (
            "rank",
            vec![("responses", vec![0.5; 64 * 3], vec![64, 3])],
            None,
            "shape [64, 3]",
        ),
        (
            "nan",
            vec![(
                "responses",
                {
                    let mut v = ok.clone();
                    v[5] = f64::NAN;
                    v
                },
                vec![64, 30, 3],
            )],
            None,
            "value 5 is NaN",
        ),
        (
            "neuron",
            vec![("responses", vec![0.5; 64 * 30], vec![64, 30, 1])],
            None,
            "1 neuron",
        ),
        (
            "conditions",
            vec![("responses", vec![0.5; 2 * 30 * 3], vec![2, 30, 3])],
            Some(vec![0, 64]),
            "value 1 is 64",
        ),
        (
            "count",
            vec![("responses", vec![0.5; 10 * 30 * 3], vec![10, 30, 3])],
            None,
            "10 conditions",
        ),
    ];
    for (name, arrays, labels, says) in cases {
        let file = p.dir.join(format!("bad-{name}.npz"));
        write(&file, &arrays, labels.as_deref());
        let out = rnnlab(&["data", "add", s(&file), "--db", s(db), "--name", name]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(err.contains(&format!("bad-{name}.npz")), "{name}: {err}");
    }
    let listed = run_ok(&["data", "ls", "--db", s(db), "--json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["name"].as_str().unwrap().starts_with("bad")),
        "{listed}"
    );
    // A second recording of the same name is refused; rm removes one.
    let file = p.dir.join("twice.npz");
    write(&file, &[("responses", ok, vec![64, 30, 3])], None);
    add(&file, "twice");
    let again = rnnlab(&["data", "add", s(&file), "--db", s(db), "--name", "twice"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already"), "{}", stderr(&again));
    let rm = rnnlab(&["data", "rm", "twice", "--db", s(db)]);
    assert_eq!(rm.status.code(), Some(0), "{}", stderr(&rm));
    let gone = rnnlab(&["data", "rm", "twice", "--db", s(db)]);
    assert_eq!(gone.status.code(), Some(2));
}

/// A metric asked for is the only one computed and stored; the others are computed when they
/// are asked for, the stored one is read back, not computed again, and is the same number.
#[test]
fn one_metric_asked_for_is_the_only_one_computed() {
    use rnnlab::analysis::similarity::dsa::DsaOptions;
    use rnnlab::analysis::similarity::ReductionOptions;
    use rnnlab::lab::recordings::{compare_recording, recording_options};
    let p = population();
    let (values, shape) = recorded_from(2, 20, 0.01, 7, 0);
    let file = p.dir.join("one-metric.npz");
    write(&file, &[("responses", values, shape.to_vec())], None);
    add(&file, "one-metric");
    let nb = Notebook::open(&p.db).unwrap();
    let mut options = recording_options(&ReductionOptions::default(), &DsaOptions::default(), 5);
    options.metrics = [true, false, false, false, false];
    let svcca = compare_recording(&nb, "ff", "one-metric", &options, 2).unwrap();
    assert_eq!(svcca.computed, 8);
    let metrics: Vec<&str> = svcca.placements.iter().map(|p| p.metric).collect();
    assert_eq!(metrics, ["svcca"]);
    options.metrics = [true; 5];
    let all = compare_recording(&nb, "ff", "one-metric", &options, 2).unwrap();
    assert_eq!(all.computed, 8, "every network lacked four metrics");
    assert_eq!(all.placements.len(), 5);
    let again = compare_recording(&nb, "ff", "one-metric", &options, 2).unwrap();
    assert_eq!(again.computed, 0);
    let distances = |c: &rnnlab::lab::recordings::RecordingComparison| {
        let p = c.placement("svcca").unwrap();
        p.networks
            .iter()
            .map(|n| (n.network, n.distance))
            .collect::<Vec<_>>()
    };
    assert_eq!(distances(&svcca), distances(&all));
}

/// Noise far larger than the signal (6× the states' spread, two trials per condition): the
/// nearest network can no longer be told from the next under Procrustes, and `compare` says so.
#[test]
fn with_noise_far_above_the_signal_the_nearest_is_not_distinguished() {
    let p = population();
    let (first, [n, t, m]) = recorded_from(6, 30, 6.0, 5, 0);
    let (second, _) = recorded_from(6, 30, 6.0, 5, 1);
    let trials: Vec<f64> = first.into_iter().chain(second).collect();
    let labels: Vec<i64> = (0..2 * n as i64).map(|k| k % n as i64).collect();
    let file = p.dir.join("drowned.npz");
    write(
        &file,
        &[("responses", trials, vec![2 * n, t, m])],
        Some(&labels),
    );
    add(&file, "drowned");
    let c = placed("drowned", "procrustes");
    assert_eq!(c["nearest_distinguished"], false, "{}", c["nearest"]);
}
