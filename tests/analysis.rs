//! The fixed-point analysis as a user runs it: after training in a sweep, stored, shown,
//! re-run with new settings, resumed, exported.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rnnlab::store::{AnalysisScope, ListQuery, NetState, Notebook};

fn rnnlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(args)
        .output()
        .expect("rnnlab runs")
}

fn run_ok(args: &[&str]) -> serde_json::Value {
    let out = rnnlab(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Four small flip-flop networks, trained well enough to have attractors.
fn experiment(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("fp.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"fp\"\nseeds = 2\n\n[task]\nkind = \"flipflop\"\ntime_steps = 30\n\n\
             [grid]\narch = [\"vanilla\", \"gru\"]\nunits = [8]\nactivation = [\"tanh\"]\n\n\
             [train]\nsteps = 300\nbatch = 32\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn all_rows(db: &Path) -> Vec<rnnlab::store::NetworkRow> {
    Notebook::open(db)
        .unwrap()
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap()
}

#[test]
fn a_sweep_analyses_every_network_and_the_points_can_be_shown_rerun_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "\n[analysis]\nstarts = 128\n");
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    assert_eq!(summary["analysed"], 4);
    let rows = all_rows(&db);
    assert!(rows.iter().all(|r| r.state == NetState::Analysed));
    assert!(rows.iter().all(|r| r.fixed_points.unwrap() >= 1));

    // Stored points agree with the network row, each within its tolerance, with its settings.
    let nb = Notebook::open(&db).unwrap();
    let mut total = 0;
    for r in &rows {
        let points = nb.fixed_points(r.id).unwrap();
        assert_eq!(points.len() as i64, r.fixed_points.unwrap());
        assert_eq!(
            points.iter().filter(|p| p.stable()).count() as i64,
            r.stable_points.unwrap()
        );
        for p in &points {
            assert!(p.q < if p.converged { 1e-12 } else { 1e-6 }, "{p:?}");
            assert_eq!(p.state.len(), 8);
            assert_eq!(p.eigenvalues.len(), 8);
            let moduli: Vec<f64> = p.eigenvalues.iter().map(|[a, b]| a.hypot(*b)).collect();
            assert!(moduli.windows(2).all(|w| w[0] >= w[1]));
            assert_eq!(p.unstable, moduli.iter().filter(|m| **m > 1.0).count());
        }
        total += points.len();
        let analysis = nb.analysis(r.id).unwrap().unwrap();
        assert!(analysis.settings.contains("\"starts\":128"), "{analysis:?}");
    }

    // Every network has its scaffold, and the experiment its distance matrix: one entry per
    // pair, each equal to the distance recomputed from the two stored descriptors.
    let rows = all_rows(&db);
    assert!(rows
        .iter()
        .all(|r| r.ideal_scaffold.is_some() && r.scaffold_distance.is_some()));
    let exp_id = nb.experiment("fp").unwrap().id;
    let matrix_before = check_matrix(&nb, exp_id, 4);
    let topo = run_ok(&["topology", "--db", s(&db), "--network", "3", "--json"]);
    assert_eq!(topo["topology"]["task"], "flipflop");
    assert!(!topo["topology"]["nodes"].as_array().unwrap().is_empty());
    assert_eq!(topo["stored"], true);
    let text = rnnlab(&["topology", "--db", s(&db), "--network", "3"]);
    assert!(String::from_utf8(text.stdout).unwrap().contains("0:"));
    let groups = run_ok(&["topology", "--db", s(&db), "--experiment", "fp", "--json"]);
    let groups = groups["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups.iter().all(|g| g["networks"] == 2));
    let neither = rnnlab(&["topology", "--db", s(&db)]);
    assert_eq!(neither.status.code(), Some(2));

    // `fixed-points` reads the stored analysis; --modes adds eigenvectors and ∂F/∂x.
    let fp = run_ok(&[
        "fixed-points",
        "--db",
        s(&db),
        "--network",
        "3",
        "--modes",
        "--json",
    ]);
    assert_eq!(fp["stored"], true);
    let p0 = &fp["points"][0];
    assert_eq!(p0["modes"]["right"].as_array().unwrap().len(), 8);
    assert_eq!(p0["modes"]["input_jacobian"].as_array().unwrap().len(), 8);
    assert_eq!(
        p0["modes"]["input_jacobian"][0].as_array().unwrap().len(),
        3
    );
    let text = rnnlab(&["fixed-points", "--db", s(&db), "--network", "3"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("from the notebook") && text.contains("stable"),
        "{text}"
    );

    // Exports: one CSV line and one JSON object per stored point; npz arrays per network.
    let csv = rnnlab(&[
        "export",
        "--db",
        s(&db),
        "--what",
        "fixed-points",
        "--format",
        "csv",
    ]);
    assert_eq!(
        String::from_utf8(csv.stdout).unwrap().lines().count(),
        total + 1
    );
    let json = run_ok(&[
        "export",
        "--db",
        s(&db),
        "--what",
        "fixed-points",
        "--format",
        "json",
    ]);
    assert_eq!(json.as_array().unwrap().len(), total);
    let npz = dir.path().join("fp.npz");
    let out = rnnlab(&[
        "export",
        "--db",
        s(&db),
        "--what",
        "fixed-points",
        "--format",
        "npz",
        "--output",
        s(&npz),
    ]);
    assert!(out.status.success());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&npz).unwrap()).unwrap();
    for name in ["state", "eigenvalues", "q", "unstable", "readout", "input"] {
        assert!(
            zip.by_name(&format!("net1/fp_{name}.npy")).is_ok(),
            "{name}"
        );
    }

    // `analyze --force` with new settings replaces the points and records the settings.
    let again = run_ok(&[
        "analyze",
        "--db",
        s(&db),
        "--experiment",
        "fp",
        "--force",
        "--starts",
        "32",
        "--json",
    ]);
    assert_eq!(again["reset"], 4);
    assert_eq!(again["analysed"], 4);
    let nb = Notebook::open(&db).unwrap();
    for r in all_rows(&db) {
        assert_eq!(r.state, NetState::Analysed);
        let settings = nb.analysis(r.id).unwrap().unwrap().settings;
        assert!(settings.contains("\"starts\":32"), "{settings}");
    }
    // The re-analysed matrix replaced rows, it did not grow, and still matches the descriptors.
    let matrix_after = check_matrix(&nb, exp_id, 4);
    assert_eq!(matrix_before.len(), matrix_after.len());
    // Nothing left to do: a second plain run analyses nothing.
    let idle = run_ok(&["analyze", "--db", s(&db), "--json"]);
    assert_eq!(idle["analysed"], 0);

    // Bad settings: one line, exit 2, nothing changed.
    let bad = rnnlab(&["analyze", "--db", s(&db), "--merge-distance", "-1"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("merge-distance") && err.lines().count() == 1,
        "{err}"
    );
    let missing = rnnlab(&["analyze", "--db", s(&db), "--experiment", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// The stored topology distance matrix of an experiment with `n` analysed networks: every pair
/// once, each equal to the distance of the two stored descriptors.
fn check_matrix(nb: &Notebook, experiment_id: i64, n: usize) -> Vec<(i64, i64, f64)> {
    use rnnlab::analysis::Topology;
    let stored = nb.topology_distances(experiment_id).unwrap();
    assert_eq!(stored.len(), n * (n - 1) / 2);
    let descriptors: std::collections::HashMap<i64, Topology> = nb
        .topologies(experiment_id)
        .unwrap()
        .into_iter()
        .map(|t| (t.network_id, serde_json::from_str(&t.descriptor).unwrap()))
        .collect();
    for &(a, b, d) in &stored {
        assert!(a < b);
        assert_eq!(descriptors[&a].distance(&descriptors[&b]), Some(d));
    }
    stored
}

#[test]
fn trained_networks_left_unanalysed_are_picked_up_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "\n[analysis]\nstarts = 64\n");
    run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "1", "--json"]);
    // As if the run had been killed between training and analysis, one of them held by a dead
    // worker: both must be analysed by the next run, nothing retrained.
    let nb = Notebook::open(&db).unwrap();
    let scope = AnalysisScope::default();
    assert_eq!(nb.reanalyse(scope).unwrap(), 4);
    let claimed = nb.claim_analysis(scope, "ghost:1:0").unwrap().unwrap();
    assert_eq!(nb.unanalysed(scope).unwrap(), 4);
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert_eq!(summary["trained"], 0);
    assert_eq!(summary["analysed"], 4);
    let rows = all_rows(&db);
    assert!(rows.iter().all(|r| r.state == NetState::Analysed));
    assert!(rows.iter().any(|r| r.id == claimed.id));
}
