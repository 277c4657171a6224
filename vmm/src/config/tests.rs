use super::*;
use alloc::vec;

fn vm(line: &str) -> VmSpec {
    match parse_line(line).unwrap() {
        Item::Vm(v) => v,
        Item::Wait => panic!("not a vm line"),
    }
}

#[test]
fn a_full_line_parses() {
    let v =
        vm(r#"vm pit kernel=tk.elf cmdline="test=pit secs=2" modules=a,b cpus=2 mem=64M cpu=1"#);
    assert_eq!(v.name, "pit");
    assert_eq!(v.kernel, "tk.elf");
    assert_eq!(v.cmdline, "test=pit secs=2");
    assert_eq!(v.modules, ["a", "b"]);
    assert_eq!((v.cpus, v.mem, v.cpu), (2, 64 << 20, Some(1)));
}

#[test]
fn defaults_apply() {
    let v = vm("vm g kernel=k");
    assert_eq!((v.cpus, v.mem, v.cpu), (1, 32 << 20, None));
    assert!(v.cmdline.is_empty() && v.modules.is_empty());
    assert_eq!(vm("vm g kernel=k mem=1G").mem, 1 << 30);
    assert_eq!(vm("vm g kernel=k mem=4096K").mem, 4 << 20);
}

#[test]
fn a_file_parses_with_comments_waits_and_blank_lines() {
    let text = b"# tests\n\nvm a kernel=k # first\nwait\n  vm b kernel=k cpus=2\n";
    let items = parse(text).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1], Item::Wait);
    assert!(matches!(&items[2], Item::Vm(v) if v.name == "b" && v.cpus == 2));
}

#[test]
fn errors_name_the_line() {
    let cases: [(&[u8], usize, &str); 12] = [
        (b"vm a kernel=k\nvm a kernel=k", 2, "exists already"),
        (b"\n\nvmm a kernel=k", 3, "starts with"),
        (b"vm", 1, "needs a name"),
        (b"vm a", 1, "kernel= is missing"),
        (b"vm a kernel=k cpus=9", 1, "1 to 8"),
        (b"vm a kernel=k cpus=x", 1, "wants a number"),
        (b"vm a kernel=k mem=3M", 1, "multiple of 2M"),
        (b"vm a kernel=k mem=4G", 1, "multiple of 2M"),
        (b"vm a kernel=k colour=red", 1, "unknown setting"),
        (b"vm a kernel=k cmdline=\"x", 1, "unterminated"),
        (b"vm this-name-is-too-long kernel=k", 1, "guest name"),
        (b"wait now", 1, "no arguments"),
    ];
    for (text, line, what) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, line, "{}", String::from_utf8_lossy(text));
        assert!(
            e.what.contains(what),
            "{}: {}",
            String::from_utf8_lossy(text),
            e.what
        );
    }
    assert_eq!(
        parse(b"vm a kernel=k mem=99999999999999999999G")
            .unwrap_err()
            .what,
        "mem= wants a size such as 64M"
    );
    assert_eq!(
        parse(&[b'v', b'm', b' ', 0xff]).unwrap_err().what,
        "not UTF-8"
    );
}

#[test]
fn quoted_words_keep_spaces_and_empty_quotes_are_a_value() {
    assert_eq!(
        words(r#"a "b c" d="" e"#).unwrap(),
        vec!["a", "b c", "d=", "e"]
    );
}
