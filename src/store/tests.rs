use super::*;
use crate::net::{Activation, Arch};
use crate::task::TaskKind;

fn new_network(seed: u64, arch: Arch) -> NewNetwork {
    NewNetwork {
        arch,
        activation: Activation::Tanh,
        units: 16,
        l2: 1e-5,
        seed,
        role: Role::Final,
        trial: 0,
        config: "{}".into(),
    }
}

fn trained(loss: f64) -> Outcome {
    Outcome {
        state: NetState::Trained,
        train_seconds: 1.5,
        steps_run: 100,
        final_loss: Some(loss),
        score: Some(0.99),
        backoffs: 0,
        reason: None,
        curve: (vec![0, 10, 20], vec![1.0, 0.5, 0.25]),
        weights: Some(vec![0.5, -1.25, 3.0]),
    }
}

#[test]
fn migrates_an_empty_file_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.db");
    let nb = Notebook::open(&path).unwrap();
    assert_eq!(nb.version().unwrap(), schema::MIGRATIONS.len() as i64);
    drop(nb);
    let nb = Notebook::open(&path).unwrap();
    assert!(nb.integrity_ok().unwrap());
    assert!(nb.experiments().unwrap().is_empty());
}

#[test]
fn refuses_files_that_are_not_notebooks_or_too_new() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just some notes, long enough to not be an empty file ......................................................................").unwrap();
    assert!(matches!(
        Notebook::open(&text),
        Err(StoreError::NotANotebook { .. })
    ));
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .starts_with("just some notes"));

    let other = dir.path().join("other.db");
    let c = Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(c);
    assert!(matches!(
        Notebook::open(&other),
        Err(StoreError::NotANotebook { .. })
    ));

    let newer = dir.path().join("newer.db");
    drop(Notebook::open(&newer).unwrap());
    let c = Connection::open(&newer).unwrap();
    c.execute_batch("PRAGMA user_version = 999;").unwrap();
    drop(c);
    let err = Notebook::open(&newer).err().unwrap();
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer rnnlab"));
}

#[test]
fn planning_is_idempotent_and_names_are_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let nb = Notebook::open(&dir.path().join("nb.db")).unwrap();
    let id = nb
        .ensure_experiment("q", TaskKind::FlipFlop, "spec text", "canon")
        .unwrap();
    let nets: Vec<_> = (0..4).map(|s| new_network(s, Arch::Gru)).collect();
    assert_eq!(nb.plan(id, &nets).unwrap(), 4);
    assert_eq!(nb.plan(id, &nets).unwrap(), 0);
    assert_eq!(
        nb.ensure_experiment("q", TaskKind::FlipFlop, "edited comment", "canon")
            .unwrap(),
        id
    );
    assert!(matches!(
        nb.ensure_experiment("q", TaskKind::FlipFlop, "spec", "different"),
        Err(StoreError::ExperimentConflict(_))
    ));
}

#[test]
fn claim_finish_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let nb = Notebook::open(&dir.path().join("nb.db")).unwrap();
    let id = nb
        .ensure_experiment("q", TaskKind::FlipFlop, "s", "c")
        .unwrap();
    nb.plan(id, &[new_network(0, Arch::Gru), new_network(1, Arch::Lstm)])
        .unwrap();
    let worker = nb.register_worker().unwrap();
    let a = nb.claim(id, &worker).unwrap().unwrap();
    let b = nb.claim(id, &worker).unwrap().unwrap();
    assert_ne!(a.id, b.id);
    assert!(nb.claim(id, &worker).unwrap().is_none());
    assert_eq!(a.state, NetState::Training);
    assert!(nb.finish(&a, &trained(1e-4)).unwrap());
    assert!(!nb.finish(&a, &trained(1e-4)).unwrap(), "finished twice");
    let stale = NetworkRow {
        lease: b.lease.map(|t| t - 1),
        ..b.clone()
    };
    assert!(
        !nb.finish(&stale, &trained(1e-4)).unwrap(),
        "a write under another claim's token"
    );
    let row = nb.network(a.id).unwrap();
    assert_eq!(row.state, NetState::Trained);
    assert_eq!(row.final_loss, Some(1e-4));
    assert_eq!(nb.weights(a.id).unwrap().unwrap(), vec![0.5, -1.25, 3.0]);
    assert_eq!(
        nb.curve(a.id).unwrap().unwrap(),
        (vec![0, 10, 20], vec![1.0, 0.5, 0.25])
    );
    // b's worker retires: b goes back to planned.
    nb.retire_worker(&worker).unwrap();
    assert_eq!(nb.network(b.id).unwrap().state, NetState::Planned);
}

#[test]
fn networks_of_a_dead_worker_are_planned_again() {
    let dir = tempfile::tempdir().unwrap();
    let nb = Notebook::open(&dir.path().join("nb.db")).unwrap();
    let id = nb
        .ensure_experiment("q", TaskKind::FlipFlop, "s", "c")
        .unwrap();
    nb.plan(id, &[new_network(0, Arch::Gru)]).unwrap();
    let alive = nb.register_worker().unwrap();
    let net = nb.claim(id, &alive).unwrap().unwrap();
    assert_eq!(
        nb.requeue_orphans().unwrap(),
        0,
        "a live worker keeps its network"
    );
    nb.conn
        .execute("UPDATE workers SET heartbeat = heartbeat - 3600", [])
        .unwrap();
    assert_eq!(nb.requeue_orphans().unwrap(), 1);
    assert_eq!(nb.network(net.id).unwrap().state, NetState::Planned);
    assert!(nb.workers().unwrap().is_empty());
    // The dead worker's later writes and claims are refused; a new claim has a new token.
    assert!(!nb.finish(&net, &trained(1e-4)).unwrap());
    assert!(
        !nb.heartbeat(&alive).unwrap(),
        "its heartbeat finds it gone"
    );
    assert!(nb.claim(id, &alive).unwrap().is_none());
    let other = nb.register_worker().unwrap();
    let again = nb.claim(id, &other).unwrap().unwrap();
    assert_eq!(again.id, net.id);
    assert!(again.lease > net.lease);
    assert!(nb.finish(&again, &trained(1e-4)).unwrap());
}

#[test]
fn list_filters_sorts_and_pages_in_sql() {
    let dir = tempfile::tempdir().unwrap();
    let nb = Notebook::open(&dir.path().join("nb.db")).unwrap();
    let id = nb
        .ensure_experiment("q", TaskKind::FlipFlop, "s", "c")
        .unwrap();
    let nets: Vec<_> = (0..6)
        .map(|s| new_network(s, if s % 2 == 0 { Arch::Gru } else { Arch::Vanilla }))
        .collect();
    nb.plan(id, &nets).unwrap();
    let w = nb.register_worker().unwrap();
    while let Some(n) = nb.claim(id, &w).unwrap() {
        nb.finish(&n, &trained(1e-3 * (n.seed + 1) as f64)).unwrap();
    }
    let q = ListQuery {
        experiment: Some("q".into()),
        filter: Some("arch = gru and final_loss < 4e-3".into()),
        sort: Some("final_loss".into()),
        descending: true,
        limit: 10,
        offset: 0,
    };
    let rows = nb.list(&q).unwrap();
    assert_eq!(rows.iter().map(|r| r.seed).collect::<Vec<_>>(), vec![2, 0]);
    assert_eq!(nb.count(&q).unwrap(), 2);
    let page = nb
        .list(&ListQuery {
            limit: 2,
            offset: 2,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(page.iter().map(|r| r.seed).collect::<Vec<_>>(), vec![2, 3]);
    for bad in [
        ListQuery {
            filter: Some("colour = red".into()),
            limit: 1,
            ..ListQuery::default()
        },
        ListQuery {
            sort: Some("id; DROP TABLE networks".into()),
            limit: 1,
            ..ListQuery::default()
        },
        ListQuery {
            experiment: Some("nope".into()),
            limit: 1,
            ..ListQuery::default()
        },
    ] {
        assert!(nb.list(&bad).is_err());
    }
    assert_eq!(nb.count(&ListQuery::default()).unwrap(), 6);
}

#[test]
fn concurrent_opens_of_a_new_notebook_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.db");
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Notebook::open(&path).map(|nb| nb.version().unwrap()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), schema::MIGRATIONS.len() as i64);
    }
}

#[test]
fn every_filter_column_is_a_field_of_the_json_row() {
    let dir = tempfile::tempdir().unwrap();
    let nb = Notebook::open(&dir.path().join("nb.db")).unwrap();
    let id = nb
        .ensure_experiment("q", TaskKind::FlipFlop, "s", "c")
        .unwrap();
    nb.plan(id, &[new_network(0, Arch::Gru)]).unwrap();
    let rows = nb
        .list(&ListQuery {
            limit: 10,
            ..ListQuery::default()
        })
        .unwrap();
    let row = &rows[0];
    let json = serde_json::to_value(row).unwrap();
    for (name, _) in FILTER_COLUMNS {
        assert!(json.get(*name).is_some(), "{name} is not a JSON field");
    }
    assert_eq!(
        json.as_object().unwrap().len(),
        FILTER_COLUMNS.len(),
        "and nothing else"
    );
}

#[test]
fn a_version_8_notebook_keeps_its_geometry_pairs_through_migration_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let c = Connection::open(&path).unwrap();
    for sql in &schema::MIGRATIONS[..8] {
        c.execute_batch(sql).unwrap();
    }
    c.execute_batch(&format!(
        "PRAGMA application_id = {}; PRAGMA user_version = 8;
         INSERT INTO experiments (id, name, task, spec, canonical, created)
             VALUES (1, 'e', 'flipflop', '', 'e', 0);
         INSERT INTO networks (id, experiment_id, arch, activation, units, l2, seed, config)
             VALUES (1, 1, 'gru', 'tanh', 8, 0, 0, '{{}}'), (2, 1, 'gru', 'tanh', 8, 0, 1, '{{}}'),
                    (3, 1, 'gru', 'tanh', 8, 0, 2, '{{}}');
         INSERT INTO similarity_distances VALUES (1, 'k', 1, 2, 0.1, 0.2, 0.3),
             (1, 'k', 1, 3, 0.4, 0.5, 0.6), (1, 'other', 2, 3, 0.7, 0.8, 0.9);",
        schema::APPLICATION_ID
    ))
    .unwrap();
    drop(c);
    let nb = Notebook::open(&path).unwrap();
    assert_eq!(nb.version().unwrap(), schema::MIGRATIONS.len() as i64);
    assert_eq!(
        nb.similarity_pairs(1, "k").unwrap(),
        vec![(1, 2, [0.1, 0.2, 0.3]), (1, 3, [0.4, 0.5, 0.6])]
    );
    assert_eq!(
        nb.similarity_pairs(1, "other").unwrap(),
        vec![(2, 3, [0.7, 0.8, 0.9])]
    );
    // New pairs under known and new settings join them.
    nb.store_similarity(1, "k", &[(3, 2, [1.0, 1.1, 1.2])])
        .unwrap();
    nb.store_similarity(1, "new", &[(1, 2, [0.0; 3])]).unwrap();
    assert_eq!(nb.similarity_pairs(1, "k").unwrap().len(), 3);
    assert_eq!(
        nb.similarity_pairs(1, "new").unwrap(),
        vec![(1, 2, [0.0; 3])]
    );
    assert!(nb.integrity_ok().unwrap());
}
