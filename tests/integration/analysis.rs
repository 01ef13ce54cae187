//! The fixed-point analysis as a user runs it: after training in a sweep, stored, shown,
//! re-run with new settings, resumed, exported.

use std::path::{Path, PathBuf};

use rnnlab::store::{AnalysisScope, ListQuery, NetState, Notebook};

use crate::common;
use common::{rnnlab, run_ok, s};

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
    // The summary's time per phase: the sums of what the networks' rows record.
    let sum = |f: fn(&rnnlab::store::NetworkRow) -> Option<f64>| -> f64 {
        rows.iter().filter_map(f).sum()
    };
    let close = |key: &str, expected: f64| {
        let got = summary[key].as_f64().unwrap();
        assert!(
            (got - expected).abs() < 1e-6 * expected.max(1.0),
            "{key}: {got} vs {expected}"
        );
    };
    close("train_seconds", sum(|r| r.train_seconds));
    close("analysis_seconds", sum(|r| r.analysis_seconds));
    assert_eq!(summary["workers"], 2);

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
    // 300 steps leave every network above 10 × its target loss: the rule leaves them out and
    // says why; a looser limit takes them in.
    let strict = run_ok(&["topology", "--db", s(&db), "--experiment", "fp", "--json"]);
    assert_eq!(strict["groups"].as_array().unwrap().len(), 0);
    let left_out = strict["exclusion"]["excluded"].as_array().unwrap();
    assert_eq!(left_out.len(), 4);
    assert!(left_out[0]["reason"]
        .as_str()
        .unwrap()
        .contains("held-out loss"));
    let loose = run_ok(&[
        "topology",
        "--db",
        s(&db),
        "--experiment",
        "fp",
        "--max-loss",
        "1",
        "--json",
    ]);
    let groups = loose["groups"].as_array().unwrap();
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
    assert_eq!(fp["along_lines"], false, "flip-flop's points are isolated");
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
    let csv = rnnlab(&["export", "fixed-points", "--db", s(&db), "--format", "csv"]);
    assert_eq!(
        String::from_utf8(csv.stdout).unwrap().lines().count(),
        total + 1
    );
    let json = run_ok(&["export", "fixed-points", "--db", s(&db), "--format", "json"]);
    assert_eq!(json.as_array().unwrap().len(), total);
    let npz = dir.path().join("fp.npz");
    let out = rnnlab(&[
        "export",
        "fixed-points",
        "--db",
        s(&db),
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
    let ghost = nb.register_worker().unwrap();
    let claimed = nb.claim_analysis(scope, &ghost).unwrap().unwrap();
    assert_eq!(nb.unanalysed(scope).unwrap(), 4);
    // The ghost's lease expired long ago.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE workers SET heartbeat = heartbeat - 3600", [])
        .unwrap();
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert_eq!(summary["trained"], 0);
    assert_eq!(summary["analysed"], 4);
    let rows = all_rows(&db);
    assert!(rows.iter().all(|r| r.state == NetState::Analysed));
    assert!(rows.iter().any(|r| r.id == claimed.id));
}

#[test]
fn geometry_matrices_grow_incrementally_and_match_a_full_recomputation() {
    use rnnlab::analysis::similarity::{distances, reduce, StateProbe};
    use rnnlab::lab::compare::{settings_key, update_similarity, CompareOptions};
    use rnnlab::store::{NewNetwork, Outcome, Role};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "\n[analysis]\nstarts = 32\n");
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert_eq!(summary["compared_pairs"], 6, "the sweep fills the matrix");
    let nb = Notebook::open(&db).unwrap();
    let exp_id = nb.experiment("fp").unwrap().id;
    let options = CompareOptions::default();
    let key = settings_key(&options.reduction);
    assert_eq!(
        update_similarity(&nb, "fp", &options, 2).unwrap().new_pairs,
        0
    );

    // A fifth network arrives with network 1's weights: only its 4 pairs are computed, its
    // distances to network 1 vanish, and to the others equal network 1's.
    let before = nb.similarity_pairs(exp_id, &key).unwrap();
    let template = nb.network(1).unwrap();
    nb.plan(
        exp_id,
        &[NewNetwork {
            arch: template.arch,
            activation: template.activation,
            units: template.units as usize,
            l2: template.l2,
            seed: 99,
            role: Role::Final,
            trial: 0,
            config: template.config.clone(),
        }],
    )
    .unwrap();
    let worker = nb.register_worker().unwrap();
    let new = nb.claim(exp_id, &worker).unwrap().unwrap();
    let outcome = Outcome {
        state: NetState::Trained,
        train_seconds: 0.0,
        steps_run: 0,
        final_loss: template.final_loss,
        score: template.score,
        backoffs: 0,
        reason: None,
        curve: (Vec::new(), Vec::new()),
        weights: nb.weights(1).unwrap(),
    };
    assert!(nb.finish(&new, &outcome).unwrap());
    assert_eq!(
        update_similarity(&nb, "fp", &options, 2).unwrap().new_pairs,
        4
    );
    let after = nb.similarity_pairs(exp_id, &key).unwrap();
    assert_eq!(after.len(), 10);
    for old in &before {
        assert!(after.contains(old), "old pairs are kept as they were");
    }
    let get = |a: i64, b: i64| {
        after
            .iter()
            .find(|p| (p.0, p.1) == (a.min(b), a.max(b)))
            .unwrap()
            .2
    };
    for v in get(1, new.id) {
        assert!(v.abs() < 1e-6, "{v}");
    }
    for other in 2..=4 {
        for k in 0..3 {
            assert!((get(1, other)[k] - get(new.id, other)[k]).abs() < 1e-9);
        }
    }

    // Every stored pair equals a full recomputation from the networks' reductions.
    let mut probe = None;
    let reductions: Vec<_> = (1..=new.id)
        .map(|id| {
            let row = nb.network(id).unwrap();
            let (e, params) = rnnlab::lab::notebook::stored_network(&nb, &row)
                .unwrap()
                .unwrap();
            let probe = probe.get_or_insert_with(|| StateProbe::new(&e.task));
            reduce(probe.states(&params, false).unwrap(), &options.reduction).unwrap()
        })
        .collect();
    for &(a, b, d) in &after {
        let full = distances(&reductions[a as usize - 1], &reductions[b as usize - 1]);
        for k in 0..3 {
            assert!((full[k] - d[k]).abs() < 1e-12);
        }
    }

    // `compare` shows the table, map and scores; exports write the matrices and states.
    let c = run_ok(&["compare", "--db", s(&db), "--json"]);
    assert_eq!(c["map"].as_array().unwrap().len(), 5);
    let metrics: Vec<&str> = c["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metric"].as_str().unwrap())
        .collect();
    assert!(
        metrics.starts_with(&["svcca", "cca-angular", "procrustes"]),
        "{metrics:?}"
    );
    let csv = rnnlab(&["export", "distances", "--db", s(&db), "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("svcca,")).count(), 10);
    let npz = dir.path().join("states.npz");
    let out = rnnlab(&[
        "export",
        "states",
        "--db",
        s(&db),
        "--format",
        "npz",
        "--output",
        s(&npz),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&npz).unwrap()).unwrap();
    assert!(zip.by_name("net5/states.npy").is_ok());
    let bad = rnnlab(&["export", "states", "--db", s(&db), "--format", "csv"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = rnnlab(&["compare", "--db", s(&db), "--variance", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_runner_leaves_the_similarity_to_the_runner_computing_it() {
    use rnnlab::analysis::similarity::ReductionOptions;
    use rnnlab::experiment::Experiment;
    use rnnlab::lab::compare::settings_key;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "\n[analysis]\nstarts = 32\n");
    let parsed = Experiment::load(&exp).unwrap();
    let nb = Notebook::open(&db).unwrap();
    let id = parsed.ensure_in(&nb).unwrap();
    let key = settings_key(&ReductionOptions::default());
    // Another runner, ending at the same time, holds the end-of-sweep update.
    assert!(nb
        .claim_similarity_update(id, &key, "peer:1", 3600.0)
        .unwrap());
    assert!(!nb
        .claim_similarity_update(id, &key, "peer:2", 3600.0)
        .unwrap());
    let first = run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert_eq!(first["trained"], 4);
    assert_eq!(
        first["compared_pairs"], 0,
        "left to the runner computing it"
    );
    assert_eq!(first["compared_elsewhere"], true);
    // Released (done, or its holder gone stale): the next run computes every pair, once.
    nb.release_similarity_update(id, &key, "peer:1").unwrap();
    let next = run_ok(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert_eq!(next["compared_pairs"], 6);
    assert_eq!(next["compared_elsewhere"], false);
    // A claim past its staleness is taken over.
    assert!(nb
        .claim_similarity_update(id, &key, "peer:3", 3600.0)
        .unwrap());
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(nb
        .claim_similarity_update(id, &key, "peer:4", 0.01)
        .unwrap());
}
