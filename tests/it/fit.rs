//! `labelsim fit`: maximum-likelihood fits recover the parameters that drew
//! the data (within 4 standard errors, from the asymptotic variance of each
//! MLE), the ranking picks the family that drew a large sample, the printed
//! `service_time:` validates in a scenario, worker responses are read in
//! every layout, and bad input fails with exit 2, the file and the line, and
//! no output.

use labelsim::engine::SimRng;
use labelsim::fit::{fit_all, fit_gamma, fit_lognormal, fit_weibull, Dist, Family};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Weibull};
use std::path::Path;
use std::process::{Command, Output};

const N: usize = 10_000;

fn draw(d: impl Distribution<f64>, seed: u64, n: usize) -> Vec<f64> {
    let mut rng = SimRng::seed_from_u64(seed);
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

/// |estimate − truth| ≤ 4 standard errors (a false alarm about once in
/// 16,000 seeds; the seeds are fixed, so the test is deterministic).
fn within_4se(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= 4.0 * se,
        "{what}: {estimate} vs {truth} (SE {se})"
    );
}

#[test]
fn exponential_mle_recovers_the_mean() {
    let x = draw(Exp::new(1.0 / 300.0).unwrap(), 1, N);
    let r = fit_all(&x).unwrap();
    let f = r
        .fits
        .iter()
        .find(|f| f.dist.family() == Family::Exponential)
        .unwrap();
    let Dist::Exponential { mean_s } = f.dist else {
        panic!()
    };
    // The MLE is the sample mean: SE = mean / √n.
    within_4se("mean", mean_s, 300.0, 300.0 / (N as f64).sqrt());
}

#[test]
fn lognormal_mle_recovers_median_and_sigma() {
    let (mu, sigma) = (120f64.ln(), 0.8);
    let x = draw(LogNormal::new(mu, sigma).unwrap(), 2, N);
    let Some(Dist::Lognormal { median_s, sigma: s }) = fit_lognormal(&x) else {
        panic!()
    };
    let n = N as f64;
    // μ̂ = mean of logs: SE σ/√n; σ̂: SE σ/√(2n).
    within_4se("ln median", median_s.ln(), mu, sigma / n.sqrt());
    within_4se("sigma", s, sigma, sigma / (2.0 * n).sqrt());
}

#[test]
fn gamma_mle_recovers_mean_and_cv() {
    let (k, mean) = (2.5, 200.0);
    let x = draw(Gamma::new(k, mean / k).unwrap(), 3, N);
    let Some(Dist::Gamma { mean_s, cv }) = fit_gamma(&x) else {
        panic!()
    };
    let n = N as f64;
    within_4se("mean", mean_s, mean, mean / k.sqrt() / n.sqrt());
    // Var(k̂) = k / (n (k ψ'(k) − 1)); cv = k^(−1/2), so SE(cv) = ½ k^(−3/2) SE(k).
    let h = 1e-5;
    let trigamma = (statrs::function::gamma::digamma(k + h)
        - statrs::function::gamma::digamma(k - h))
        / (2.0 * h);
    let se_k = (k / (n * (k * trigamma - 1.0))).sqrt();
    within_4se("cv", cv, 1.0 / k.sqrt(), 0.5 * k.powf(-1.5) * se_k);
}

#[test]
fn weibull_mle_recovers_shape_and_scale() {
    let (k, scale) = (1.6, 90.0);
    let x = draw(Weibull::new(scale, k).unwrap(), 4, N);
    let Some(Dist::Weibull { shape, scale_s }) = fit_weibull(&x) else {
        panic!()
    };
    let n = N as f64;
    // Var(k̂) = 6 k² / (π² n); Var(λ̂) = λ² (1 + 6 (1 − γ)² / π²) / (k² n).
    let pi2 = std::f64::consts::PI.powi(2);
    let euler = 0.577_215_664_901_532_9_f64;
    within_4se("shape", shape, k, (6.0 * k * k / (pi2 * n)).sqrt());
    let var_scale = scale * scale * (1.0 + 6.0 * (1.0 - euler).powi(2) / pi2) / (k * k * n);
    within_4se("scale", scale_s, scale, var_scale.sqrt());
}

#[test]
fn ranking_picks_the_family_that_drew_a_large_sample() {
    let n = 20_000;
    let cases: [(Family, Vec<f64>); 5] = [
        (
            Family::Exponential,
            draw(Exp::new(1.0 / 60.0).unwrap(), 5, n),
        ),
        (
            Family::Lognormal,
            draw(LogNormal::new(5.0, 0.6).unwrap(), 6, n),
        ),
        (Family::Gamma, draw(Gamma::new(3.0, 40.0).unwrap(), 7, n)),
        (
            Family::Weibull,
            draw(Weibull::new(100.0, 2.5).unwrap(), 8, n),
        ),
        (
            Family::Uniform,
            draw(rand_distr::Uniform::new(30.0, 90.0).unwrap(), 9, n),
        ),
    ];
    for (family, x) in cases {
        let r = fit_all(&x).unwrap();
        assert_eq!(r.best().dist.family(), family, "{:?}", r.fits);
        assert!(r.best().ks < 0.02, "{family:?}: KS {}", r.best().ks);
    }
}

#[test]
fn speed_spread_is_recovered_from_many_workers() {
    // 200 workers with lognormal speeds (sigma 0.5), 30 tasks each, draws
    // lognormal with sigma 0.6, as labelsim simulates them (draw / speed).
    let (sigma, workers, tasks) = (0.5, 200, 30);
    let speeds = draw(LogNormal::new(0.0, sigma).unwrap(), 10, workers);
    let per_worker: Vec<Vec<f64>> = speeds
        .iter()
        .enumerate()
        .map(|(w, s)| {
            draw(
                LogNormal::new(120f64.ln(), 0.6).unwrap(),
                100 + w as u64,
                tasks,
            )
            .into_iter()
            .map(|x| x / s)
            .collect()
        })
        .collect();
    let e = labelsim::fit::spread::estimate(&per_worker, 5).unwrap();
    // V = σ² + noise ≈ 0.25 + (π/2)(0.36)/30 = 0.269; SE(V̂) = V √(2/(W−1))
    // and SE(σ̂) = SE(V̂) / (2σ) ≈ 0.027.
    let v = sigma * sigma + std::f64::consts::FRAC_PI_2 * 0.36 / tasks as f64;
    let se = v * (2.0 / (workers as f64 - 1.0)).sqrt() / (2.0 * sigma);
    within_4se("speed spread", e.sigma, sigma, se);
    assert_eq!(e.workers_used, workers);
}

// ---- the command ----

fn labelsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run labelsim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fit_json(args: &[&str]) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.extend(["--json", "--out", out.to_str().unwrap()]);
    let o = labelsim(&all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(doc, file, "--json prints what fit.json holds");
    assert!(out.join("fit.png").exists());
    doc
}

#[test]
fn the_exponential_fit_of_a_hand_computed_set_is_its_mean_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("d.csv");
    // 2 s + 3 s + 7 s + 2 min (120 s) = 132 s over 4: mean 33 s.
    std::fs::write(&f, "duration\n2\n3s\n7\n2m\n").unwrap();
    let doc = fit_json(&[f.to_str().unwrap()]);
    let exp = doc["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["dist"] == "exponential")
        .unwrap();
    assert_eq!(exp["mean_s"], 33.0);
    assert_eq!(exp["service_time"], "{dist: exponential, mean: 33s}");
    // ln L = −n (ln 33 + 1); AIC = 2 − 2 ln L.
    let ll = -4.0 * (33f64.ln() + 1.0);
    assert!((exp["log_likelihood"].as_f64().unwrap() - ll).abs() < 1e-9);
    assert!((exp["aic"].as_f64().unwrap() - (2.0 - 2.0 * ll)).abs() < 1e-9);
}

/// Writes a scenario using `worker` as its only worker group's body and
/// runs `labelsim validate` on it.
fn validate_worker(worker: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("s.yaml");
    std::fs::write(
        &s,
        format!(
            "name: fitted\nhorizon: 1d\nproducers: [{{name: p, kind: poisson, rate: 10/h}}]\n\
             workers:\n  - name: team\n    count: 3\n{worker}"
        ),
    )
    .unwrap();
    let o = labelsim(&["validate", s.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "the fitted snippet does not validate:\n{worker}\n{}",
        text(&o.stderr)
    );
}

#[test]
fn every_printed_service_time_validates_in_a_scenario() {
    let doc = fit_json(&["tests/data/fit/durations.csv"]);
    assert_eq!(doc["best"]["dist"], "lognormal");
    for f in doc["fits"].as_array().unwrap() {
        validate_worker(&format!(
            "    service_time: {}\n",
            f["service_time"].as_str().unwrap()
        ));
    }
    // As the table prints it, pasted as is.
    let o = labelsim(&["fit", "tests/data/fit/durations.csv", "--out"]);
    assert!(!o.status.success(), "--out needs a value");
    let tmp = tempfile::tempdir().unwrap();
    let o = labelsim(&[
        "fit",
        "tests/data/fit/durations.csv",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("service_time: {dist: lognormal"))
        .unwrap_or_else(|| panic!("no service_time line in:\n{out}"));
    validate_worker(&format!("  {line}\n"));
    // The empirical alternative names the file and column.
    assert!(out.contains("{dist: empirical, csv: tests/data/fit/durations.csv, column: seconds}"));
}

#[test]
fn worker_responses_are_read_in_both_layouts_with_the_speed_spread() {
    let doc = fit_json(&["tests/data/fit/worker-response"]);
    // 60 objects × 2 workers; every tenth object has one file per answer.
    assert_eq!(doc["summary"]["n"], 120);
    assert_eq!(doc["files"], 66);
    assert_eq!(doc["measure"], "submissionTime − acceptanceTime");
    let sp = &doc["speed_spread"];
    assert_eq!(sp["workers_used"], 8);
    // The fixture's speeds are lognormal with sigma 0.4; 8 workers pin it
    // down only roughly.
    let s = sp["spread"].as_f64().unwrap();
    assert!((0.15..0.8).contains(&s), "{s}");
    validate_worker(&format!(
        "    service_time: {}\n    speed: {}\n",
        sp["service_time"].as_str().unwrap(),
        sp["speed"].as_str().unwrap()
    ));
    // The active time instead; one file alone.
    let doc = fit_json(&[
        "tests/data/fit/worker-response",
        "--column",
        "timeSpentInSeconds",
    ]);
    assert_eq!(doc["measure"], "timeSpentInSeconds");
    assert_eq!(doc["summary"]["n"], 120);
    let one = "tests/data/fit/worker-response/iteration-1/0";
    let doc = fit_json(&[one, "--min-tasks-per-worker", "2"]);
    assert_eq!(doc["summary"]["n"], 2);
    assert!(doc["warnings"][0]
        .as_str()
        .unwrap()
        .contains("only 2 durations"));
}

/// Runs `fit` on a file with `content`; returns stderr, asserting exit 2
/// and that the output folder holds nothing.
fn fails(name: &str, content: &str, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join(name);
    std::fs::write(&f, content).unwrap();
    let out = tmp.path().join("out");
    let mut args = vec!["fit", f.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = labelsim(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let left: Vec<_> = std::fs::read_dir(&out).map_or(vec![], |d| d.flatten().collect());
    assert!(left.is_empty(), "partial output: {left:?}");
    text(&o.stderr)
}

#[test]
fn bad_input_fails_with_the_file_and_line_and_writes_nothing() {
    let e = fails("empty.csv", "", &[]);
    assert!(e.contains("empty.csv is empty"), "{e}");
    let e = fails("header.csv", "seconds\n", &[]);
    assert!(e.contains("is empty"), "{e}");
    let e = fails("names.csv", "who,what\nann,cat\nbob,dog\n", &[]);
    assert!(e.contains("has no numeric column"), "{e}");
    let e = fails("neg.csv", "t\n5\n0\n7\n-2\n", &[]);
    assert!(
        e.contains("2 durations are zero or negative (the first at line 3)"),
        "{e}"
    );
    let e = fails("inf.csv", "t\n5\ninf\n", &[]);
    assert!(
        e.contains("inf.csv line 3, column `t`") && e.contains("finite"),
        "{e}"
    );
    let e = fails("text.csv", "t\n5\nfive\n", &[]);
    assert!(e.contains("text.csv line 3, column `t`"), "{e}");
    let e = fails("two.csv", "a,b\n1,2\n", &[]);
    assert!(e.contains("--column"), "{e}");
    let e = fails("r.json", "{\"answers\": [{\"workerId\": \"a\"", &[]);
    assert!(e.contains("r.json is not valid JSON (line 1"), "{e}");
    let e = fails(
        "r.json",
        "{\"answers\": [\n{\"acceptanceTime\": \"2026-01-05T09:00:00Z\",\n \"submissionTime\": \"2026-01-05T08:59:00Z\"}]}",
        &[],
    );
    assert!(
        e.contains("1 duration is zero or negative") && e.contains("line 3"),
        "{e}"
    );
    let e = fails("r.json", "{\"answers\": []}", &["--column", "nope"]);
    assert!(
        e.contains("--column") && e.contains("timeSpentInSeconds"),
        "{e}"
    );
    // Contents are never echoed: a secret-looking cell is described.
    let e = fails(
        "env.csv",
        "t\n5\nAKIAIOSFODNN7EXAMPLE_SECRET_VALUE_0123456789\n",
        &[],
    );
    assert!(!e.contains("AKIA"), "{e}");
    // A missing file.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = labelsim(&["fit", "no/such/file.csv", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read no/such/file.csv"));
}

#[test]
fn few_values_fit_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("few.csv");
    std::fs::write(&f, "10\n12\n15\n").unwrap();
    let o = labelsim(&[
        "fit",
        f.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("warning: only 3 durations"));
    assert!(Path::new(&tmp.path().join("o/fit.json")).exists());
}

#[test]
fn durations_beyond_the_clock_are_refused_with_their_line_not_a_panic() {
    // Issue 18: 1e-300..1e300 made statrs panic inside the gamma fit.
    let e = fails("wide.csv", "t\n1e-300\n5\n1e300\n", &[]);
    assert!(
        e.contains("2 durations are outside 1us..36525d")
            && e.contains("the first at line 2")
            && !e.contains("panicked"),
        "{e}"
    );
    let e = fails("tiny.csv", "t\n5\n0.0000004\n", &[]);
    assert!(
        e.contains("1 duration is outside") && e.contains("line 3"),
        "{e}"
    );
    // The library refuses them too, for its own callers.
    assert!(matches!(
        fit_all(&[1e-300, 5.0, 1e300]),
        Err(labelsim::fit::FitError::OutOfRange { index: 0, .. })
    ));
}

#[test]
fn every_fit_of_data_at_the_edges_of_the_clock_validates_or_is_not_fitted() {
    // Issue 18: 1 µs .. 100 years, and a handful of microseconds: every
    // snippet printed must load; the rest are `not_fitted`, with why.
    let tmp = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("edges.csv", "t\n0.000001\n3155760000\n60\n"),
        ("micro.csv", "t\n0.0000012\n0.0000014\n0.0000013\n"),
        ("huge.csv", "t\n3155000000\n3155760000\n3150000000\n"),
    ] {
        let f = tmp.path().join(name);
        std::fs::write(&f, content).unwrap();
        let out = tmp.path().join(format!("out-{name}"));
        let o = labelsim(&[
            "fit",
            f.to_str().unwrap(),
            "--json",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = text(&o.stderr);
        assert!(!err.contains("panicked"), "{name}: {err}");
        if name == "micro.csv" {
            // Once written, 1.2..1.4 µs would be `min: 1us, max: 1us`.
            assert_eq!(o.status.code(), Some(2), "{name}: {err}");
            assert!(
                err.contains("no distribution fits") && err.contains("too coarse"),
                "{name}: {err}"
            );
            continue;
        }
        assert!(o.status.success(), "{name}: {err}");
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for f in doc["fits"].as_array().unwrap() {
            let snippet = f["service_time"].as_str().unwrap();
            assert!(
                !snippet.contains(": ,") && !snippet.contains(": }"),
                "{snippet}"
            );
            validate_worker(&format!("    service_time: {snippet}\n"));
        }
    }
}

/// Issue 18: `fit DIR --out DIR` writes fit.json into the folder it reads;
/// a second `fit DIR` skips labelsim's own outputs instead of failing on
/// them, and fits the same.
#[test]
fn fit_skips_its_own_outputs_in_the_folder_it_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("responses");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let status = Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    };
    copy(std::path::Path::new("tests/data/fit/worker-response"), &dir);
    let d = dir.to_str().unwrap();
    let first = labelsim(&["fit", d, "--out", d]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(dir.join("fit.json").is_file());
    let fitted = std::fs::read(dir.join("fit.json")).unwrap();
    let second = labelsim(&["fit", d, "--out", d]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(std::fs::read(dir.join("fit.json")).unwrap(), fitted);
}
