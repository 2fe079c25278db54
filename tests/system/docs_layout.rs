//! The README's layout is the map a newcomer reads first: every path it
//! names exists, and every module of `src/` and `src/actors/` is on it.

use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The paths at the start of the README's "Layout" block's lines
/// (indented lines continue the line above).
fn layout_paths() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let block = readme
        .split("### Layout")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .expect("README.md has a Layout section with a code block");
    block
        .lines()
        .filter(|line| !line.starts_with(char::is_whitespace))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.contains('/') || word.ends_with(".rs"))
        .map(|word| word.trim_end_matches(';').to_owned())
        .collect()
}

/// The entries of `dir` (relative to the crate), as the README names them:
/// `dir/name.rs` for a file, `dir/name/` for a directory.
fn entries(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(Path::new(ROOT).join(dir))
        .expect("source directory")
        .map(|entry| {
            let entry = entry.expect("directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                format!("{dir}/{name}/")
            } else {
                format!("{dir}/{name}")
            }
        })
        .collect()
}

#[test]
fn every_path_in_the_readme_layout_exists() {
    let paths = layout_paths();
    assert!(
        paths.len() > 10,
        "the layout block was not found: {paths:?}"
    );
    let missing: Vec<_> = paths
        .iter()
        .filter(|p| !Path::new(ROOT).join(p).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "README layout names paths that do not exist: {missing:?}"
    );
}

#[test]
fn every_module_of_src_and_its_actors_is_in_the_readme_layout() {
    let listed: BTreeSet<String> = layout_paths().into_iter().collect();
    // A module's directory may be listed for its `.rs` file and the other
    // way round (`src/launcher.rs` with `src/launcher/`).
    let is_listed = |entry: &String| {
        let twin = match entry.strip_suffix('/') {
            Some(dir) => format!("{dir}.rs"),
            None => format!("{}/", entry.trim_end_matches(".rs")),
        };
        listed.contains(entry) || listed.contains(&twin)
    };
    let unlisted: Vec<String> = entries("src")
        .into_iter()
        .chain(entries("src/actors"))
        .filter(|e| !e.ends_with("/mod.rs"))
        .filter(|e| !is_listed(e))
        .collect();
    assert!(
        unlisted.is_empty(),
        "README layout leaves out: {unlisted:?}"
    );
}
