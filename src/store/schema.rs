//! The notebook's schema, as numbered migrations. A notebook at version k has had migrations
//! 1..=k applied (PRAGMA user_version); later issues append theirs, never edit old ones.

/// `PRAGMA application_id` of every rnnlab notebook ("RNNL").
pub const APPLICATION_ID: i32 = 0x524E_4E4C;

/// Migration i + 1 is `MIGRATIONS[i]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: experiments, networks and their curves and weights, the workers training them.
    "
    CREATE TABLE experiments (
        id        INTEGER PRIMARY KEY,
        name      TEXT NOT NULL UNIQUE,
        task      TEXT NOT NULL,
        spec      TEXT NOT NULL,   -- the experiment file as written
        canonical TEXT NOT NULL,   -- its parsed form: tells an edited file from the same one
        created   REAL NOT NULL    -- unix seconds
    );
    CREATE TABLE workers (
        id        TEXT PRIMARY KEY,
        host      TEXT NOT NULL,
        pid       INTEGER NOT NULL,
        started   REAL NOT NULL,
        heartbeat REAL NOT NULL
    );
    CREATE TABLE networks (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        arch          TEXT NOT NULL,
        activation    TEXT NOT NULL,
        units         INTEGER NOT NULL,
        l2            REAL NOT NULL,
        seed          INTEGER NOT NULL,
        role          TEXT NOT NULL DEFAULT 'final' CHECK (role IN ('final', 'search')),
        trial         INTEGER NOT NULL DEFAULT 0,  -- hyperparameter sample of a search run
        config        TEXT NOT NULL,  -- the full training settings, JSON
        state         TEXT NOT NULL DEFAULT 'planned' CHECK (state IN
                          ('planned', 'training', 'trained', 'analysed', 'failed', 'diverged')),
        worker        TEXT,
        started       REAL,
        finished      REAL,
        train_seconds REAL,
        steps_run     INTEGER,
        final_loss    REAL,
        score         REAL,
        backoffs      INTEGER,
        reason        TEXT,
        UNIQUE (experiment_id, arch, activation, units, l2, seed, role, trial)
    );
    -- Claiming (experiment, 'planned', lowest id) is one index seek: rowids follow the key.
    CREATE INDEX networks_to_claim ON networks (experiment_id, state);
    -- Status counts per state and architecture read only this index.
    CREATE INDEX networks_by_state ON networks (experiment_id, state, arch);
    CREATE INDEX networks_by_loss ON networks (final_loss);
    CREATE INDEX networks_by_score ON networks (score);
    CREATE TABLE curves (
        network_id INTEGER PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
        steps      BLOB NOT NULL,  -- u32 little-endian
        losses     BLOB NOT NULL   -- f32 little-endian
    );
    CREATE TABLE weights (
        network_id INTEGER PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
        format     TEXT NOT NULL,  -- 'f32le': the flat parameter vector (README: layout)
        len        INTEGER NOT NULL,
        data       BLOB NOT NULL
    );
    ",
    // 2: the fixed-point analysis: per network a summary, per fixed point its linearisation.
    "
    ALTER TABLE networks ADD COLUMN fixed_points INTEGER;     -- points found, every input
    ALTER TABLE networks ADD COLUMN stable_points INTEGER;    -- of which stable
    ALTER TABLE networks ADD COLUMN analysis_seconds REAL;
    CREATE TABLE analyses (
        network_id INTEGER PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
        settings   TEXT NOT NULL,  -- the search settings used, JSON
        summary    TEXT NOT NULL,  -- per input: counts per stability class, JSON
        note       TEXT,           -- why the result is thin, when it is
        seconds    REAL NOT NULL,
        finished   REAL NOT NULL
    );
    CREATE TABLE fixed_points (
        id          INTEGER PRIMARY KEY,
        network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        input_index INTEGER NOT NULL,  -- row of the task's constant inputs
        input       BLOB NOT NULL,     -- f64 little-endian
        state       BLOB NOT NULL,     -- f64 little-endian (LSTM: [c; h])
        q           REAL NOT NULL,
        converged   INTEGER NOT NULL,  -- 1: fixed point, 0: slow point
        unstable    INTEGER NOT NULL,  -- #{|λ| > 1}
        max_modulus REAL NOT NULL,
        eigenvalues BLOB NOT NULL,     -- f64 little-endian (re, im) pairs, largest |λ| first
        readout     BLOB NOT NULL      -- f64 little-endian
    );
    CREATE INDEX fixed_points_of_network ON fixed_points (network_id, input_index);
    ",
    // 3: each network's scaffold (topology descriptor) and the topology distances between them.
    "
    ALTER TABLE networks ADD COLUMN ideal_scaffold INTEGER;   -- 1 if the task's ideal scaffold
    ALTER TABLE networks ADD COLUMN scaffold_distance REAL;   -- topology distance to the ideal
    CREATE TABLE topologies (
        network_id        INTEGER PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
        version           INTEGER NOT NULL,  -- descriptors of different versions never compare
        descriptor        TEXT NOT NULL,     -- JSON
        ideal             INTEGER NOT NULL,
        distance_to_ideal REAL NOT NULL
    );
    CREATE TABLE topology_distances (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        a             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        b             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,  -- a < b
        distance      REAL NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX topology_distances_of_experiment ON topology_distances (experiment_id);
    CREATE INDEX topology_distances_to_b ON topology_distances (b);
    ",
    // 4: the geometry distances between an experiment's networks (SVCCA, angular CCA,
    // Procrustes), per reduction settings, one row per pair a < b, added as networks arrive.
    "
    CREATE TABLE similarity_distances (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        settings      TEXT NOT NULL,  -- the reduction settings, JSON
        a             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        b             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        svcca         REAL NOT NULL,
        cca_angular   REAL NOT NULL,
        procrustes    REAL NOT NULL,
        PRIMARY KEY (settings, a, b)
    );
    CREATE INDEX similarity_of_experiment ON similarity_distances (experiment_id, settings);
    CREATE INDEX similarity_to_b ON similarity_distances (b);
    ",
    // 5: fixed_points counts fixed points only; slow points and the pseudo fixed points the
    // search rejected get their own columns (pseudo: unknown for analyses made before); the
    // principal components each network's reduction kept, per reduction settings.
    "
    CREATE TABLE reductions (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        settings      TEXT NOT NULL,
        network_id    INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        components    INTEGER NOT NULL,
        PRIMARY KEY (settings, network_id)
    );
    CREATE INDEX reductions_of_experiment ON reductions (experiment_id, settings);
    ALTER TABLE networks ADD COLUMN slow_points INTEGER;
    ALTER TABLE networks ADD COLUMN pseudo_points INTEGER;
    UPDATE networks SET slow_points = (
        SELECT COUNT(*) FROM fixed_points f WHERE f.network_id = networks.id AND NOT f.converged
    ) WHERE fixed_points IS NOT NULL;
    UPDATE networks SET fixed_points = fixed_points - slow_points WHERE fixed_points IS NOT NULL;
    UPDATE networks SET stable_points = (
        SELECT COUNT(*) FROM fixed_points f
        WHERE f.network_id = networks.id AND f.converged AND f.max_modulus < 1.0
    ) WHERE stable_points IS NOT NULL;
    ",
    // 6: claims are leases with a fencing token. Every claim (to train or to analyse) takes
    // the next token; a write for the network must present it, so the writes of a worker whose
    // claim was taken over (it died, or was paused past its lease) are refused.
    "
    ALTER TABLE networks ADD COLUMN lease INTEGER;
    CREATE TABLE leases (last INTEGER NOT NULL);
    INSERT INTO leases (last) VALUES (0);
    ",
    // 7: sweeps on Slurm. A submission holds its networks under a worker of its own
    // ('slurm:ID'); each array task's networks are recorded with the array job that runs them.
    "
    CREATE TABLE slurm_submissions (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        folder        TEXT NOT NULL,   -- the sweep folder: manifests, scripts, results, logs
        worker        TEXT NOT NULL,   -- the worker id holding its networks
        submitted     REAL NOT NULL
    );
    CREATE TABLE slurm_tasks (
        submission_id INTEGER NOT NULL REFERENCES slurm_submissions(id) ON DELETE CASCADE,
        job_id        TEXT NOT NULL,   -- the array job (sbatch --parsable)
        task          INTEGER NOT NULL,-- its index in that array
        slot          INTEGER NOT NULL,-- the task's number in its manifest
        manifest      TEXT NOT NULL,   -- the manifest file
        networks      TEXT NOT NULL,   -- JSON list of network ids
        PRIMARY KEY (job_id, task)
    );
    ",
    // 8: one runner at a time brings an experiment's similarity matrices up to date at the end
    // of a sweep; the others leave it to that one.
    "
    CREATE TABLE similarity_updates (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        settings      TEXT NOT NULL,
        holder        TEXT NOT NULL,   -- who computes (host:pid)
        started       REAL NOT NULL,
        PRIMARY KEY (experiment_id, settings)
    );
    ",
    // 9: geometry pairs keyed by a small settings id in a table without rowids: at the study's
    // scale (3,000 networks, 4.5 million pairs) the settings text, repeated in every row, its
    // key and an index, made about 260 bytes a pair. The key (experiment, settings, a, b)
    // serves every read; nothing deletes networks, so no index on b is kept for cascades.
    "
    CREATE TABLE similarity_settings (
        id       INTEGER PRIMARY KEY,
        settings TEXT NOT NULL UNIQUE  -- the reduction settings, JSON
    );
    INSERT INTO similarity_settings (settings)
        SELECT DISTINCT settings FROM similarity_distances ORDER BY settings;
    CREATE TABLE similarity_pairs (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        settings_id   INTEGER NOT NULL REFERENCES similarity_settings(id),
        a             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        b             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        svcca         REAL NOT NULL,
        cca_angular   REAL NOT NULL,
        procrustes    REAL NOT NULL,
        PRIMARY KEY (experiment_id, settings_id, a, b)
    ) WITHOUT ROWID;
    INSERT INTO similarity_pairs
        SELECT d.experiment_id, s.id, d.a, d.b, d.svcca, d.cca_angular, d.procrustes
        FROM similarity_distances d JOIN similarity_settings s ON s.settings = d.settings;
    DROP TABLE similarity_distances;
    ",
    // 10: a notebook has an identity, and a Slurm task's result file says whose it is (the
    // notebook, the submission, the manifest and the task), so `slurm collect` can refuse a
    // result that is not its own.
    "
    CREATE TABLE notebook_identity (id TEXT NOT NULL);
    INSERT INTO notebook_identity (id) VALUES (lower(hex(randomblob(16))));
    CREATE TABLE result_origin (
        notebook   TEXT NOT NULL,     -- the identity of the notebook it is for
        submission INTEGER NOT NULL,  -- its submission there
        manifest   TEXT NOT NULL,     -- the manifest's name (manifest-1, ...)
        slot       INTEGER NOT NULL   -- the task's number in that manifest
    );
    ",
    // 11: Dynamical Similarity Analysis pairs (Procrustes over vector fields and the spectral
    // score), keyed like the geometry pairs by a settings id (the DSA settings, JSON).
    "
    CREATE TABLE dsa_pairs (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        settings_id   INTEGER NOT NULL REFERENCES similarity_settings(id),
        a             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        b             INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        dsa           REAL NOT NULL,
        dsa_spectral  REAL NOT NULL,
        PRIMARY KEY (experiment_id, settings_id, a, b)
    ) WITHOUT ROWID;
    ",
    // 12: recorded population activity placed among an experiment's networks: the recording
    // (condition means, and the single trials when given), and per network and metric its
    // distance to the recording with a bootstrap interval and the neuron-subsampled control.
    "
    CREATE TABLE recordings (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        conditions    INTEGER NOT NULL,
        steps         INTEGER NOT NULL,
        neurons       INTEGER NOT NULL,
        means         BLOB NOT NULL,     -- f64le (conditions, steps, neurons)
        trials        INTEGER,           -- single trials given, if any
        trial_labels  BLOB,              -- i64le (trials,): each trial's condition index
        trial_data    BLOB,              -- f64le (trials, steps, neurons)
        source        TEXT NOT NULL,     -- the file it was read from
        created       REAL NOT NULL,
        UNIQUE (experiment_id, name)
    );
    CREATE TABLE recording_distances (
        recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        settings_id  INTEGER NOT NULL REFERENCES similarity_settings(id),
        network_id   INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
        metric       TEXT NOT NULL,
        distance     REAL NOT NULL,
        low          REAL,              -- bootstrap interval over conditions (and trials)
        high         REAL,
        subsampled   REAL,              -- the network's states cut to the recording's neurons
        PRIMARY KEY (recording_id, settings_id, network_id, metric)
    ) WITHOUT ROWID;
    ",
];
