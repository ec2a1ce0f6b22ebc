//! Finds libgru, in this order:
//!
//! 1. `LIBGRU_LIB_DIR`: a directory holding `libgru.so` (a build tree's
//!    `build/dev/src`). Test and example binaries get it as their run path,
//!    so they run without `LD_LIBRARY_PATH`.
//! 2. `pkg-config gru` (then `libgru`): an installed libgru; a libdir
//!    outside /usr/lib and /lib becomes the run path as in 1.
//! 3. Neither: `-lgru` on the linker's default path.
//!
//! The header (for the ABI test) is `LIBGRU_INCLUDE_DIR/gru.h`, else
//! pkg-config's includedir, else this source tree's `include/`.
//! Dependents see the directories as `DEP_GRU_LIB_DIR` / `DEP_GRU_INCLUDE`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config_var(package: &str, var: &str) -> Option<String> {
    let out = Command::new("pkg-config").args(["--variable", var, package]).output().ok()?;
    let value = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if out.status.success() && !value.is_empty() {
        Some(value)
    } else {
        None
    }
}

/// (libdir, includedir) of the first of the package names pkg-config knows.
fn pkg_config() -> Option<(String, Option<String>)> {
    ["gru", "libgru"].iter().find_map(|name| {
        let lib = pkg_config_var(name, "libdir")?;
        Some((lib, pkg_config_var(name, "includedir")))
    })
}

fn main() {
    for var in ["LIBGRU_LIB_DIR", "LIBGRU_INCLUDE_DIR", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let source_include = manifest.join("../../include");

    let (lib_dir, include_dir, run_path) = match env::var("LIBGRU_LIB_DIR") {
        Ok(dir) if !dir.is_empty() => {
            let dir = Path::new(&dir).canonicalize().unwrap_or_else(|e| {
                panic!("LIBGRU_LIB_DIR={}: {}", dir, e);
            });
            if !dir.join("libgru.so").exists() && !dir.join("libgru.so.1").exists() {
                panic!("LIBGRU_LIB_DIR={}: no libgru.so there", dir.display());
            }
            (Some(dir), None, true)
        }
        _ => match pkg_config() {
            // A prefix outside the loader's default path (/usr/local, /opt,
            // a home directory) gets a run path too.
            Some((lib, inc)) => {
                let default = lib.starts_with("/usr/lib") || lib.starts_with("/lib");
                (Some(PathBuf::from(lib)), inc.map(PathBuf::from), !default)
            }
            None => {
                println!("cargo:warning=libgru: neither LIBGRU_LIB_DIR nor pkg-config; linking -lgru from the default path");
                (None, None, false)
            }
        },
    };
    let include_dir = env::var("LIBGRU_INCLUDE_DIR")
        .ok()
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or(include_dir)
        .unwrap_or(source_include);

    if let Some(dir) = &lib_dir {
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:lib_dir={}", dir.display());
        println!("cargo:rustc-env=LIBGRU_LINKED_DIR={}", dir.display());
        if run_path {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            println!("cargo:run_path={}", dir.display());
        }
    } else {
        println!("cargo:rustc-env=LIBGRU_LINKED_DIR=");
    }
    println!("cargo:rustc-link-lib=dylib=gru");
    println!("cargo:include={}", include_dir.display());
    println!("cargo:rustc-env=LIBGRU_HEADER={}", include_dir.join("gru.h").display());
}
