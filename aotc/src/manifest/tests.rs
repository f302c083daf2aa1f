//! Tests of capability parsing, the TOML file format and merging: every accepted and
//! rejected form of each grant, with the exact error a user sees.

use super::*;

fn grant(host: &str, guest: &str, mode: DirMode) -> DirGrant {
    DirGrant {
        host: host.into(),
        guest: guest.into(),
        mode,
    }
}

fn flags(dirs: &[&str], env: &[&str], allow_env: &[&str], listen: &[&str]) -> CapabilityFlags {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    CapabilityFlags {
        allow_dir: v(dirs),
        env: v(env),
        allow_env: v(allow_env),
        listen: v(listen),
        max_threads: None,
        ..CapabilityFlags::default()
    }
}

fn net_flags(connect: &[&str], bind: &[&str], resolve: &[&str]) -> CapabilityFlags {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    CapabilityFlags {
        connect: v(connect),
        bind: v(bind),
        resolve: v(resolve),
        ..CapabilityFlags::default()
    }
}

#[test]
fn network_rules_are_stored_canonical_in_order() {
    let caps = Capabilities::from_flags(&net_flags(
        &[
            "10.0.0.0/8:443",
            "[FD00::/8]:53",
            "API.Example.com.:8000-8100",
        ],
        &["127.0.0.1:*", "[::1]:0"],
        &["Lookup.Test"],
    ))
    .unwrap();
    let m = caps.into_manifest(vec![]);
    assert_eq!(
        m.connect,
        [
            "10.0.0.0/8:443",
            "[fd00::]/8:53",
            "api.example.com:8000-8100"
        ]
    );
    assert_eq!(m.bind, ["127.0.0.1:*", "[::1]:0"]);
    assert_eq!(m.resolve, ["lookup.test"]);
    // The file's and the flags' lists merge; the same rule from both is kept once.
    let file = toml("connect = [\"10.0.0.0/8:443\", \"*:53\"]\nbind = [\"0.0.0.0:9000\"]\nresolve = [\"*.svc.test\"]\n")
        .unwrap();
    let flags = Capabilities::from_flags(&net_flags(&["10.0.0.0/8:443"], &[], &[])).unwrap();
    let m = file.merge(flags).unwrap().into_manifest(vec![]);
    assert_eq!(m.connect, ["10.0.0.0/8:443", "*:53"]);
    assert_eq!(m.bind, ["0.0.0.0:9000"]);
    assert_eq!(m.resolve, ["*.svc.test"]);
}

#[test]
fn network_rule_errors_name_the_flag_or_key() {
    let err = |f: CapabilityFlags| Capabilities::from_flags(&f).unwrap_err().to_string();
    let e = err(net_flags(&["10.0.0.1/8:80"], &[], &[]));
    assert!(
        e.contains("invalid --connect `10.0.0.1/8:80`: the address has bits set beyond the prefix"),
        "{e}"
    );
    let e = err(net_flags(&[], &["example.com:80"], &[]));
    assert!(
        e.contains("invalid --bind `example.com:80`: a socket binds to an address, not a name"),
        "{e}"
    );
    let e = err(net_flags(&["127.0.0.1"], &[], &[]));
    assert!(e.contains("missing `:PORT`"), "{e}");
    let e = err(net_flags(&[], &[], &["10.0.0.1"]));
    assert!(
        e.contains("invalid --resolve `10.0.0.1`: an IP address, not a name"),
        "{e}"
    );
    let e = err(net_flags(&["a.test:1", "A.test:1"], &[], &[]));
    assert!(
        e.contains("connect destination `a.test:1` is granted twice"),
        "{e}"
    );
    let e = toml("connect = [\"h:99999\"]").unwrap_err().to_string();
    assert!(e.contains("invalid caps.toml connect[0] `h:99999`"), "{e}");
}

fn toml(text: &str) -> Result<Capabilities> {
    Capabilities::from_toml(text, Path::new("caps.toml"))
}

#[test]
fn dir_specs_accepted() {
    use DirMode::*;
    let cases = [
        ("data", grant("data", "data", ReadOnly)),
        ("data:ro", grant("data", "data", ReadOnly)),
        ("data:rw", grant("data", "data", ReadWrite)),
        ("out::/out:rw", grant("out", "/out", ReadWrite)),
        ("out::/out", grant("out", "/out", ReadOnly)),
        ("/srv/www::www:ro", grant("/srv/www", "www", ReadOnly)),
        (".", grant(".", ".", ReadOnly)),
        ("./a b::/x y:rw", grant("./a b", "/x y", ReadWrite)),
        ("../up", grant("../up", "../up", ReadOnly)),
        ("a:b", grant("a:b", "a:b", ReadOnly)),
        ("a:b::c:d:rw", grant("a:b", "c:d", ReadWrite)),
        ("a::b::c", grant("a", "b::c", ReadOnly)),
        ("dätä::ü", grant("dätä", "ü", ReadOnly)),
    ];
    for (spec, want) in cases {
        assert_eq!(parse_dir_spec(spec), Ok(want), "{spec}");
    }
}

#[test]
fn dir_specs_rejected() {
    let cases = [
        ("", "host directory is empty"),
        (":ro", "host directory is empty"),
        (":rw", "host directory is empty"),
        ("::x", "host directory is empty"),
        ("::x:rw", "host directory is empty"),
        ("x::", "guest name is empty"),
        ("x:::rw", "guest name is empty"),
        ("x::y:", "ends with `:`"),
        ("a::ro", "leaves a name empty"),
        ("data:", "ends with `:`"),
        ("data:RO", "unknown mode `:RO`"),
        ("data:Rw", "unknown mode"),
        ("data:readonly", "unknown mode"),
        ("data:read-write", "unknown mode"),
        ("data:ro:rw", "mode is given twice"),
        ("data:rw:rw", "mode is given twice"),
        ("da\0ta", "NUL"),
        ("data::gu\0est:ro", "NUL"),
    ];
    for (spec, want) in cases {
        let err = parse_dir_spec(spec).unwrap_err();
        assert!(err.contains(want), "{spec:?}: {err}");
    }
}

#[test]
fn dir_spec_round_trips() {
    for spec in ["data:ro", "out::/out:rw", "a:b::c:ro"] {
        let g = parse_dir_spec(spec).unwrap();
        assert_eq!(dir_spec(&g), spec);
        assert_eq!(parse_dir_spec(&dir_spec(&g)).unwrap(), g);
    }
}

#[test]
fn env_assignments() {
    assert_eq!(parse_env_assignment("K=V"), Ok(("K".into(), "V".into())));
    assert_eq!(parse_env_assignment("K="), Ok(("K".into(), "".into())));
    assert_eq!(
        parse_env_assignment("K=a=b"),
        Ok(("K".into(), "a=b".into()))
    );
    assert_eq!(
        parse_env_assignment("lower_1=x y"),
        Ok(("lower_1".into(), "x y".into()))
    );
    assert!(parse_env_assignment("K")
        .unwrap_err()
        .contains("missing `=`"));
    assert!(parse_env_assignment("=V").unwrap_err().contains("empty"));
    assert!(parse_env_assignment("K\0=V").unwrap_err().contains("NUL"));
    assert!(parse_env_assignment("K=V\0").unwrap_err().contains("NUL"));
    assert!(check_env_name("A=B").unwrap_err().contains("`=`"));
    assert!(check_env_name("").is_err());
    assert!(check_env_name("HOME").is_ok());
}

#[test]
fn listen_addresses() {
    assert_eq!(parse_listen("127.0.0.1:8080").unwrap(), "127.0.0.1:8080");
    assert_eq!(parse_listen("0.0.0.0:9").unwrap(), "0.0.0.0:9");
    assert!(parse_listen("0.0.0.0:0").unwrap_err().contains("port 0"));
    assert!(parse_listen("[fe80::1%1]:7000")
        .unwrap_err()
        .contains("scope"));
    assert_eq!(parse_listen("[::1]:443").unwrap(), "[::1]:443");
    assert_eq!(parse_listen("[0:0:0:0:0:0:0:1]:443").unwrap(), "[::1]:443");
    assert!(parse_listen("127.0.0.1")
        .unwrap_err()
        .contains("missing `:PORT`"));
    assert!(parse_listen("127.0.0.1:65536")
        .unwrap_err()
        .contains("port"));
    assert!(parse_listen("127.0.0.1:http").unwrap_err().contains("port"));
    assert!(parse_listen("localhost:80")
        .unwrap_err()
        .contains("IP address"));
    assert!(parse_listen("::1:80").unwrap_err().contains("brackets"));
    assert!(parse_listen("").is_err());
    assert!(parse_listen(":80").is_err());
}

#[test]
fn flags_build_a_manifest_in_order() {
    let caps = Capabilities::from_flags(&flags(
        &["b:rw", "a"],
        &["Z=1", "A=2"],
        &["HOME", "PATH"],
        &["127.0.0.1:1", "[::1]:2"],
    ))
    .unwrap();
    let m = caps.into_manifest(vec![("k".into(), "v".into())]);
    assert_eq!(
        m.dirs,
        [
            grant("b", "b", DirMode::ReadWrite),
            grant("a", "a", DirMode::ReadOnly)
        ]
    );
    assert_eq!(m.env, [("Z".into(), "1".into()), ("A".into(), "2".into())]);
    assert_eq!(m.allow_env, ["HOME", "PATH"]);
    assert_eq!(m.listen, ["127.0.0.1:1", "[::1]:2"]);
    assert_eq!(m.build[0], ("k".to_string(), "v".to_string()));
    // The digest comes last and covers everything before it.
    assert_eq!(m.build.len(), 2);
    assert_eq!(m.build[1].0, DIGEST_FACT);
    assert_eq!(integrity(&m), Integrity::Ok);
    let mut edited = m.clone();
    edited.dirs[1].mode = DirMode::ReadWrite;
    assert_eq!(integrity(&edited), Integrity::Modified);
    let mut edited = m.clone();
    edited.build[0].1 = "w".into();
    assert_eq!(integrity(&edited), Integrity::Modified);
}

#[test]
fn nothing_granted_by_default() {
    let m = Capabilities::from_flags(&CapabilityFlags::default())
        .unwrap()
        .into_manifest(vec![]);
    let bare = |mut m: Manifest| {
        m.build.retain(|(k, _)| k != DIGEST_FACT);
        m
    };
    // No directory, variable or socket; the thread limit (no access to anything
    // outside the process) has its default.
    let nothing = Manifest {
        max_threads: aotc_abi::threads::DEFAULT_MAX_THREADS,
        ..Manifest::default()
    };
    assert_eq!(bare(m), nothing);
    let m = toml("").unwrap().into_manifest(vec![]);
    assert_eq!(bare(m), nothing);
}

#[test]
fn flag_errors_name_the_flag() {
    let cases: &[(CapabilityFlags, &str)] = &[
        (
            flags(&["::x"], &[], &[], &[]),
            "invalid --allow-dir `::x`: the host directory is empty",
        ),
        (
            flags(&[], &["NOVALUE"], &[], &[]),
            "invalid --env `NOVALUE`: missing `=`",
        ),
        (flags(&[], &[], &["A=B"], &[]), "invalid --allow-env `A=B`"),
        (flags(&[], &[], &[""], &[]), "invalid --allow-env ``"),
        (flags(&[], &[], &[], &["nope"]), "invalid --listen `nope`"),
        (
            flags(&["a", "a"], &[], &[], &[]),
            "guest directory `a` is granted twice:",
        ),
        (
            flags(&["a:ro", "a:rw"], &[], &[], &[]),
            "granted twice with different settings",
        ),
        (
            flags(&["x::g", "y::g"], &[], &[], &[]),
            "guest directory `g`",
        ),
        (flags(&[], &["A=1", "A=2"], &[], &[]), "`A` is set twice"),
        (flags(&[], &["A=1", "A=1"], &[], &[]), "`A` is set twice"),
        (flags(&[], &[], &["A", "A"], &[]), "passed through twice"),
        (
            flags(&[], &["A=1"], &["A"], &[]),
            "both set (--env) and passed through from the host (--allow-env)",
        ),
        (
            flags(&[], &[], &[], &["127.0.0.1:1", "127.0.0.1:1"]),
            "granted twice",
        ),
    ];
    for (f, want) in cases {
        let err = Capabilities::from_flags(f).unwrap_err();
        assert!(err.message().contains(want), "{f:?}: {}", err.message());
        assert!(!err.message().contains('\n'));
    }
    let err = Capabilities::from_flags(&flags(&["x:RW"], &[], &[], &[])).unwrap_err();
    assert!(err.help().unwrap().contains("HOST[::GUEST][:ro|:rw]"));
}

#[test]
fn toml_accepted() {
    let caps = toml(
        r#"
        dirs = ["data:ro", "out::/out:rw"]   # same syntax as --allow-dir
        allow_env = ["HOME"]
        listen = ["127.0.0.1:8080"]
        [env]
        LANG = "C"
        A = "x=y"
        "#,
    )
    .unwrap();
    let m = caps.into_manifest(vec![]);
    assert_eq!(
        m.dirs,
        [
            grant("data", "data", DirMode::ReadOnly),
            grant("out", "/out", DirMode::ReadWrite)
        ]
    );
    // [env] is ordered by name.
    assert_eq!(
        m.env,
        [("A".into(), "x=y".into()), ("LANG".into(), "C".into())]
    );
    assert_eq!(m.allow_env, ["HOME"]);
    assert_eq!(m.listen, ["127.0.0.1:8080"]);
    // Every key is optional.
    assert!(toml("allow_env = []").is_ok());
    assert!(toml("[env]").is_ok());
}

#[test]
fn toml_rejected_with_file_position_and_key() {
    let cases = [
        ("dir = [\"data\"]", "caps.toml:1:1: unknown field `dir`"),
        (
            "dirs = [\"data\"]\nallowenv = []",
            "caps.toml:2:1: unknown field `allowenv`",
        ),
        ("dirs = \"data\"", "caps.toml:1:8:"),
        ("dirs = [1]", "caps.toml:1:9:"),
        ("[env]\nLANG = 1", "caps.toml:2:8:"),
        ("[env]\n[env.X]\nY = \"1\"", "caps.toml:2:"),
        ("listen = [\"x\"", "caps.toml:1:"),
        (
            "dirs = [\"::x\"]",
            "invalid caps.toml dirs[0] `::x`: the host directory is empty",
        ),
        (
            "dirs = [\"a\", \"b:RW\"]",
            "invalid caps.toml dirs[1] `b:RW`: unknown mode",
        ),
        ("[env]\n\"A=B\" = \"1\"", "invalid caps.toml env.A=B `A=B`"),
        ("[env]\n\"\" = \"1\"", "invalid caps.toml env. ``"),
        ("[env]\nA = \"1\\u0000\"", "NUL"),
        ("allow_env = [\"\"]", "invalid caps.toml allow_env[0]"),
        (
            "listen = [\"localhost:80\"]",
            "invalid caps.toml listen[0] `localhost:80`",
        ),
        (
            "dirs = [\"a\", \"a:rw\"]",
            "caps.toml dirs[0]) and `a:rw` (caps.toml dirs[1])",
        ),
        ("dirs = [\"a\", \"a\"]", "is granted twice:"),
        ("allow_env = [\"A\", \"A\"]", "passed through twice"),
        (
            "listen = [\"127.0.0.1:1\", \"127.0.0.1:01\"]",
            "granted twice",
        ),
        (
            "allow_env = [\"A\"]\n[env]\nA = \"1\"",
            "both set (caps.toml env.A) and passed through",
        ),
    ];
    for (text, want) in cases {
        let err = toml(text).unwrap_err();
        assert!(err.message().contains(want), "{text:?}: {}", err.message());
        assert!(!err.message().contains('\n'), "{text:?}");
    }
    let err = toml("x = 1").unwrap_err();
    assert!(err.message().contains(
        "expected one of `dirs`, `allow_env`, `listen`, `connect`, `bind`, `resolve`, `env`"
    ));
}

#[test]
fn toml_files() {
    let dir = tempfile::tempdir().unwrap();
    let err = Capabilities::from_file(&dir.path().join("missing.toml")).unwrap_err();
    assert!(
        err.message().contains("cannot read manifest"),
        "{}",
        err.message()
    );
    assert!(err.message().contains("no such file"), "{}", err.message());
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, b"dirs = [\"\xff\"]").unwrap();
    let err = Capabilities::from_file(&bin).unwrap_err();
    assert!(err.help().unwrap().contains("UTF-8"), "{}", err.message());
    let ok = dir.path().join("caps.toml");
    std::fs::write(&ok, "dirs = [\"d\"]").unwrap();
    assert_eq!(
        Capabilities::from_file(&ok)
            .unwrap()
            .into_manifest(vec![])
            .dirs
            .len(),
        1
    );
}

#[test]
fn merging_file_and_flags() {
    let file = || {
        toml("dirs = [\"data:ro\"]\nallow_env = [\"HOME\"]\nlisten = [\"127.0.0.1:80\"]\n[env]\nLANG = \"C\"").unwrap()
    };
    // Flags add to the file, after its entries.
    let m = file()
        .merge(
            Capabilities::from_flags(&flags(&["out:rw"], &["TZ=UTC"], &["USER"], &["[::1]:80"]))
                .unwrap(),
        )
        .unwrap()
        .into_manifest(vec![]);
    assert_eq!(
        m.dirs,
        [
            grant("data", "data", DirMode::ReadOnly),
            grant("out", "out", DirMode::ReadWrite)
        ]
    );
    assert_eq!(
        m.env,
        [("LANG".into(), "C".into()), ("TZ".into(), "UTC".into())]
    );
    assert_eq!(m.allow_env, ["HOME", "USER"]);
    assert_eq!(m.listen, ["127.0.0.1:80", "[::1]:80"]);

    // The same grant in both is kept once.
    let same = flags(&["data"], &["LANG=C"], &["HOME"], &["127.0.0.1:80"]);
    let m = file()
        .merge(Capabilities::from_flags(&same).unwrap())
        .unwrap()
        .into_manifest(vec![]);
    assert_eq!(
        (m.dirs.len(), m.env.len(), m.allow_env.len(), m.listen.len()),
        (1, 1, 1, 1)
    );

    // Conflicts are errors naming both places.
    let conflicts: &[(CapabilityFlags, &str)] = &[
        (
            flags(&["data:rw"], &[], &[], &[]),
            "`data:ro` (caps.toml dirs[0]) and `data:rw` (--allow-dir)",
        ),
        (
            flags(&["elsewhere::data"], &[], &[], &[]),
            "guest directory `data` is granted twice with different settings",
        ),
        (
            flags(&[], &["LANG=fr_FR"], &[], &[]),
            "`LANG=C` (caps.toml env.LANG) and `LANG=fr_FR` (--env)",
        ),
        (
            flags(&[], &[], &["LANG"], &[]),
            "both set (caps.toml env.LANG) and passed through from the host (--allow-env)",
        ),
        (
            flags(&[], &["HOME=/h"], &[], &[]),
            "both set (--env) and passed through from the host (caps.toml allow_env[0])",
        ),
    ];
    for (f, want) in conflicts {
        let err = file()
            .merge(Capabilities::from_flags(f).unwrap())
            .unwrap_err();
        assert!(err.message().contains(want), "{f:?}: {}", err.message());
    }
}

#[test]
fn encodes_and_decodes() {
    let caps = toml("dirs = [\"data:ro\", \"out::/out:rw\"]\n[env]\nK = \"V\"").unwrap();
    let m = caps.into_manifest(vec![("opt-level".into(), "2".into())]);
    assert_eq!(Manifest::decode(&m.encode()), Ok(m));
}

#[test]
fn line_col_positions() {
    assert_eq!(line_col("abc", 0), (1, 1));
    assert_eq!(line_col("abc\ndef", 5), (2, 2));
    assert_eq!(line_col("ä\nx", 3), (2, 1));
    assert_eq!(line_col("ab", 99), (1, 3));
}

#[test]
fn thread_limit_defaults_merges_and_is_bounded() {
    let m = |caps: Capabilities| caps.into_manifest(Vec::new()).max_threads;
    let none = Capabilities::from_flags(&flags(&[], &[], &[], &[])).unwrap();
    assert_eq!(m(none), aotc_abi::threads::DEFAULT_MAX_THREADS);
    let with = |n| {
        Capabilities::from_flags(&CapabilityFlags {
            max_threads: Some(n),
            ..flags(&[], &[], &[], &[])
        })
    };
    assert_eq!(m(with(0).unwrap()), 0);
    assert_eq!(m(with(2).unwrap()), 2);
    let too_many = with(aotc_abi::threads::MAX_MAX_THREADS + 1).unwrap_err();
    assert!(too_many.to_string().contains("--max-threads"), "{too_many}");
    let file = toml("max_threads = 3").unwrap();
    assert_eq!(m(file.clone().merge(with(3).unwrap()).unwrap()), 3);
    let clash = file.merge(with(4).unwrap()).unwrap_err().to_string();
    assert!(clash.contains("thread limit is set twice"), "{clash}");
}
