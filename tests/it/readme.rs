//! README.md is the front door, and everything it shows is checked here:
//! the two setup commands are the ones CI and the justfile run; every
//! `sdsl …` (or `cargo run --release -- …`) command whose output is shown
//! prints exactly that output (in the docs pages too); the Rust snippet is
//! the marked excerpt of an example that `cargo test` compiles; the Python
//! snippet is a file of `py/examples/`, which pytest runs; the layout tree
//! names paths that exist; the command table covers every subcommand; and
//! every relative link (with its `#anchor`) in the Markdown pages resolves.
//!
//! Self-contained: its own small Markdown helpers, no `common`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const README_MAX_LINES: usize = 200;

// ---------------------------------------------------------------- helpers

/// One fenced code block of a Markdown file.
#[derive(Debug)]
struct Block {
    /// The info string after the opening fence (`sh`, `console`, …).
    info: String,
    /// The lines between the fences, joined with `\n`.
    text: String,
    /// 1-based line of the opening fence.
    line: usize,
}

fn read(rel: &str) -> String {
    let p = Path::new(ROOT).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The fenced code blocks of a Markdown text (backtick fences of 3 or more;
/// a block closes at a fence at least as long as the one that opened it).
fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Block, Vec<&str>)> = None;
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let ticks = t.chars().take_while(|&c| c == '`').count();
        match open.take() {
            None if ticks >= 3 => {
                let block = Block {
                    info: t[ticks..].trim().to_string(),
                    text: String::new(),
                    line: i + 1,
                };
                open = Some((ticks, block, Vec::new()));
            }
            None => {}
            Some((n, mut block, lines)) if ticks >= n && t[ticks..].trim().is_empty() => {
                block.text = lines.join("\n");
                out.push(block);
            }
            Some((n, block, mut lines)) => {
                lines.push(line);
                open = Some((n, block, lines));
            }
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    out
}

/// The lines of a Markdown text outside fenced code blocks, with their
/// 1-based numbers.
fn prose(md: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<usize> = None;
    let mut out = Vec::new();
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        let ticks = t.chars().take_while(|&c| c == '`').count();
        match fence {
            None if ticks >= 3 => fence = Some(ticks),
            None => out.push((i + 1, line)),
            Some(n) if ticks >= n && t[ticks..].trim().is_empty() => fence = None,
            Some(_) => {}
        }
    }
    out
}

/// Lines without trailing whitespace, and without trailing empty lines.
fn normalise(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// The arguments of a shown `sdsl …` or `cargo run --release -- …` command,
/// or `None` for any other command.
fn sdsl_args(command: &str) -> Option<Vec<String>> {
    let rest = command
        .strip_prefix("sdsl ")
        .or_else(|| command.strip_prefix("cargo run --release -- "))?;
    assert!(
        !rest.contains(['\'', '"', '|', '>', '<', '$', '`']),
        "keep shown commands free of quotes and shell syntax: {command}"
    );
    Some(rest.split_whitespace().map(String::from).collect())
}

/// Runs the built `sdsl` from the repository root; its stdout (exit 0 required).
fn run_sdsl(args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("run sdsl");
    assert!(
        out.status.success(),
        "sdsl {} exited with {:?}:\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// The command part of a shell line: everything before a ` #` comment, trimmed.
fn command_of(line: &str) -> &str {
    line.split(" #").next().unwrap_or("").trim()
}

/// The command lines of a justfile recipe (`name:` or `name args:`), trimmed.
fn recipe(justfile: &str, name: &str) -> Vec<String> {
    let mut lines = justfile.lines();
    lines
        .by_ref()
        .find(|l| {
            !l.starts_with([' ', '\t', '#'])
                && l.split([':', ' ']).next() == Some(name)
                && l.contains(':')
        })
        .unwrap_or_else(|| panic!("justfile has no recipe '{name}'"));
    lines
        .take_while(|l| l.starts_with([' ', '\t']))
        .map(|l| l.trim().to_string())
        .collect()
}

/// The Markdown pages whose links (and shown outputs) are checked.
fn pages() -> Vec<String> {
    let mut pages = vec![
        "README.md".to_string(),
        "CHANGELOG.md".to_string(),
        "py/README.md".to_string(),
        "lab/README.md".to_string(),
    ];
    let mut docs: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "docs/ has no pages");
    pages.extend(docs);
    pages
}

/// GitHub's anchor for a heading: the rendered text lower-cased, every
/// character that is not a letter, digit, space, `-` or `_` dropped, spaces
/// turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .replace("\\", "")
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings (repeats get `-1`, `-2`, …).
fn anchors(md: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (_, line) in prose(md) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim().trim_end_matches('#').trim());
        let n = seen.entry(base.clone()).or_insert(0);
        out.push(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the inline links and images `[…](target)` of a line,
/// outside inline code spans.
fn link_targets(line: &str) -> Vec<String> {
    // drop inline code spans first: `[x](y)` inside backticks is not a link
    let mut text = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            text.push_str(part);
        }
    }
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = after[..end].split_whitespace().next().unwrap_or("");
        out.push(target.to_string());
        rest = &after[end..];
    }
    out
}

/// The lines between `ANCHOR: readme` and `ANCHOR_END: readme` of a file.
fn marked_excerpt(text: &str) -> Option<String> {
    let mut lines = text.lines();
    lines.by_ref().find(|l| l.trim() == "// ANCHOR: readme")?;
    let body: Vec<&str> = lines
        .take_while(|l| l.trim() != "// ANCHOR_END: readme")
        .collect();
    Some(body.join("\n"))
}

// ------------------------------------------------------------------ tests

#[test]
fn the_readme_is_short_and_opens_with_the_two_setup_commands() {
    let readme = read("README.md");
    let n = readme.lines().count();
    assert!(
        n <= README_MAX_LINES,
        "README.md has {n} lines; at most {README_MAX_LINES} (move detail to docs/)"
    );
    // only the title (and blank lines) before the first code block
    let before: Vec<&str> = readme
        .lines()
        .take_while(|l| !l.starts_with("```"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(
        before.len() == 1 && before[0].starts_with("# "),
        "README.md must open with its title and then the setup commands, found {before:?}"
    );
    let first = &blocks(&readme)[0];
    assert_eq!(first.info, "sh", "the setup block is a sh block");
    let commands: Vec<&str> = first.text.lines().map(command_of).collect();
    assert_eq!(
        commands,
        ["cargo run --release -- refit", "cargo test --release"],
        "the README's first lines are the main job and the tests"
    );

    // the test command is the one CI runs for the sdsl package ...
    let ci = read(".ci/run");
    let ci_test = ci
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cargo test"))
        .expect(".ci/run runs cargo test");
    assert_eq!(commands[1], ci_test, ".ci/run's test command");
    // ... and the justfile's recipes run the same two commands
    let just = read("justfile");
    assert_eq!(recipe(&just, "refit"), [commands[0]], "just refit");
    assert_eq!(recipe(&just, "test"), [commands[1]], "just test");
}

#[test]
fn shown_outputs_are_what_the_binary_prints() {
    let mut checked = 0;
    for page in pages() {
        let md = read(&page);
        for block in blocks(&md).iter().filter(|b| b.info == "console") {
            // a console block: `$ command` lines, each followed by its output
            let mut runs: Vec<(&str, Vec<&str>)> = Vec::new();
            for line in block.text.lines() {
                match line.strip_prefix("$ ") {
                    Some(cmd) => runs.push((cmd.trim(), Vec::new())),
                    None => runs
                        .last_mut()
                        .unwrap_or_else(|| {
                            panic!("{page}:{}: output before any `$ ` command", block.line)
                        })
                        .1
                        .push(line),
                }
            }
            for (cmd, shown) in runs {
                let Some(args) = sdsl_args(cmd) else {
                    // other programs (python, …) are shown, not run; the
                    // front door shows only what is checked here
                    assert!(
                        page != "README.md",
                        "README.md:{}: `{cmd}` is not an sdsl command this test can run",
                        block.line
                    );
                    continue;
                };
                let shown = normalise(&shown.join("\n"));
                let printed = normalise(&run_sdsl(&args));
                // a last line `…` shows the start of a longer output
                let (shown, printed) = match shown.last().map(String::as_str) {
                    Some("…") => {
                        let head = &shown[..shown.len() - 1];
                        let n = head.len().min(printed.len());
                        (head.to_vec(), printed[..n].to_vec())
                    }
                    _ => (shown, printed),
                };
                assert!(
                    shown == printed,
                    "{page}:{}: `{cmd}` prints something else than shown.\n--- shown\n{}\n--- printed\n{}\n",
                    block.line,
                    shown.join("\n"),
                    printed.join("\n")
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 1, "no shown command was checked");
}

#[test]
fn every_readme_code_block_is_checked() {
    let readme = read("README.md");
    let mut console = 0;
    for (i, block) in blocks(&readme).iter().enumerate() {
        match block.info.as_str() {
            // the setup block: the_readme_is_short_and_opens_with_the_two_setup_commands
            "sh" if i == 0 => {}
            // run by shown_outputs_are_what_the_binary_prints
            "console" => console += 1,
            // rust_snippet_is_a_compiled_example, python_snippet_is_a_tested_example,
            // the_layout_names_paths_that_exist
            "rust" | "python" | "text" => {}
            other => panic!(
                "README.md:{}: a `{other}` block; every block of the README must be checked by tests/it/readme.rs",
                block.line
            ),
        }
    }
    assert!(console >= 1, "README.md shows no command with its output");
}

#[test]
fn rust_snippet_is_a_compiled_example() {
    // the marked excerpts of examples/*.rs (cargo test compiles every example)
    let mut excerpts = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs")
            && let Some(ex) = marked_excerpt(&std::fs::read_to_string(&path).unwrap())
        {
            excerpts.push((path, ex));
        }
    }
    let readme = read("README.md");
    let rust: Vec<Block> = blocks(&readme)
        .into_iter()
        .filter(|b| b.info == "rust")
        .collect();
    assert!(!rust.is_empty(), "README.md shows no library snippet");
    for block in &rust {
        assert!(
            excerpts
                .iter()
                .any(|(_, ex)| normalise(ex) == normalise(&block.text)),
            "README.md:{}: the Rust block is not the `ANCHOR: readme` excerpt of any examples/*.rs ({:?})",
            block.line,
            excerpts.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
}

#[test]
fn python_snippet_is_a_tested_example() {
    let readme = read("README.md");
    let py_readme = read("py/README.md");
    let py_blocks: Vec<String> = blocks(&py_readme)
        .into_iter()
        .filter(|b| b.info == "python")
        .map(|b| b.text)
        .collect();
    let examples: Vec<(PathBuf, String)> = std::fs::read_dir(Path::new(ROOT).join("py/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    // pytest runs every py/examples/*.py
    let runner = read("py/tests/test_examples.py");
    assert!(
        runner.contains("examples") && runner.contains("def test_"),
        "py/tests/test_examples.py runs the examples"
    );
    let mut n = 0;
    for block in blocks(&readme).iter().filter(|b| b.info == "python") {
        n += 1;
        assert!(
            examples
                .iter()
                .any(|(_, text)| normalise(text) == normalise(&block.text)),
            "README.md:{}: the Python block is not the text of any py/examples/*.py",
            block.line
        );
        assert!(
            py_blocks
                .iter()
                .any(|b| normalise(b) == normalise(&block.text)),
            "README.md:{}: the Python block is not shown in py/README.md",
            block.line
        );
    }
    assert!(n >= 1, "README.md shows no Python snippet");
}

#[test]
fn the_layout_names_paths_that_exist() {
    let readme = read("README.md");
    let layout: Vec<Block> = blocks(&readme)
        .into_iter()
        .filter(|b| b.info == "text")
        .collect();
    assert!(!layout.is_empty(), "README.md shows no layout");
    for block in layout {
        for line in block.text.lines() {
            // an entry is the first word of a line that starts at column 0
            if line.starts_with(' ') || line.trim().is_empty() {
                continue;
            }
            let entry = line.split_whitespace().next().unwrap();
            assert!(
                Path::new(ROOT).join(entry).exists(),
                "README.md:{}: the layout names {entry}, which does not exist",
                block.line
            );
        }
    }
}

#[test]
fn the_command_table_covers_every_subcommand() {
    let readme = read("README.md");
    // rows `| `sdsl WORDS …` | … |`: WORDS up to the first flag, placeholder or bracket
    let rows: Vec<Vec<String>> = prose(&readme)
        .into_iter()
        .filter_map(|(_, l)| l.strip_prefix("| `sdsl "))
        .map(|rest| {
            rest.split(['`', ' '])
                .take_while(|w| {
                    !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                })
                .filter(|w| !w.starts_with('-'))
                .map(String::from)
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "README.md has no command table");
    for words in &rows {
        // every row names a real (sub)command
        let mut args = words.clone();
        args.push("--help".into());
        run_sdsl(&args);
    }
    // every subcommand of `sdsl --help` (and of its groups) has a row
    let subcommands = |args: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        a.push("--help".into());
        let help = run_sdsl(&a);
        help.lines()
            .skip_while(|l| !l.starts_with("Commands:"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .filter(|c| c != "help")
            .collect()
    };
    for top in subcommands(&[]) {
        let subs = subcommands(&[top.as_str()]);
        let wanted: Vec<Vec<String>> = if subs.is_empty() {
            vec![vec![top.clone()]]
        } else {
            subs.into_iter().map(|s| vec![top.clone(), s]).collect()
        };
        for w in wanted {
            assert!(
                rows.contains(&w),
                "README.md's command table has no row for `sdsl {}`",
                w.join(" ")
            );
        }
    }
}

#[test]
fn relative_links_resolve() {
    let mut checked = 0;
    for page in pages() {
        let md = read(&page);
        let dir = Path::new(ROOT).join(&page).parent().unwrap().to_path_buf();
        for (line_no, line) in prose(&md) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    Path::new(ROOT).join(&page)
                } else {
                    dir.join(path)
                };
                assert!(
                    file.exists(),
                    "{page}:{line_no}: the link {target} points to {}, which does not exist",
                    file.display()
                );
                if let Some(anchor) = anchor {
                    assert!(
                        file.extension().is_some_and(|e| e == "md"),
                        "{page}:{line_no}: an anchor into a file that is not Markdown: {target}"
                    );
                    let heads = anchors(&std::fs::read_to_string(&file).unwrap());
                    assert!(
                        heads.iter().any(|h| h == anchor),
                        "{page}:{line_no}: {target}: no heading with the anchor #{anchor} in {}",
                        file.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} links found");
}

#[test]
fn the_helpers_parse_what_they_should() {
    let md = "# T\n\n```sh\na # c\n```\n\ntext [x](docs/a.md#b-c) `[y](z)`\n````text\n```\n````\n## A `b` (c, d-e)\n## A `b` (c, d-e)\n";
    let b = blocks(md);
    assert_eq!(b.len(), 2);
    assert_eq!(
        (b[0].info.as_str(), b[0].text.as_str(), b[0].line),
        ("sh", "a # c", 3)
    );
    assert_eq!(b[1].text, "```");
    assert_eq!(command_of("a --b   # c"), "a --b");
    assert_eq!(
        link_targets("text [x](docs/a.md#b-c) `[y](z)`"),
        ["docs/a.md#b-c"]
    );
    assert_eq!(anchors(md), ["t", "a-b-c-d-e", "a-b-c-d-e-1"]);
    assert_eq!(
        slug("Speed (`cargo bench --bench loss_fit`, this 2-core machine)"),
        "speed-cargo-bench---bench-loss_fit-this-2-core-machine"
    );
    assert_eq!(slug("N\\* on real hardware"), "n-on-real-hardware");
    assert_eq!(
        sdsl_args("cargo run --release -- predict --target X"),
        Some(vec!["predict".into(), "--target".into(), "X".into()])
    );
    assert_eq!(sdsl_args("python x.py"), None);
    let just = "# c\ntest:\n    cargo test --release\n\npredict target=\"X\":\n    cargo run\n";
    assert_eq!(recipe(just, "test"), ["cargo test --release"]);
    assert_eq!(recipe(just, "predict"), ["cargo run"]);
}
