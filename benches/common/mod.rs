//! What the benches share: every case runs in a fresh child process of the
//! bench binary (`-- case NAME`), so the peak memory it reports is its own.

/// The case named after `case` in this process's arguments, if any.
pub fn case_asked() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "case")?;
    Some(args.get(i + 1).expect("`case` takes a case name").clone())
}

/// Prints the table's `header` row and runs every case of `names` in its
/// own child process, which prints its row.
pub fn run_each_in_a_child(header: &[&str], names: &[&str]) {
    println!("| {} |", header.join(" | "));
    println!("|{}", "---|".repeat(header.len()));
    let exe = std::env::current_exe().expect("own path");
    for name in names {
        let status = std::process::Command::new(&exe)
            .args(["case", name])
            .status()
            .expect("child bench");
        assert!(status.success(), "case {name} failed");
    }
}
