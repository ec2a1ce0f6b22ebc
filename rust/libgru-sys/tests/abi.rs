//! libgru-sys against include/gru.h and the built library: every function
//! declared with the header's types, every constant equal, every function
//! exported by the library and every exported function declared.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use libgru_sys as sys;

fn header() -> String {
    let path = env!("LIBGRU_HEADER");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {}", path, e))
}

/// The header without comments, with continuation lines joined.
fn clean(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        let end = rest[start..].find("*/").expect("unterminated comment") + start + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace("\\\n", " ")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<String>()
}

/// C type (parameter name already removed) -> the Rust type libgru-sys
/// must declare, without spaces.
fn rust_type(c: &str) -> String {
    let c = c.replace('*', " * ");
    let words: Vec<&str> = c.split_whitespace().collect();
    let stars = words.iter().filter(|w| **w == "*").count();
    let is_const = words.first() == Some(&"const");
    let base: Vec<&str> = words.iter().copied().filter(|w| *w != "*" && *w != "const").collect();
    let base = match base.join(" ").as_str() {
        "void" if stars == 0 => "()".to_string(),
        "void" => "c_void".to_string(),
        "char" => "c_char".to_string(),
        "float" => "f32".to_string(),
        "size_t" => "usize".to_string(),
        "unsigned" => "c_uint".to_string(),
        "unsigned char" => "u8".to_string(),
        "uint32_t" => "u32".to_string(),
        name if name.starts_with("gru_") => name.to_string(),
        other => panic!("no Rust mapping for C type {:?}: extend libgru-sys and this test", other),
    };
    let mut out = base;
    for level in 0..stars {
        // A leading const qualifies the innermost pointee: `const char **`
        // is `*mut *const c_char`.
        let qualifier = if level == 0 && is_const { "*const" } else { "*mut" };
        out = format!("{}{}", qualifier, out);
    }
    out
}

/// name -> (parameter types, return type) of every GRU_API function, in
/// Rust spelling.
fn header_functions(text: &str) -> BTreeMap<String, (Vec<String>, String)> {
    let code: String =
        text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
    let mut out = BTreeMap::new();
    for decl in code.split("GRU_API").skip(1) {
        let decl = &decl[..decl.find(';').expect("declaration without ';'")];
        let open = decl.find('(').unwrap();
        let close = decl.rfind(')').unwrap();
        let head = decl[..open].trim();
        let name_at = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let (ret, name) = (&head[..name_at], &head[name_at..]);
        let mut params = Vec::new();
        for p in decl[open + 1..close].split(',') {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            if p == "void" || p.is_empty() {
                continue;
            }
            let (p, array) = match p.find('[') {
                Some(i) => (p[..i].trim().to_string(), true),
                None => (p, false),
            };
            let cut = p.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
            let ty = format!("{}{}", &p[..cut], if array { " *" } else { "" });
            params.push(rust_type(&ty));
        }
        out.insert(name.to_string(), (params, rust_type(ret)));
    }
    out
}

#[test]
fn every_function_is_declared_with_the_headers_types() {
    let header = header_functions(&clean(&header()));
    assert!(header.len() >= 30, "parsed only {} functions", header.len());
    let ours: BTreeMap<String, (Vec<String>, String)> = sys::FUNCTIONS
        .iter()
        .map(|(name, args, ret)| (name.to_string(), (args.iter().map(|a| squash(a)).collect(), squash(ret))))
        .collect();
    let missing: Vec<_> = header.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !header.contains_key(*k)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {:?}, not in the header {:?}", missing, extra);
    for (name, want) in &header {
        assert_eq!(&ours[name], want, "{}: (parameters, return)", name);
    }
}

/// Every integer constant of the header: the status list, the enums and
/// the numeric #defines.
fn header_constants(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut add = |name: &str, value: &str| {
        let value = value.trim().trim_end_matches('u');
        if let Ok(v) = value.parse::<u64>() {
            assert!(out.insert(name.to_string(), v).is_none(), "{} twice", name);
        }
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 3 && words[0] == "#define" && words[1].starts_with("GRU_") {
            add(words[1], words[2]);
        }
    }
    for item in text.split("X(").skip(1) {
        let parts: Vec<&str> = item.splitn(3, ',').collect();
        if parts.len() == 3 && parts[0].starts_with("GRU_") {
            add(parts[0].trim(), parts[1]);
        }
    }
    for body in text.split("typedef enum").skip(1) {
        let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
        for item in body.split(',') {
            if let Some((name, value)) = item.split_once('=') {
                add(name.trim(), value);
            }
        }
    }
    out
}

#[test]
fn every_constant_matches_the_header() {
    let text = clean(&header());
    let mut header = header_constants(&text);
    // GRU_VERSION_NUMBER is an expression in the header: evaluate it.
    let number =
        header["GRU_VERSION_MAJOR"] * 10000 + header["GRU_VERSION_MINOR"] * 100 + header["GRU_VERSION_PATCH"];
    header.insert("GRU_VERSION_NUMBER".to_string(), number);
    let ours: BTreeMap<String, u64> = sys::CONSTANTS.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let missing: Vec<_> = header.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !header.contains_key(*k)).collect();
    let differ: Vec<_> = ours.iter().filter(|(k, v)| header.get(*k).map_or(false, |h| h != *v)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "missing {:?}; not in the header {:?}; other values {:?}",
        missing,
        extra,
        differ
    );
    let version = text.split("#define GRU_VERSION_STRING").nth(1).unwrap();
    let version = version.split('"').nth(1).unwrap();
    assert_eq!(sys::GRU_VERSION_STRING, version);
}

#[test]
fn the_loaded_library_is_the_headers_release() {
    // SAFETY: no arguments; the string is static.
    unsafe {
        assert_eq!(sys::gru_version_number(), sys::GRU_VERSION_NUMBER);
        let s = CStr::from_ptr(sys::gru_version_string()).to_str().unwrap();
        assert_eq!(s, sys::GRU_VERSION_STRING);
    }
}

/// The libgru.so this test process loaded, by /proc/self/maps.
fn loaded_library() -> PathBuf {
    // SAFETY: makes sure the library is mapped.
    unsafe { sys::gru_version_number() };
    let maps = std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps");
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| Path::new(p).file_name().map_or(false, |f| f.to_string_lossy().starts_with("libgru.so")))
        .map(PathBuf::from)
        .expect("libgru.so is not mapped")
}

#[test]
fn the_library_exports_exactly_the_declared_functions() {
    let lib = loaded_library();
    let linked = env!("LIBGRU_LINKED_DIR");
    if !linked.is_empty() {
        let dir = Path::new(linked).canonicalize().unwrap();
        assert_eq!(lib.canonicalize().unwrap().parent().unwrap(), dir, "loaded {} instead", lib.display());
    }
    let out = Command::new("nm").args(["-D", "--defined-only"]).arg(&lib).output().expect("nm (binutils)");
    assert!(out.status.success(), "nm {}: {}", lib.display(), String::from_utf8_lossy(&out.stderr));
    let exported: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 3 && w[1] == "T").then(|| w[2].split('@').next().unwrap().to_string())
        })
        .collect();
    let declared: BTreeSet<String> = sys::FUNCTIONS.iter().map(|f| f.0.to_string()).collect();
    assert_eq!(declared, exported, "declared vs exported by {}", lib.display());
    for (name, address) in sys::function_addresses() {
        assert_ne!(address, 0, "{}", name);
    }
}

#[test]
fn the_abi_baseline_lists_the_declared_functions() {
    // abi/gru.symbols (name@version-node), when the header comes from a
    // source tree that has one.
    let header = Path::new(env!("LIBGRU_HEADER"));
    let baseline = header.parent().and_then(Path::parent).map(|root| root.join("abi").join("gru.symbols"));
    let text = match baseline.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => text,
        None => return println!("no abi/gru.symbols beside {}: skipped", header.display()),
    };
    let listed: BTreeSet<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('@').next().unwrap().trim().to_string())
        .collect();
    let declared: BTreeSet<String> = sys::FUNCTIONS.iter().map(|f| f.0.to_string()).collect();
    assert_eq!(declared, listed, "declared vs {}", baseline.unwrap().display());
}
