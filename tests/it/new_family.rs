//! docs/new-family.md, the worked example, is real: every `sdsl …` command
//! on the page runs against the built binary and prints exactly the output
//! shown; the illustrative step is marked on the page and in its files; and
//! the k-sweep's predictions equal a hand computation from the bundled logs'
//! printed numbers (not from the program's output).

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PAGE: &str = "docs/new-family.md";

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn sdsl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("run sdsl")
}

fn normalise(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// The `$ sdsl …` commands of the page's console blocks with their shown
/// output, in page order.
fn shown_commands(md: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in md.lines() {
        if line.starts_with("```") {
            inside = !inside && line.trim() == "```console";
            continue;
        }
        if !inside {
            continue;
        }
        match line.strip_prefix("$ ") {
            Some(cmd) => out.push((cmd.to_string(), Vec::new())),
            None => out
                .last_mut()
                .expect("output before a command")
                .1
                .push(line.to_string()),
        }
    }
    out
}

#[test]
fn every_command_on_the_page_prints_what_it_shows() {
    std::fs::create_dir_all(Path::new(ROOT).join("target")).unwrap();
    let cmds = shown_commands(&read(PAGE));
    assert!(cmds.len() >= 7, "only {} commands on the page", cmds.len());
    for (cmd, shown) in &cmds {
        let rest = cmd
            .strip_prefix("sdsl ")
            .unwrap_or_else(|| panic!("not an sdsl command: {cmd}"));
        let args: Vec<&str> = rest.split_whitespace().collect();
        let out = sdsl(&args);
        assert!(
            out.status.success(),
            "`{cmd}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = normalise(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(
            normalise(&shown.join("\n")),
            printed,
            "`{cmd}` prints something else than {PAGE} shows"
        );
    }
}

#[test]
fn the_illustrative_step_is_marked_on_the_page_and_in_its_files() {
    let md = read(PAGE);
    let step = md.split("## 7.").nth(1).expect("step 7");
    assert!(step.contains("illustrative, not measured"));
    let cmd = shown_commands(step)
        .into_iter()
        .next()
        .expect("the fit command")
        .0;
    let files: Vec<&str> = cmd
        .split_whitespace()
        .filter(|a| a.contains("illustrative"))
        .collect();
    assert_eq!(files.len(), 6, "{cmd}");
    for f in files {
        let text = read(f);
        assert!(
            text.contains("Illustrative, not measured")
                || text.contains("illustrative_not_measured"),
            "{f} does not say it is illustrative"
        );
    }
    // and no output of the page goes to reports/
    assert!(!md.contains("--out reports"));
}

/// A number printed after `label` on a line of a bench log.
fn printed(log: &str, label: &str) -> f64 {
    log.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or_else(|| panic!("no '{label}'"))
}

/// E(α, γ) = (1 − α^(γ+1))/(1 − α) and S = E/(γc + 1) (Leviathan et al. 2023, Eq. 1, Thm 3.8).
fn s(alpha: f64, k: f64, c: f64) -> f64 {
    (1.0 - alpha.powf(k + 1.0)) / (1.0 - alpha) / (k * c + 1.0)
}

fn registry_params(name: &str) -> f64 {
    read("datasets/models-engines.csv")
        .lines()
        .find(|l| l.starts_with(&format!("{name},")))
        .and_then(|l| l.split(',').nth(3))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{name} not in the registry"))
}

#[test]
fn the_k_sweep_predictions_equal_a_hand_computation() {
    let v = "datasets/engines/vllm";
    let tpot_plain = printed(&read(&format!("{v}/bench-nosd-32b.log")), "Mean TPOT (ms):");
    let tpot_draft = printed(
        &read(&format!("{v}/bench-nosd-1.7b.log")),
        "Mean TPOT (ms):",
    );
    assert_eq!((tpot_plain, tpot_draft), (23.65, 2.27));
    let (n, m) = (registry_params("Qwen3-1.7B"), registry_params("Qwen3-32B"));
    // two sizes: the affine law through both points, so c = t(N)/t(M) is the TPOT ratio
    let c_lat = tpot_draft / tpot_plain;
    let mut files: Vec<String> = Vec::new();
    let mut expect = Vec::new();
    for k in 1..=8u32 {
        let log = read(&format!("{v}/bench-sd-32b-1.7b-k{k}.log"));
        let drafts = printed(&log, "Drafts:");
        let acc = printed(&log, "Accepted tokens:");
        let last = printed(&log, &format!("Position {}:", k - 1)) / 100.0;
        let alpha = acc / (acc + drafts - (drafts * last).round());
        let kf = f64::from(k);
        let meas = tpot_plain / printed(&log, "Mean TPOT (ms):");
        expect.push((k, meas, s(alpha, kf, c_lat), s(alpha, kf, n / m)));
        files.push(format!("{v}/bench-sd-32b-1.7b-k{k}.log"));
        files.push(format!("{v}/serve-sd-32b-1.7b-k{k}.log"));
    }
    files.push(format!("{v}/bench-nosd-32b.log"));
    files.push(format!("{v}/bench-nosd-1.7b.log"));
    let mut args = vec!["validate", "--runs"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--runs-registry",
        "datasets/models-engines.csv",
        "--only",
        "engine-runs",
        "--json",
    ]);
    let out = sdsl(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<&serde_json::Value> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["quantity"] == "speedup")
        .collect();
    assert_eq!(rows.len(), 8);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    for (row, (k, meas, lat, flops)) in rows.iter().zip(&expect) {
        assert_eq!(row["gamma"], *k);
        let f = |p: &serde_json::Value| p.as_f64().unwrap();
        assert!(close(f(&row["measured"]), *meas), "k = {k} measured");
        assert!(
            close(f(&row["predicted"]["latency-runs"]), *lat),
            "k = {k} latency-runs"
        );
        assert!(
            close(f(&row["predicted"]["sdsl-flops"]), *flops),
            "k = {k} sdsl-flops"
        );
        assert!(row["predicted"]["sdsl-law"].as_f64().is_some());
    }
    let best = |i: usize| {
        let v: Vec<f64> = expect.iter().map(|e| [e.1, e.2, e.3][i]).collect();
        let k = (0..8).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
        format!("γ={}", k + 1)
    };
    assert_eq!(rows[0]["measured_best"], best(0));
    assert_eq!(rows[0]["chosen"]["latency-runs"], best(1));
    assert_eq!(rows[0]["chosen"]["sdsl-flops"], best(2));
    // the runs' affine law, by hand: through (1.72e9, 2.27) and (3.28e10, 23.65)
    let out = sdsl(&[
        "fit",
        "latency",
        "--runs",
        &files[16],
        &files[17],
        "--registry",
        "datasets/models-engines.csv",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let k = (tpot_plain - tpot_draft) / (m - n);
    let t0 = tpot_draft - k * n;
    assert_eq!(p["kind"], "runs-affine");
    assert!(close(
        p["affine"]["law"]["k_ms_per_param"].as_f64().unwrap(),
        k
    ));
    assert!(close(p["affine"]["law"]["t0_ms"].as_f64().unwrap(), t0));
    assert!(
        p["affine"].get("loao").is_none(),
        "two sizes: no leave-one-out error"
    );
    assert!(
        p["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("v ≡ 1 assumed")
    );
}
