//! Gives this crate's tests and examples libgru-sys's run path (set when
//! LIBGRU_LIB_DIR points at a build tree), so they run without
//! LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_GRU_RUN_PATH");
    if let Ok(dir) = std::env::var("DEP_GRU_RUN_PATH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
}
