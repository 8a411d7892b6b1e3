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

/// The rule table in `src/lib.rs` ("Where each rule lives") names every
/// rule of the model (R1–R12, P1–P9, A1–A4, S1–S4) and only files or
/// folders that exist, so a reader sent there finds the rule.
#[test]
fn the_rule_table_names_every_rule_and_only_existing_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs");
    let rows: Vec<&str> = lib
        .lines()
        .skip_while(|l| !l.starts_with("//! | rule |"))
        .skip(2)
        .take_while(|l| l.starts_with("//! |"))
        .collect();
    assert!(
        rows.len() > 20,
        "the rule table in src/lib.rs has {} rows",
        rows.len()
    );
    let mut named = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for row in &rows {
        let cells: Vec<&str> = row.trim_start_matches("//! ").split('|').collect();
        // Rules in the first cell: "R9", and ranges such as "S2–S4".
        let rule = cells[1];
        let words: Vec<&str> = rule
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '–'))
            .collect();
        for w in words {
            let mut ends = w.split('–');
            let (Some(a), b) = (ends.next(), ends.next()) else {
                continue;
            };
            let parse = |s: &str| -> Option<(char, u32)> {
                let mut ch = s.chars();
                let letter = ch.next()?;
                let n: u32 = ch.as_str().parse().ok()?;
                "RPAS".contains(letter).then_some((letter, n))
            };
            let Some((letter, lo)) = parse(a) else {
                continue;
            };
            let hi = b.and_then(parse).map_or(lo, |(_, n)| n);
            for n in lo..=hi {
                named.insert(format!("{letter}{n}"));
            }
        }
        // Every `path` with a slash or an .rs ending is a file or folder of
        // src/ (bare names in parentheses are siblings of the row's file).
        for cell in &cells[2..] {
            for (i, part) in cell.split('`').enumerate() {
                if i % 2 == 1 && part.contains('/') {
                    let p = root.join("src").join(part);
                    if !p.exists() {
                        missing.push(part.to_string());
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the rule table names missing paths: {missing:?}"
    );
    let want = [("R", 12), ("P", 9), ("A", 4), ("S", 4)];
    let absent: Vec<String> = want
        .iter()
        .flat_map(|&(l, n)| (1..=n).map(move |k| format!("{l}{k}")))
        .filter(|r| !named.contains(r))
        .collect();
    assert!(
        absent.is_empty(),
        "rules without a row in src/lib.rs: {absent:?}"
    );
}
