//! README's quick-start sample output is the program's: the block between
//! `<!-- quickstart-output:start -->` and `<!-- quickstart-output:end -->`
//! must equal what `labelsim run scenarios/quickstart.yaml` prints, except
//! for what legitimately differs between two runs (the wall-clock time and
//! events per second) and the output folder (README shows the default).
//! `scripts/regen-docs.sh` rewrites the block when the output changes.

use std::path::Path;
use std::process::Command;

/// The fenced block between the markers, without the fences.
fn readme_block(readme: &str) -> Vec<String> {
    let mut lines = readme.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("<!-- quickstart-output:start"))
        .expect("README.md has a <!-- quickstart-output:start --> line");
    let block: Vec<&str> = lines
        .take_while(|l| !l.starts_with("<!-- quickstart-output:end"))
        .collect();
    assert!(
        block.len() >= 2 && block[0].starts_with("```") && block[block.len() - 1] == "```",
        "the quick-start block in README.md is not one fenced code block"
    );
    block[1..block.len() - 1]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// `  395,538 events in 0.04 s (1.061e7 events/s)` → `  395,538 events in
/// <wall-clock>`: the event count is deterministic, the timing is not.
fn normalise(line: &str, out_dir: &str) -> String {
    if let Some(i) = line.find(" events in ") {
        if line.ends_with(" events/s)") {
            return format!("{} events in <wall-clock>", &line[..i]);
        }
    }
    match line.strip_prefix(&format!("results: {out_dir}/ ")) {
        Some(rest) => format!("results: results/quickstart/ {rest}"),
        None => line.to_string(),
    }
}

#[test]
fn readme_quickstart_output_matches_the_program() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("quickstart");
    let out_text = out.to_str().expect("a UTF-8 temp path");
    let run = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .current_dir(root)
        .args(["run", "scenarios/quickstart.yaml", "--out", out_text])
        .output()
        .expect("run labelsim");
    assert!(
        run.status.success(),
        "labelsim run failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let printed: Vec<String> = String::from_utf8(run.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| normalise(l, out_text))
        .collect();
    let shown: Vec<String> = readme_block(&readme)
        .iter()
        .map(|l| normalise(l, "results/quickstart"))
        .collect();
    if printed != shown {
        let diff: Vec<String> = (0..printed.len().max(shown.len()))
            .filter(|&i| printed.get(i) != shown.get(i))
            .map(|i| {
                format!(
                    "line {}:\n  README:  {:?}\n  program: {:?}",
                    i + 1,
                    shown.get(i),
                    printed.get(i)
                )
            })
            .collect();
        panic!(
            "README.md's quick-start output no longer matches `labelsim run \
             scenarios/quickstart.yaml`; run scripts/regen-docs.sh.\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn normalising_keeps_everything_but_timing_and_folder() {
    assert_eq!(
        normalise("  395,538 events in 0.04 s (1.061e7 events/s)", "/x"),
        "  395,538 events in <wall-clock>"
    );
    assert_eq!(
        normalise(
            "results: /tmp/a/quickstart/ (report.html)",
            "/tmp/a/quickstart"
        ),
        "results: results/quickstart/ (report.html)"
    );
    assert_eq!(
        normalise("  objects labeled   65,469", "/x"),
        "  objects labeled   65,469"
    );
}
